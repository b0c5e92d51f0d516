"""Glance v2 metadefs endpoints: thin views over selectors and services."""
from rest_framework.response import Response

from metadefs import selectors, services
from metadefs.api import serializers as wire
from metadefs.models import MetadefObject, Property, Tag
from project.api.paging import after_marker, ordered, page_links, parse_limit, parse_sort_dir, parse_sort_key
from project.api.views import GlanceView
from project.errors import InvalidInput, NotFound

NAMESPACE_SORT_KEYS = {"namespace", "created_at", "updated_at", "visibility", "protected", "owner", "id"}
CHILD_SORT_KEYS = {"name", "created_at", "updated_at", "id"}


class NamespaceList(GlanceView):
    def get(self, request):
        params = request.query_params
        limit, marker = parse_limit(params), params.get("marker")
        sort_key, sort_dir = parse_sort_key(params, NAMESPACE_SORT_KEYS), parse_sort_dir(params)
        keys = list(dict.fromkeys([sort_key, "created_at", "id"]))
        namespaces = self._filtered(params)
        if marker is not None:
            namespaces = after_marker(namespaces, keys, selectors.namespace_get(self.caller, marker), sort_dir)
        page = list(ordered(namespaces, keys, sort_dir)[:limit])
        next_marker = page[-1].namespace if page and len(page) == limit else None
        page = selectors.listable(self.caller, page)
        associations = selectors.association_rows([namespace.id for namespace in page])
        return Response({
            "namespaces": [wire.namespace_body(namespace, wire.association_bodies(associations[namespace.id]))
                           for namespace in page],
            **page_links(wire.NAMESPACES_PATH, params, next_marker),
            "schema": "/v2/schemas/metadefs/namespaces",
        })

    def _filtered(self, params):
        namespaces = selectors.namespaces_listed(self.caller)
        visibility = params.get("visibility")
        if visibility:
            if visibility not in ("public", "private"):
                raise InvalidInput(f"Invalid visibility value: {visibility}")
            namespaces = namespaces.filter(visibility=visibility)
        resource_types = [name for name in params.get("resource_types", "").split(",") if name]
        if resource_types:
            namespaces = namespaces.filter(
                resource_type_associations__resource_type__name__in=resource_types
            ).distinct()
        return namespaces

    def post(self, request):
        namespace = services.namespace_create(context=self.caller, document=self.json_body())
        namespace = selectors.namespace_get(self.caller, namespace.namespace, detail=True)
        return self.created(detail_body(namespace), wire.namespace_href(namespace.namespace))


def detail_body(namespace, resource_type=None):
    """The namespace with everything in it (prefetched by selectors.namespace_get(detail=True))."""
    associations = [wire.association_model_body(a) for a in namespace.resource_type_associations.all()]
    return wire.namespace_body(namespace, associations, detail=True, resource_type=resource_type)


class NamespaceDetail(GlanceView):
    def get(self, request, namespace):
        found = selectors.namespace_get(self.caller, namespace, detail=True, reading=selectors.NAMESPACE_CONTENTS)
        return Response(detail_body(found, request.query_params.get("resource_type")))

    def put(self, request, namespace):
        found = selectors.namespace_get(self.caller, namespace)
        updated = services.namespace_replace(context=self.caller, namespace=found, document=self.json_body())
        rows = selectors.association_rows([updated.id])[updated.id]
        return Response(wire.namespace_body(updated, wire.association_bodies(rows)))

    def delete(self, request, namespace):
        services.namespace_delete(context=self.caller, namespace=selectors.namespace_get(self.caller, namespace))
        return self.no_content()


class NamespaceChildren(GlanceView):
    """Shared by the objects, properties and tags collections of a namespace."""

    kind = None

    def delete(self, request, namespace):
        found = selectors.namespace_get(self.caller, namespace)
        services.namespace_contents_delete(context=self.caller, namespace=found, kind=self.kind)
        return self.no_content()

    def page(self, namespace, model):
        """Objects and tags take Glance's limit/marker/sort parameters (no links)."""
        params = self.request.query_params
        limit = parse_limit(params)
        keys = list(dict.fromkeys([parse_sort_key(params, CHILD_SORT_KEYS), "created_at", "id"]))
        sort_dir = parse_sort_dir(params)
        rows = model.objects.filter(namespace=namespace)
        if params.get("marker"):
            rows = after_marker(rows, keys, selectors.child_get(namespace, model, params["marker"]), sort_dir)
        rows = list(ordered(rows, keys, sort_dir)[:limit])
        for row in rows:
            row.namespace = namespace
        return rows


class ObjectList(NamespaceChildren):
    kind = "objects"

    def get(self, request, namespace):
        found = selectors.namespace_get(self.caller, namespace, reading=["get_metadef_objects"])
        objects = self.page(found, MetadefObject)
        return Response({"objects": [wire.object_body(o) for o in objects], "schema": "v2/schemas/metadefs/objects"})

    def post(self, request, namespace):
        found = selectors.namespace_get(self.caller, namespace)
        obj = services.object_create(context=self.caller, namespace=found, document=self.json_body())
        return self.created(wire.object_body(obj))


class ObjectDetail(GlanceView):
    def get(self, request, namespace, name):
        return Response(wire.object_body(self._object(namespace, name, reading=["get_metadef_object"])))

    def put(self, request, namespace, name):
        obj = services.object_replace(context=self.caller, obj=self._object(namespace, name), document=self.json_body())
        return Response(wire.object_body(obj))

    def delete(self, request, namespace, name):
        services.child_delete(context=self.caller, child=self._object(namespace, name))
        return self.no_content()

    def _object(self, namespace, name, reading=()):
        return selectors.child_get(selectors.namespace_get(self.caller, namespace, reading=reading), MetadefObject,
                                   name)


class PropertyList(NamespaceChildren):
    kind = "properties"

    def get(self, request, namespace):
        found = selectors.namespace_get(self.caller, namespace, reading=["get_metadef_properties"])
        return Response(wire.properties_body(Property.objects.filter(namespace=found).order_by("name")))

    def post(self, request, namespace):
        found = selectors.namespace_get(self.caller, namespace)
        prop = services.property_create(context=self.caller, namespace=found, document=self.json_body())
        return self.created(wire.property_body(prop))


class PropertyDetail(GlanceView):
    def get(self, request, namespace, name):
        found = selectors.namespace_get(self.caller, namespace, reading=["get_metadef_property"])
        resource_type = request.query_params.get("resource_type")
        if resource_type:
            name = self._unprefixed(found, resource_type, name)
        return Response(wire.property_body(selectors.child_get(found, Property, name)))

    @staticmethod
    def _unprefixed(namespace, resource_type, name):
        prefix = selectors.association_get(namespace, resource_type).prefix
        if not prefix or not name.startswith(prefix):
            raise NotFound(f"Property {name} does not start with the prefix {prefix!r} of resource type "
                           f"{resource_type} in namespace {namespace}.")
        return name[len(prefix):]

    def put(self, request, namespace, name):
        found = selectors.namespace_get(self.caller, namespace)
        prop = selectors.child_get(found, Property, name)
        prop = services.property_replace(context=self.caller, prop=prop, document=self.json_body())
        return Response(wire.property_body(prop))

    def delete(self, request, namespace, name):
        found = selectors.namespace_get(self.caller, namespace)
        services.child_delete(context=self.caller, child=selectors.child_get(found, Property, name))
        return self.no_content()


class TagList(NamespaceChildren):
    kind = "tags"

    def get(self, request, namespace):
        found = selectors.namespace_get(self.caller, namespace, reading=["get_metadef_tags"])
        return Response({"tags": [wire.tag_body(tag) for tag in self.page(found, Tag)]})

    def post(self, request, namespace):
        found = selectors.namespace_get(self.caller, namespace)
        body = self.json_body()
        tags = body.get("tags")
        if not isinstance(tags, list) or not all(isinstance(tag, dict) for tag in tags):
            raise InvalidInput("Request body must have a 'tags' list of objects, each with a 'name'.")
        names = [tag.get("name") for tag in tags]
        append = request.headers.get("X-Openstack-Append", "").lower() == "true"
        created = services.tags_create(context=self.caller, namespace=found, names=names, append=append)
        return self.created({"tags": [wire.tag_body(tag) for tag in created]})


class TagDetail(GlanceView):
    def get(self, request, namespace, name):
        return Response(wire.tag_body(self._tag(namespace, name, reading=["get_metadef_tag"])))

    def post(self, request, namespace, name):
        found = selectors.namespace_get(self.caller, namespace)
        return self.created(wire.tag_body(services.tag_create(context=self.caller, namespace=found, name=name)))

    def put(self, request, namespace, name):
        tag = services.tag_rename(context=self.caller, tag=self._tag(namespace, name), document=self.json_body())
        return Response(wire.tag_body(tag))

    def delete(self, request, namespace, name):
        services.child_delete(context=self.caller, child=self._tag(namespace, name))
        return self.no_content()

    def _tag(self, namespace, name, reading=()):
        return selectors.child_get(selectors.namespace_get(self.caller, namespace, reading=reading), Tag, name)


class ResourceTypeList(GlanceView):
    def get(self, request):
        resource_types = selectors.resource_types_listed(self.caller)
        return Response({"resource_types": [wire.resource_type_body(rt) for rt in resource_types]})


class AssociationList(GlanceView):
    def get(self, request, namespace):
        found = selectors.namespace_get(self.caller, namespace, reading=["get_metadef_resource_type"])
        rows = selectors.association_rows([found.id])[found.id]
        return Response({"resource_type_associations": wire.association_bodies(rows)})

    def post(self, request, namespace):
        found = selectors.namespace_get(self.caller, namespace)
        association = services.association_create(context=self.caller, namespace=found, document=self.json_body())
        return self.created(wire.association_model_body(association))


class AssociationDetail(GlanceView):
    def delete(self, request, namespace, resource_type):
        found = selectors.namespace_get(self.caller, namespace)
        services.association_delete(context=self.caller, association=selectors.association_get(found, resource_type))
        return self.no_content()
