"""Visibility-aware reads of the catalog, shared by the API and the admin."""
from django.db.models import Prefetch, Q

from metadefs.models import MetadefObject, Namespace, Property, ResourceTypeAssociation, Tag
from project.errors import NotFound

ASSOCIATIONS = Prefetch(
    "resource_type_associations",
    queryset=ResourceTypeAssociation.objects.select_related("resource_type").order_by("id"),
)


ASSOCIATION_FIELDS = ("namespace_id", "resource_type__name", "prefix", "properties_target", "created_at",
                      "updated_at")


def association_rows(namespace_ids):
    """namespace id -> its associations as plain rows, in one query.

    Lists show every page's associations; plain rows instead of model
    instances halve the cost of a namespace list.
    """
    rows = {namespace_id: [] for namespace_id in namespace_ids}
    query = ResourceTypeAssociation.objects.filter(namespace_id__in=rows).order_by("id")
    for namespace_id, name, prefix, target, created_at, updated_at in query.values_list(*ASSOCIATION_FIELDS):
        rows[namespace_id].append({"name": name, "prefix": prefix, "properties_target": target,
                                   "created_at": created_at, "updated_at": updated_at})
    return rows


def namespaces_visible_to(context):
    namespaces = Namespace.objects.all()
    if context.is_admin:
        return namespaces
    visible = Q(visibility="public")
    if context.project_id:
        visible |= Q(owner=context.project_id)
    return namespaces.filter(visible)


def namespace_get(context, name, *, detail=False):
    """The namespace `name` if `context` may see it; NotFound otherwise (never Forbidden)."""
    queryset = namespaces_visible_to(context)
    if detail:
        queryset = namespaces_for_export(queryset)
    try:
        return queryset.get(namespace=name)
    except Namespace.DoesNotExist:
        raise NotFound(f"Namespace {name} not found.") from None


def child_get(namespace, model, name):
    try:
        return model.objects.get(namespace=namespace, name=name)
    except model.DoesNotExist:
        raise NotFound(f"{model._meta.verbose_name.capitalize()} {name} not found in namespace {namespace}.") from None


def association_get(namespace, resource_type_name):
    try:
        return namespace.resource_type_associations.select_related("resource_type").get(
            resource_type__name=resource_type_name
        )
    except ResourceTypeAssociation.DoesNotExist:
        raise NotFound(
            f"Resource type {resource_type_name} is not associated with namespace {namespace}."
        ) from None


def namespaces_for_export(queryset=None):
    """Namespaces with everything they contain, in a fixed number of queries."""
    queryset = Namespace.objects.all() if queryset is None else queryset
    return queryset.order_by("namespace").prefetch_related(
        ASSOCIATIONS,
        Prefetch("properties", queryset=Property.objects.order_by("name")),
        Prefetch("metadef_objects", queryset=MetadefObject.objects.order_by("name")),
        Prefetch("tags", queryset=Tag.objects.order_by("name")),
    )
