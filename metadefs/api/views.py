"""Glance v2 metadefs endpoints: thin views over selectors and services."""
from rest_framework.response import Response

from metadefs import selectors, services
from metadefs.api import serializers as wire
from metadefs.models import MetadefObject, Property, Tag
from project.api.paging import envelope
from project.api.views import GlanceView
from project.errors import InvalidInput, NotFound


class NamespaceList(GlanceView):
    def get(self, request):
        listing = selectors.namespace_list(self.caller, request.query_params)
        bodies = [wire.namespace_body(namespace, wire.association_bodies(namespace.association_rows))
                  for namespace in listing.rows]
        return Response(envelope("namespaces", bodies, path=wire.NAMESPACES_PATH, params=request.query_params,
                                 marker=listing.next_marker, schema="/v2/schemas/metadefs/namespaces"))

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


class ObjectList(NamespaceChildren):
    kind = "objects"

    def get(self, request, namespace):
        found = selectors.namespace_get(self.caller, namespace, reading=["get_metadef_objects"])
        objects = selectors.children_page(found, MetadefObject, request.query_params)
        return Response(envelope("objects", [wire.object_body(o) for o in objects], schema="v2/schemas/metadefs/objects"))

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
        return Response({"tags": [wire.tag_body(tag) for tag in selectors.children_page(found, Tag, request.query_params)]})

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
