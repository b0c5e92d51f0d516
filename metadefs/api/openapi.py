"""The OpenAPI description of the metadefs API (metadefs/api/urls.py).

The bodies are the documents of metadefs/schemas.py, served at /v2/schemas/metadefs/* and used to
validate requests; what every answer carries comes from the serializers' fields.
"""
from metadefs import schemas
from metadefs.selectors import CHILD_SORT_KEYS, NAMESPACE_SORT_KEYS
from project.api.openapi import (answer, choice, header, header_param, json_content, link, operation, path_param,
                                 paging_params, query_param, ref, request_body, served_schema, with_required)

NS_PATH = "/v2/metadefs/namespaces/{namespace}"
NAMESPACE = path_param("namespace", "The namespace's name.")
NAME = path_param("name", "The name.")
STAMPS = ("created_at", "updated_at")
# Component name, served document, the keys every answer carries (None: as served).
DOCUMENTS = (
    ("MetadefNamespace", "namespace", ("namespace", "visibility", "protected", "self", "schema", *STAMPS)),
    ("MetadefNamespaces", "namespaces", ("namespaces", "first", "schema")),
    ("MetadefObject", "object", ("name", "self", "schema", *STAMPS)),
    ("MetadefObjects", "objects", ("objects", "schema")),
    ("MetadefProperty", "property", ("name", "type", "title")),
    ("MetadefProperties", "properties", None),
    ("MetadefTag", "tag", ("name", *STAMPS)),
    ("MetadefTags", "tags", None),
    ("MetadefResourceTypeAssociation", "resource_type", ("name", *STAMPS)),
    ("MetadefResourceTypeAssociations", "resource_types", None),
)
TAGS_BODY = {"type": "object", "required": ["tags"], "properties": {"tags": {"type": "array", "items": {
    "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}}
RESOURCE_TYPES = {"type": "object", "required": ["resource_types"], "properties": {"resource_types": {
    "type": "array", "items": {"type": "object", "required": ["name", "created_at"],
                               "properties": {"name": {"type": "string"}, "created_at": {"type": "string"}}}}}}
IN_NAMESPACE = {"namespace": "$request.path.namespace", "name": "$response.body#/name"}


def metadef_schemas(components):
    """Each served document as <component> (answers: with the keys they always carry) and, for request
    bodies, as <component>Request (exactly as served: what the service validates them with)."""
    for component, served, required in DOCUMENTS:
        schema = served_schema(schemas.DOCUMENTS[served], component, components)
        components[component] = with_required(schema, required) if required else schema
        components[f"{component}Request"] = schema


def _body(component):
    return request_body(json_content(ref(f"{component}Request")))


def _namespace_links():
    new = {"namespace": "$response.body#/namespace"}
    return {name: link(operation_id, new) for name, operation_id in (
        ("GetNamespace", "showMetadefNamespace"), ("UpdateNamespace", "updateMetadefNamespace"),
        ("CreateObject", "createMetadefObject"), ("CreateProperty", "createMetadefProperty"),
        ("CreateTags", "createMetadefTags"), ("CreateTag", "createMetadefTag"),
        ("Associate", "createMetadefAssociation"), ("DeleteNamespace", "deleteMetadefNamespace"))}


def _child_links(kind):
    return {f"{verb}{kind}": link(f"{verb.lower()}Metadef{kind}", IN_NAMESPACE)
            for verb in ("Show", "Update", "Delete")}


def namespace_paths():
    tag, namespace = "metadefs namespaces", ref("MetadefNamespace")
    body = _body("MetadefNamespace")
    return {
        "/v2/metadefs/namespaces": {
            "get": operation("listMetadefNamespaces", "List namespaces", tag, {
                200: answer("A page of namespaces.", ref("MetadefNamespaces"))}, 400, 401, 403, 404, params=[
                    *paging_params(NAMESPACE_SORT_KEYS),
                    query_param("visibility", "public or private.", choice("public", "private")),
                    query_param("resource_types", "Comma-separated resource type names.")]),
            "post": operation("createMetadefNamespace", "Create a namespace", tag, {201: answer(
                "The new namespace.", namespace, headers={"Location": header("URL of the namespace.")},
                links=_namespace_links())}, 400, 401, 403, 409, body=body),
        },
        NS_PATH: {
            "parameters": [NAMESPACE],
            "get": operation("showMetadefNamespace", "Show a namespace with its contents", tag, {
                200: answer("The namespace.", namespace)}, 401, 403, 404, params=[query_param(
                    "resource_type", "Show property names with this resource type's prefix.")]),
            "put": operation("updateMetadefNamespace", "Replace a namespace's attributes", tag, {
                200: answer("The namespace.", namespace)}, 400, 401, 403, 404, 409, body=body),
            "delete": operation("deleteMetadefNamespace", "Delete a namespace and its contents", tag, {
                204: answer("Deleted.")}, 401, 403, 404),
        },
    }


def _children(kind, plural, listing, member, creator, **extra):
    """The collection and member routes of a namespace's objects or properties."""
    tag = f"metadefs {plural}"
    body = _body(f"Metadef{kind}")
    return {
        f"{NS_PATH}/{plural}": {
            "parameters": [NAMESPACE],
            "get": operation(f"listMetadef{kind}s", f"List the namespace's {plural}", tag, {
                200: answer(f"The {plural}.", listing)}, 400, 401, 403, 404, **extra),
            "post": operation(creator, f"Create a {kind.lower()}", tag, {201: answer(
                f"The new {kind.lower()}.", member, links=_child_links(kind))}, 400, 401, 403, 404, 409, body=body),
            "delete": operation(f"deleteMetadef{kind}s", f"Delete every {kind.lower()} of the namespace", tag, {
                204: answer("Deleted.")}, 401, 403, 404),
        },
        f"{NS_PATH}/{plural}/{{name}}": {
            "parameters": [NAMESPACE, NAME],
            "get": operation(f"showMetadef{kind}", f"Show a {kind.lower()}", tag, {
                200: answer(f"The {kind.lower()}.", member)}, 401, 403, 404),
            "put": operation(f"updateMetadef{kind}", f"Replace a {kind.lower()}", tag, {
                200: answer(f"The {kind.lower()}.", member)}, 400, 401, 403, 404, 409, body=body),
            "delete": operation(f"deleteMetadef{kind}", f"Delete a {kind.lower()}", tag, {
                204: answer("Deleted.")}, 401, 403, 404),
        },
    }


def content_paths():
    routes = {
        **_children("Object", "objects", ref("MetadefObjects"), ref("MetadefObject"), "createMetadefObject",
                    params=paging_params(CHILD_SORT_KEYS)),
        **_children("Property", "properties", ref("MetadefProperties"), ref("MetadefProperty"),
                    "createMetadefProperty"),
    }
    routes[f"{NS_PATH}/properties/{{name}}"]["get"]["parameters"] = [query_param(
        "resource_type", "The name is prefixed with this resource type's prefix.")]
    return routes


def tag_paths():
    tag, one = "metadefs tags", ref("MetadefTag")
    return {
        f"{NS_PATH}/tags": {
            "parameters": [NAMESPACE],
            "get": operation("listMetadefTags", "List the namespace's tags", "metadefs tags", {
                200: answer("The tags.", ref("MetadefTags"))}, 400, 401, 403, 404, params=paging_params(CHILD_SORT_KEYS)),
            "post": operation("createMetadefTags", "Create tags (replacing the existing ones unless X-Openstack-Append)",
                              tag, {201: answer("The tags created.", ref("MetadefTags"))}, 400, 401, 403, 404, 409,
                              params=[header_param("X-Openstack-Append", "true (any case): keep the existing "
                                                   "tags; anything else replaces them.")],
                              body=request_body(json_content(TAGS_BODY))),
            "delete": operation("deleteMetadefTags", "Delete every tag of the namespace", tag, {
                204: answer("Deleted.")}, 401, 403, 404),
        },
        f"{NS_PATH}/tags/{{name}}": {
            "parameters": [NAMESPACE, NAME],
            "get": operation("showMetadefTag", "Show a tag", tag, {200: answer("The tag.", one)}, 401, 403, 404),
            "post": operation("createMetadefTag", "Create one tag", tag, {201: answer(
                "The new tag.", one, links=_child_links("Tag"))}, 400, 401, 403, 404, 409),
            "put": operation("updateMetadefTag", "Rename a tag", tag, {200: answer("The tag.", one)},
                             400, 401, 403, 404, 409, body=_body("MetadefTag")),
            "delete": operation("deleteMetadefTag", "Delete a tag", tag, {204: answer("Deleted.")}, 401, 403, 404),
        },
    }


def resource_type_paths():
    tag, association = "metadefs resource types", ref("MetadefResourceTypeAssociation")
    return {
        "/v2/metadefs/resource_types": {"get": operation("listMetadefResourceTypes", "List resource types", tag, {
            200: answer("The resource types.", RESOURCE_TYPES)}, 401, 403)},
        f"{NS_PATH}/resource_types": {
            "parameters": [NAMESPACE],
            "get": operation("listMetadefAssociations", "The namespace's resource type associations", tag, {
                200: answer("Its associations.", ref("MetadefResourceTypeAssociations"))}, 401, 403, 404),
            "post": operation("createMetadefAssociation", "Associate the namespace with a resource type", tag, {
                201: answer("The association.", association, links={"Dissociate": link(
                    "deleteMetadefAssociation", {"namespace": "$request.path.namespace",
                                                 "resource_type": "$response.body#/name"})})},
                400, 401, 403, 404, 409, body=_body("MetadefResourceTypeAssociation")),
        },
        f"{NS_PATH}/resource_types/{{resource_type}}": {
            "parameters": [NAMESPACE, path_param("resource_type", "The resource type's name.")],
            "delete": operation("deleteMetadefAssociation", "Dissociate", tag, {204: answer("Dissociated.")},
                                401, 403, 404),
        },
    }


def schema_paths():
    return {f"/v2/schemas/metadefs/{name}": {"get": operation(
        f"showMetadefSchema{name.title().replace('_', '')}", f"The JSON schema 'metadefs/{name}'", "schemas", {
            200: answer("A JSON-schema (draft 4) document.", {"type": "object", "required": ["name", "properties"]})},
        401)} for name in schemas.DOCUMENTS}


def paths(components):
    """Every route of metadefs/api/urls.py."""
    metadef_schemas(components)
    return {**namespace_paths(), **content_paths(), **tag_paths(), **resource_type_paths(), **schema_paths()}
