"""The OpenAPI 3.1 description of this service, served at /v2/openapi.json.

The apps describe their own paths (images/api/openapi.py, metadefs/api/openapi.py) with the
builders here; the request and response schemas are the documents served at /v2/schemas/*
(the ones that validate requests), turned into OpenAPI schemas by `served_schema`, so the
description and the service cannot drift apart. OpenAPI 3.1 is used because its Schema Object
is JSON Schema 2020-12: the served documents' draft-4 style (`"type": ["null", "string"]`,
`enum` with null) stays valid as it is; only their `definitions` move to `components`.

Glance publishes no such description; this module knows nothing about images or namespaces.
"""
import copy

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from project.api.errors import error_response
from project.api.versions import supported_versions

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
ERROR_STATUSES = (400, 401, 403, 404, 405, 409, 410, 413, 415, 416, 503)
ERROR_MEANINGS = {
    400: "The request is malformed or its values are invalid.",
    401: "AUTH_STRATEGY=keystone: the token is missing or invalid.",
    403: "The caller's roles, the image's state or a read-only attribute forbid it.",
    404: "No such resource, or the caller may not see it.",
    405: "The method is not allowed on this resource (Allow lists the ones that are).",
    409: "The resource's state (status, a duplicate name, a lock) conflicts with the request.",
    410: "The store cannot take the data (read-only store), or the image was deleted while its data arrived.",
    413: "A size limit or quota would be exceeded.",
    415: "Wrong Content-Type, or image data that fails its format's inspection.",
    416: "The Range asked for is outside the image data.",
    503: "A backend (database, store, Keystone) cannot be reached right now.",
}
REQUEST_ID = {"description": "The request's id (the caller's X-Openstack-Request-Id when well formed).",
              "schema": {"type": "string", "pattern": "^req-[0-9a-f-]{36}$"}}


# --- from the served JSON-schema documents ------------------------------------------------

def served_schema(document, prefix, components):
    """`document` (a /v2/schemas/* dict) as an OpenAPI schema; its `definitions` are added to
    `components` as `<prefix>.<name>` and the references rewritten to them."""
    schema = copy.deepcopy(document)
    schema.setdefault("type", "object")  # Glance's documents leave it implied: every body is an object
    definitions = schema.pop("definitions", {})
    for name, definition in definitions.items():
        components[f"{prefix}.{name}"] = _rewritten(definition, prefix)
    return _rewritten(schema, prefix)


def _rewritten(node, prefix):
    """Hyper-schema `links` dropped (OpenAPI has its own), `#/definitions/x` -> the component."""
    if isinstance(node, list):
        return [_rewritten(item, prefix) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if key == "links" and isinstance(value, list):
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith("#/definitions/"):
            value = f"#/components/schemas/{prefix}.{value.removeprefix('#/definitions/')}"
        result[key] = value if key == "enum" else _rewritten(value, prefix)
    return result


def with_required(schema, names):
    """`schema` (an object schema) stating which properties every answer carries."""
    return {**schema, "required": sorted(names)}


# --- operations ---------------------------------------------------------------------------

def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema):
    """The content of a JSON request body, for `request_body`."""
    return {JSON: schema}


def answer(description, schema=None, *, headers=None, links=None, media_type=JSON):
    """A response object: `schema` is the body's (None: no body)."""
    response = {"description": description}
    if schema is not None:
        response["content"] = {media_type: {"schema": schema}}
    if headers:
        response["headers"] = headers
    if links:
        response["links"] = links
    return response


def header(description, schema=None, required=True):
    return {"description": description, "required": required, "schema": schema or {"type": "string"}}


def link(operation_id, parameters, description=None):
    return {"operationId": operation_id, "parameters": parameters,
            **({"description": description} if description else {})}


def operation(operation_id, summary, tag, responses, *errors, params=(), body=None, security=None):
    """An operation: `responses` the successful ones {status: answer}, `errors` the error statuses
    it can answer (each Glance's error body, components/responses/Error<status>)."""
    responses = {str(status): _with_request_id(response) for status, response in responses.items()}
    for status in errors:
        responses[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
    described = {"operationId": operation_id, "summary": summary, "tags": [tag], "responses": responses}
    if params:
        described["parameters"] = list(params)
    if body is not None:
        described["requestBody"] = body
    if security is not None:
        described["security"] = security
    return described


def _with_request_id(response):
    return {**response, "headers": {"x-openstack-request-id": REQUEST_ID, **response.get("headers", {})}}


def request_body(content, description=None, required=True):
    """`content`: {media type: schema}."""
    body = {"required": required, "content": {media: {"schema": schema} for media, schema in content.items()}}
    return {**body, "description": description} if description else body


def path_param(name, description, schema=None):
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema or {"type": "string"}}


def query_param(name, description, schema=None, *, explode=None):
    param = {"name": name, "in": "query", "required": False, "description": description,
             "schema": schema or {"type": "string"}}
    return {**param, "explode": explode} if explode is not None else param


def choice(*values):
    """A filter's values; empty is no filter (django-filter ignores an empty value)."""
    return {"type": "string", "enum": [*values, ""]}


def header_param(name, description, schema=None):
    return {"name": name, "in": "header", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def paging_params(sort_keys, *, multiple=False):
    """Glance's list protocol (project/api/paging.py)."""
    params = [
        query_param("limit", "Page size (at most API_LIMIT_MAX).", {"type": "integer", "minimum": 0}),
        query_param("marker", "Id (or name) of the last item of the previous page."),
        query_param("sort_key", "Sort key.", {"type": "string", "enum": list(sort_keys)}),
        query_param("sort_dir", "Sort direction.", {"type": "string", "enum": ["asc", "desc"]}),
    ]
    if multiple:
        params.append(query_param("sort", "key:dir,... (not with sort_key/sort_dir).",
                                  {"type": "string", "pattern": "^[a-z_]+(:(asc|desc))?(,[a-z_]+(:(asc|desc))?)*$"}))
    return params


# --- the document --------------------------------------------------------------------------

ERROR_BODY = {
    "type": "object",
    "description": "Glance's error body (webob's): JSON when the request accepts application/json, "
                   "otherwise HTML (what glanceclient parses) or plain text.",
    "properties": {"message": {"type": "string"}, "code": {"type": "string", "pattern": "^[1-5][0-9]{2} "},
                   "title": {"type": "string"}},
    "required": ["message", "code", "title"],
    "additionalProperties": False,
}


def _error_responses():
    content = {JSON: {"schema": ref("Error")}, "text/html": {"schema": {"type": "string"}},
               "text/plain": {"schema": {"type": "string"}}}
    responses = {}
    for status in ERROR_STATUSES:
        headers = {"x-openstack-request-id": REQUEST_ID}
        if status == 405:
            headers["Allow"] = header("The methods the resource answers.")
        responses[f"Error{status}"] = {"description": ERROR_MEANINGS[status], "content": content, "headers": headers}
    return responses


SECURITY_SCHEMES = {
    "token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token",
              "description": "AUTH_STRATEGY=keystone: a Keystone token."},
    "trustedHeaders": {"type": "apiKey", "in": "header", "name": "X-Roles",
                       "description": "AUTH_STRATEGY=noauth (loopback only): the caller's identity is taken from "
                                      "X-Project-Id, X-User-Id and X-Roles; with none of them, an administrator "
                                      "of NOAUTH_DEFAULT_PROJECT."},
}
OPEN = []  # `security` of the operations that need no identity (versions, health check, this document)


def document(base_url, contributions):
    """The whole description; `contributions` are functions (components) -> paths, one per app."""
    schemas = {"Error": ERROR_BODY}
    paths = {}
    for contribute in contributions:
        paths.update(contribute(schemas))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "OpenStack Image API v2 (Glance-compatible) and metadefs API",
                 "version": supported_versions()[0][0],
                 "description": "What this deployment serves; errors carry Glance's error body."},
        "servers": [{"url": base_url}],
        "security": [{"token": []}, {"trustedHeaders": []}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas, "responses": _error_responses(), "securitySchemes": SECURITY_SCHEMES},
    }


VERSIONS = {
    "type": "object",
    "properties": {"versions": {"type": "array", "items": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "pattern": "^v2\\.[0-9]+$"},
            "status": {"type": "string", "enum": ["CURRENT", "SUPPORTED"]},
            "links": {"type": "array", "items": {"type": "object", "required": ["rel", "href"],
                                                 "properties": {"rel": {"type": "string"}, "href": {"type": "string"}}}},
        },
        "required": ["id", "status", "links"],
    }}},
    "required": ["versions"],
}
TEXT = "text/plain"


def project_paths(schemas):
    """The routes of project/urls.py outside the apps."""
    schemas["Versions"] = VERSIONS
    versions = answer("The versions document.", ref("Versions"))
    health = {"description": "OK, or why not (oslo.middleware's healthcheck)", "content": {
        TEXT: {"schema": {"type": "string"}}, "text/html": {"schema": {"type": "string"}},
        JSON: {"schema": {"type": "object"}}}}
    return {
        "/": {"get": operation("listVersionsRoot", "Versions (300 Multiple Choices, as Glance)", "versions",
                               {300: versions}, 405, security=OPEN)},
        "/versions": {"get": operation("listVersions", "Versions", "versions", {200: versions}, 405, security=OPEN)},
        "/healthcheck": {
            "get": operation("healthcheck", "Is this node healthy (database, default store, disable file)",
                             "operations", {200: health, 503: health}, security=OPEN),
            "head": operation("healthcheckHead", "The same without a body", "operations",
                              {204: answer("Healthy."), 503: answer("Unhealthy.")}, security=OPEN),
        },
        "/metrics": {"get": operation("metrics", "Prometheus metrics (administrators)", "operations", {
            200: answer("Prometheus text format or OpenMetrics, by Accept.", {"type": "string"},
                        media_type=TEXT)}, 401, 403)},
        "/v2/openapi.json": {"get": operation("openapi", "This description", "versions", {
            200: answer("OpenAPI 3.1 document.", {"type": "object", "required": ["openapi", "paths"]})},
            security=OPEN)},
    }


def openapi_view(*contributions):
    """GET /v2/openapi.json, no identity needed (like /versions): it says what the API is, nothing
    about any project's data, and tools read it before they have credentials."""
    @csrf_exempt  # a 405 for other methods, not the CSRF check's 403 page
    def view(request):
        if request.method != "GET":
            return error_response(405, "The method specified is not allowed for this resource.",
                                  request.META.get("HTTP_ACCEPT", ""), {"Allow": "GET"})
        base = request.build_absolute_uri("/").rstrip("/")
        return JsonResponse(document(base, contributions), json_dumps_params={"sort_keys": False})

    return view
