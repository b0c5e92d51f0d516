"""Glance's metadef file format: one namespace per JSON file, loaded and exported.

The loader follows glance-manage's modes: skip existing namespaces (default),
merge (add what is missing), merge + prefer_new (file wins where both have it)
and merge + overwrite (replace the namespace whole).
"""
import json
from enum import Enum
from pathlib import Path

from django.db import transaction

from metadefs import schemas, services
from metadefs.models import MetadefObject, Namespace, Property, ResourceType, Tag
from metadefs.validation import validate_document
from project.auth.context import admin_context
from project.errors import InvalidInput

FILE_KEYS = ("namespace", "display_name", "description", "visibility", "protected", "owner",
             "resource_type_associations", "properties", "objects", "tags")


class Mode(Enum):
    SKIP = "skip"
    MERGE = "merge"
    PREFER_NEW = "prefer_new"
    OVERWRITE = "overwrite"


def namespace_files(path):
    """The .json files to load: `path` itself, or those directly in it, sorted."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix == ".json")
    raise InvalidInput(f"{path}: no such file or directory")


def read_namespace_file(path):
    """Parse one file; errors name the file and, for bad JSON, the line and column."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: {exc}") from None
    if not isinstance(document, dict) or "namespace" not in document:
        raise InvalidInput(f"{path}: not a metadef namespace document (no 'namespace' key)")
    return document


@transaction.atomic
def namespace_load(*, document, mode=Mode.SKIP, context=None):
    """Load one namespace document; return what happened ("created", "skipped", ...).

    Resource types the loader creates are protected, as Glance's are.
    """
    context = context or admin_context()
    # Checked whole before anything is written, so a bad file changes nothing.
    validate_document(schemas.NAMESPACE, document, f"namespace {document.get('namespace')!r}")
    document = {"owner": "admin", **document}
    existing = Namespace.objects.filter(namespace=document["namespace"]).first()
    if existing and mode is Mode.OVERWRITE:
        existing.delete()
        existing = None
    if existing is None:
        namespace = services.namespace_create(context=context, document=_own_fields(document))
        _add_contents(context, namespace, document, prefer_new=False)
        return "created"
    if mode is Mode.SKIP:
        return "skipped"
    if mode is Mode.PREFER_NEW:
        services.namespace_replace(context=context, namespace=existing, document=_own_fields(document))
    _add_contents(context, existing, document, prefer_new=mode is Mode.PREFER_NEW)
    return "updated" if mode is Mode.PREFER_NEW else "merged"


def _own_fields(document):
    return {key: document[key] for key in FILE_KEYS[:6] if document.get(key) is not None}


def _add_contents(context, namespace, document, *, prefer_new):
    _load_associations(context, namespace, document.get("resource_type_associations") or [], prefer_new)
    existing = {p.name: p for p in Property.objects.filter(namespace=namespace)}
    for name, definition in (document.get("properties") or {}).items():
        body = {**definition, "name": name}
        if name not in existing:
            services.property_create(context=context, namespace=namespace, document=body)
        elif prefer_new:
            services.property_replace(context=context, prop=existing[name], document=body)
    existing = {o.name: o for o in MetadefObject.objects.filter(namespace=namespace)}
    for obj in document.get("objects") or []:
        if obj.get("name") not in existing:
            services.object_create(context=context, namespace=namespace, document=obj)
        elif prefer_new:
            services.object_replace(context=context, obj=existing[obj["name"]], document=obj)
    present = set(Tag.objects.filter(namespace=namespace).values_list("name", flat=True))
    names = [tag.get("name") for tag in document.get("tags") or [] if tag.get("name") not in present]
    if names:
        services.tags_create(context=context, namespace=namespace, names=names, append=True)


def _load_associations(context, namespace, associations, prefer_new):
    existing = {a.resource_type.name: a for a in namespace.resource_type_associations.select_related("resource_type")}
    for association in associations:
        current = existing.get(association.get("name"))
        if current is None:
            services.association_create(context=context, namespace=namespace, document=association,
                                        protect_type=True)
        elif prefer_new:
            current.prefix = association.get("prefix")
            current.properties_target = association.get("properties_target")
            current.save()


def namespace_export(namespace):
    """The namespace in Glance's file format (loading it back gives the same catalog)."""
    document = {
        "namespace": namespace.namespace,
        "display_name": namespace.display_name,
        "description": namespace.description,
        "visibility": namespace.visibility,
        "protected": namespace.protected,
        "owner": namespace.owner,
        "resource_type_associations": [
            {key: value for key, value in (("name", a.resource_type.name), ("prefix", a.prefix),
                                            ("properties_target", a.properties_target)) if value is not None}
            for a in namespace.resource_type_associations.all()
        ],
        "properties": {p.name: p.schema for p in namespace.properties.all()},
        "objects": [
            {"name": o.name, "description": o.description, "required": o.required, "properties": o.properties}
            for o in namespace.metadef_objects.all()
        ],
        "tags": [{"name": t.name} for t in namespace.tags.all()],
    }
    return {key: value for key, value in document.items() if value is not None}


def export_file_name(namespace_name):
    return namespace_name.replace("::", "-").replace(":", "-").replace("/", "-") + ".json"


@transaction.atomic
def catalog_unload():
    """Empty the catalog, protected namespaces and resource types included (an operator's choice)."""
    count = Namespace.objects.count()
    Namespace.objects.all().delete()
    ResourceType.objects.all().delete()
    return count
