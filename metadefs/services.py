"""Every write to the catalog. Called by the API, the admin and the commands.

Each service takes the caller's RequestContext, checks the rule that guards
it, validates against the published schemas and writes atomically; it raises
project.errors exceptions, never returns partial work.
"""
from django.db import IntegrityError, transaction

from metadefs import schemas
from metadefs.models import MetadefObject, Namespace, Property, ResourceType, ResourceTypeAssociation, Tag
from metadefs.validation import check_property_definition, validate_document
from project.auth.policy import enforce_metadef
from project.errors import Conflict, Forbidden, InvalidInput, NotFound

NAMESPACE_FIELDS = ("display_name", "description")
KINDS = {"objects": MetadefObject, "properties": Property, "tags": Tag}
DELETE_RULES = {MetadefObject: "delete_metadef_object", Property: "remove_metadef_property", Tag: "delete_metadef_tag"}


def ensure_deletable(namespace):
    """The one rule guarding deletion: nothing in a protected namespace goes."""
    if namespace.protected:
        raise Forbidden(f"Namespace {namespace.namespace} is protected and cannot be deleted.")


def _locked(namespace):
    """Lock the namespace's row for the rest of the transaction, first: writers to one namespace and its
    contents then queue behind each other instead of deadlocking (MariaDB), one whose namespace a delete
    removed meanwhile gets a 404 instead of a foreign-key failure, and protection is read as it is now."""
    fresh = Namespace.objects.select_for_update().filter(pk=namespace.pk).only("pk", "protected").first()
    if fresh is None:
        raise NotFound(f"Namespace {namespace.namespace} not found.")
    namespace.protected = fresh.protected
    return namespace


def _locked_child(child):
    """`_locked` for the child's namespace, then the child's own row: one deleted meanwhile is a 404
    (saving it would insert it again)."""
    _locked(child.namespace)
    if not type(child).objects.select_for_update().filter(pk=child.pk).exists():
        name = child.resource_type if isinstance(child, ResourceTypeAssociation) else child.name
        raise NotFound(f"{type(child)._meta.verbose_name.capitalize()} {name} not found in namespace "
                       f"{child.namespace}.")
    return child


def _require_name(name, what):
    # Glance's schemas allow "", but an empty name cannot be addressed in a URL.
    if isinstance(name, str) and not name.strip():
        raise InvalidInput(f"The name of {what} must not be empty.")


def _reject_read_only(document, read_only, what):
    for key in read_only:
        if key in document:
            raise Forbidden(f"Attribute '{key}' of {what} is read-only.")


# --- namespaces -----------------------------------------------------------

@transaction.atomic
def namespace_enforcement_set(*, namespace, enforced):
    """Whether the namespace's definitions govern image properties (METADEF_ENFORCEMENT). Not part of
    the API's namespace document: set by administrators in the Django admin."""
    if namespace.enforced != enforced:
        namespace.enforced = enforced
        namespace.save(update_fields=["enforced", "updated_at"])


@transaction.atomic
def namespace_create(*, context, document):
    """Create a namespace with everything it embeds, or nothing at all."""
    enforce_metadef(context, "add_metadef_namespace")
    _reject_read_only(document, ("self", "schema", "created_at", "updated_at"), "a namespace")
    validate_document(schemas.NAMESPACE, document, "namespace")
    name = document["namespace"]
    _require_name(name, "a namespace")
    if Namespace.objects.filter(namespace=name).exists():
        raise Conflict(f"Namespace {name} already exists.")
    namespace = Namespace(
        namespace=name,
        visibility=document.get("visibility", "private"),
        protected=document.get("protected", False),
        owner=document.get("owner") or context.owner or "",
        **{field: document.get(field) for field in NAMESPACE_FIELDS},
    )
    _save_unique(namespace, f"Namespace {name} already exists.")
    _create_contents(context, namespace, document)
    return namespace


def _create_contents(context, namespace, document):
    for association in document.get("resource_type_associations") or []:
        association_create(context=context, namespace=namespace, document=association)
    for name, definition in (document.get("properties") or {}).items():
        property_create(context=context, namespace=namespace, document={**definition, "name": name})
    for obj in document.get("objects") or []:
        object_create(context=context, namespace=namespace, document=obj)
    names = [tag.get("name") for tag in document.get("tags") or []]
    if names:
        tags_create(context=context, namespace=namespace, names=names, append=True)


@transaction.atomic
def namespace_replace(*, context, namespace, document):
    """Full replace of a namespace's own fields (PUT); rename allowed.

    Embedded properties, objects, tags and associations in the body are
    ignored, as clients send back what they read.
    """
    enforce_metadef(context, "modify_metadef_namespace", namespace)
    _locked(namespace)
    _reject_read_only(document, ("self", "schema", "created_at", "updated_at"), "a namespace")
    validate_document(schemas.NAMESPACE, document, "namespace")
    new_name = document["namespace"]
    _require_name(new_name, "a namespace")
    if new_name != namespace.namespace and Namespace.objects.filter(namespace=new_name).exists():
        raise Conflict(f"Namespace {new_name} already exists.")
    namespace.namespace = new_name
    for field in NAMESPACE_FIELDS:
        setattr(namespace, field, document.get(field))
    namespace.visibility = document.get("visibility") or "private"
    namespace.protected = document.get("protected") or False
    namespace.owner = document.get("owner") or context.owner or ""
    _save_unique(namespace, f"Namespace {new_name} already exists.")
    return namespace


@transaction.atomic
def namespace_delete(*, context, namespace):
    enforce_metadef(context, "delete_metadef_namespace", namespace)
    ensure_deletable(_locked(namespace))
    namespace.delete()


@transaction.atomic
def namespace_contents_delete(*, context, namespace, kind):
    """Delete all objects, properties or tags of a namespace."""
    # Glance guards these with the namespace's delete rule, tags with their own rule as well.
    enforce_metadef(context, "delete_metadef_namespace", namespace)
    if kind == "tags":
        enforce_metadef(context, "delete_metadef_tags", namespace)
    ensure_deletable(_locked(namespace))
    KINDS[kind].objects.filter(namespace=namespace).delete()
    namespace.save(update_fields=["updated_at"])


# --- properties -------------------------------------------------------------

def _property_definition(document):
    validate_document(schemas.PROPERTY, document, f"property '{document.get('name', '')}'")
    _require_name(document["name"], "a property")
    definition = {key: value for key, value in document.items() if key != "name"}
    return check_property_definition(document["name"], definition)


@transaction.atomic
def property_create(*, context, namespace, document):
    enforce_metadef(context, "add_metadef_property", namespace)
    _locked(namespace)
    _reject_read_only(document, ("created_at", "updated_at"), "a property")
    definition = _property_definition(document)
    prop = Property(namespace=namespace, name=document["name"], schema=definition)
    _save_unique(prop, f"Property {prop.name} already exists in namespace {namespace}.")
    return prop


@transaction.atomic
def property_replace(*, context, prop, document):
    enforce_metadef(context, "modify_metadef_property", prop.namespace)
    _locked_child(prop)
    _reject_read_only(document, ("created_at", "updated_at"), "a property")
    definition = _property_definition(document)
    prop.name, prop.schema = document["name"], definition
    _save_unique(prop, f"Property {prop.name} already exists in namespace {prop.namespace}.")
    return prop


# --- objects ----------------------------------------------------------------

def _apply_object(obj, document):
    _reject_read_only(document, ("self", "schema", "created_at", "updated_at"), "an object")
    validate_document(schemas.OBJECT, document, "object")
    _require_name(document["name"], "an object")
    properties = {name: check_property_definition(name, definition)
                  for name, definition in (document.get("properties") or {}).items()}
    obj.name = document["name"]
    obj.description = document.get("description")
    obj.required = document.get("required") or []
    obj.properties = properties
    _save_unique(obj, f"Object {obj.name} already exists in namespace {obj.namespace}.")
    return obj


@transaction.atomic
def object_create(*, context, namespace, document):
    enforce_metadef(context, "add_metadef_object", namespace)
    return _apply_object(MetadefObject(namespace=_locked(namespace)), document)


@transaction.atomic
def object_replace(*, context, obj, document):
    enforce_metadef(context, "modify_metadef_object", obj.namespace)
    return _apply_object(_locked_child(obj), document)


# --- tags -------------------------------------------------------------------

def _check_tag_name(name):
    validate_document(schemas.TAG, {"name": name}, "tag")
    _require_name(name, "a tag")


@transaction.atomic
def tag_create(*, context, namespace, name):
    enforce_metadef(context, "add_metadef_tag", namespace)
    _locked(namespace)
    _check_tag_name(name)
    tag = Tag(namespace=namespace, name=name)
    _save_unique(tag, f"Tag {name} already exists in namespace {namespace}.")
    return tag


@transaction.atomic
def tags_create(*, context, namespace, names, append):
    """Create several tags; without `append` they replace the existing ones."""
    enforce_metadef(context, "add_metadef_tags", namespace)
    _locked(namespace)
    for name in names:
        _check_tag_name(name)
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise Conflict(f"Duplicate tag names in request: {', '.join(duplicates)}.")
    existing = Tag.objects.filter(namespace=namespace)
    if not append:
        if existing.exists():
            ensure_deletable(namespace)
        existing.delete()
    elif existing.filter(name__in=names).exists():
        taken = sorted(existing.filter(name__in=names).values_list("name", flat=True))
        raise Conflict(f"Tags already exist in namespace {namespace}: {', '.join(taken)}.")
    Tag.objects.bulk_create([Tag(namespace=namespace, name=name) for name in names])
    return list(Tag.objects.filter(namespace=namespace, name__in=names).order_by("name"))


@transaction.atomic
def tag_rename(*, context, tag, document):
    enforce_metadef(context, "modify_metadef_tag", tag.namespace)
    _locked_child(tag)
    _reject_read_only(document, ("created_at", "updated_at"), "a tag")
    _check_tag_name(document.get("name"))
    validate_document(schemas.TAG, document, "tag")
    tag.name = document["name"]
    _save_unique(tag, f"Tag {tag.name} already exists in namespace {tag.namespace}.")
    return tag


@transaction.atomic
def child_delete(*, context, child):
    """Delete one property, object or tag."""
    enforce_metadef(context, DELETE_RULES[type(child)], child.namespace)
    ensure_deletable(_locked_child(child).namespace)
    child.delete()


# --- resource types ---------------------------------------------------------

def resource_type_get_or_create(name, *, protected=False):
    resource_type, created = ResourceType.objects.get_or_create(name=name, defaults={"protected": protected})
    if protected and not created and not resource_type.protected:
        resource_type.protected = True
        resource_type.save(update_fields=["protected", "updated_at"])
    return resource_type


@transaction.atomic
def association_create(*, context, namespace, document, protect_type=False):
    """Associate a resource type (created if unknown) with a namespace."""
    enforce_metadef(context, "add_metadef_resource_type_association", namespace)
    _locked(namespace)
    _reject_read_only(document, ("created_at", "updated_at"), "a resource type association")
    validate_document(schemas.RESOURCE_TYPE_ASSOCIATION, document, "resource type association")
    _require_name(document["name"], "a resource type")
    resource_type = resource_type_get_or_create(document["name"], protected=protect_type)
    association = ResourceTypeAssociation(
        namespace=namespace,
        resource_type=resource_type,
        prefix=document.get("prefix"),
        properties_target=document.get("properties_target"),
    )
    _save_unique(association, f"Resource type {resource_type} is already associated with namespace {namespace}.")
    return association


@transaction.atomic
def association_delete(*, context, association):
    enforce_metadef(context, "remove_metadef_resource_type_association", association.namespace)
    ensure_deletable(_locked_child(association).namespace)
    association.delete()


def _save_unique(instance, conflict_message):
    """Save, turning a uniqueness race into Conflict without spoiling the transaction."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise Conflict(conflict_message) from None
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
