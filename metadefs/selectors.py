"""Visibility-aware reads of the catalog, shared by the API and the admin."""
from dataclasses import dataclass

from django.db.models import Prefetch, Q

from metadefs.filters import NamespaceFilterSet
from metadefs.models import MetadefObject, Namespace, Property, ResourceType, ResourceTypeAssociation, Tag
from project.api.paging import SortOrder, next_marker, page, parse_limit, parse_sort
from project.auth.policy import allowed, enforce_metadef
from project.errors import NotFound

NAMESPACE_SORT_KEYS = ("namespace", "created_at", "updated_at", "visibility", "protected", "owner", "id")
CHILD_SORT_KEYS = ("name", "created_at", "updated_at", "id")

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


def namespaces_listed(context):
    """GET /v2/metadefs/namespaces: the namespaces `context` may list (Forbidden without the rules).

    Each page is then passed through listable(), as Glance checks every namespace it lists.
    """
    enforce_metadef(context, "get_metadef_namespaces")
    # A list shows every namespace's resource type associations.
    enforce_metadef(context, "list_metadef_resource_types")
    return namespaces_visible_to(context)


def listable(context, namespaces):
    return [namespace for namespace in namespaces if allowed(
        context, "get_metadef_namespace", {"project_id": namespace.owner, "visibility": namespace.visibility})]


@dataclass(frozen=True)
class Page:
    rows: list
    next_marker: str


def namespace_list(context, params):
    """GET /v2/metadefs/namespaces: the page `params` ask for, each namespace with its associations."""
    namespaces = NamespaceFilterSet(params, queryset=namespaces_listed(context)).namespaces()
    limit, order = parse_limit(params), SortOrder.of(*parse_sort(params, NAMESPACE_SORT_KEYS))
    marker = params.get("marker")
    rows = page(namespaces, order, marker=namespace_get(context, marker) if marker else None, limit=limit)
    shown = listable(context, rows)
    associations = association_rows([namespace.id for namespace in shown])
    for namespace in shown:
        namespace.association_rows = associations[namespace.id]
    return Page(shown, next_marker(rows, limit, key=lambda namespace: namespace.namespace))


def children_page(namespace, model, params):
    """Objects and tags of `namespace` with Glance's limit/marker/sort parameters.

    Glance's object list ignores its paging parameters; here they page, but an
    object marker that does not exist starts from the beginning (Glance's 200),
    where a tag marker that does not exist is Glance's 404.
    """
    limit, order = parse_limit(params), SortOrder.of(*parse_sort(params, CHILD_SORT_KEYS))
    rows = page(model.objects.filter(namespace=namespace), order, marker=_child_marker(namespace, model, params),
                limit=limit)
    for row in rows:
        row.namespace = namespace
    return rows


def namespace_get(context, name, *, detail=False, reading=()):
    """The namespace `name` if `context` may see it (NotFound otherwise, never Forbidden), and
    may read the parts of it named by the rules in `reading` (Forbidden otherwise)."""
    queryset = namespaces_visible_to(context)
    if detail:
        queryset = namespaces_for_export(queryset)
    try:
        namespace = queryset.get(namespace=name)
    except Namespace.DoesNotExist:
        raise NotFound(f"Namespace {name} not found.") from None
    for rule in ("get_metadef_namespace", *reading):
        enforce_metadef(context, rule, namespace)
    return namespace


# What GET of a whole namespace shows besides the namespace itself.
NAMESPACE_CONTENTS = ("list_metadef_resource_types", "get_metadef_objects", "get_metadef_properties",
                      "get_metadef_tags")


def resource_types_listed(context):
    enforce_metadef(context, "list_metadef_resource_types")
    return ResourceType.objects.order_by("name")


def _child_marker(namespace, model, params):
    name = params.get("marker")
    if not name:
        return None
    if model is MetadefObject:
        return model.objects.filter(namespace=namespace, name=name).first()
    return child_get(namespace, model, name)


def child_get(namespace, model, name):
    try:
        child = model.objects.get(namespace=namespace, name=name)
    except model.DoesNotExist:
        raise NotFound(f"{model._meta.verbose_name.capitalize()} {name} not found in namespace {namespace}.") from None
    child.namespace = namespace  # the one read already (a delete may take it from the database meanwhile)
    return child


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
