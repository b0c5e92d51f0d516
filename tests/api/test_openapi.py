"""GET /v2/openapi.json: served without identity, and it describes every route and method there is."""
import re

import jsonschema
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from images import schemas as image_schemas
from metadefs import schemas as metadef_schemas
from project.auth.keystone import requires_token

# Routes that are no part of the API (the Django admin's own pages).
NOT_API = ("admin/",)
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _routes(patterns=None, prefix=""):
    """(OpenAPI path template, view) of every URL pattern."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(NOT_API):
            continue
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield from ((template, entry.callback) for template in _templates(route))


def _templates(route):
    """`route`'s OpenAPI path templates: a regex group of literal alternatives is one path each."""
    route = route.replace("^", "").replace("$", "").removesuffix("/?")
    choice = re.search(r"\(\?P<\w+>([\w|]+)\)", route)
    if choice:
        for literal in choice.group(1).split("|"):
            yield from _templates(route[:choice.start()] + literal + route[choice.end():])
        return
    route = re.sub(r"\(\?P<(\w+)>[^)]+\)", r"<\1>", route)
    yield "/" + CONVERTER.sub(r"{\1}", route)


def _methods(view):
    cls = getattr(view, "view_class", None)
    if cls is None:
        return {"get"}
    return {name for name in cls.http_method_names if hasattr(cls, name) and name != "options"}


@pytest.fixture
def described(db):
    response = Client().get("/v2/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_served_without_identity_in_keystone_mode_too(described):
    assert described["openapi"] == "3.1.0"
    assert described["servers"] == [{"url": "http://testserver"}]
    assert not requires_token("/v2/openapi.json")


def test_every_route_and_method_is_described(described):
    routes = dict(_routes())
    assert sorted(described["paths"]) == sorted(routes)
    for template, view in routes.items():
        methods = {name for name in described["paths"][template] if name != "parameters"}
        assert methods >= _methods(view), template


def test_operation_ids_are_unique_and_links_name_real_operations(described):
    operations = [op for item in described["paths"].values() for name, op in item.items() if name != "parameters"]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)) == 85  # schemathesis counts 84: it leaves HEAD out
    linked = {link["operationId"] for op in operations for response in op["responses"].values()
              for link in response.get("links", {}).values()}
    assert linked <= set(ids)


def test_schemas_are_the_served_documents(described):
    components = described["components"]["schemas"]
    assert components["Image"]["properties"] == image_schemas.image_schema()["properties"]
    assert components["ImageCreate"]["properties"]["name"] == image_schemas.image_schema()["properties"]["name"]
    assert components["MetadefTag"]["properties"] == metadef_schemas.TAG["properties"]
    # A definition moved to components, the reference rewritten to it.
    assert components["MetadefNamespace"]["properties"]["properties"] == {
        "$ref": "#/components/schemas/MetadefNamespace.property"}
    assert "MetadefNamespace.property" in components


def test_the_document_is_valid_openapi_3_1(described):
    # The OpenAPI 3.1 meta-schema as the pinned schemathesis ships it (the one it checks a description with).
    from schemathesis.specs.openapi.definitions import OPENAPI_31

    errors = list(jsonschema.Draft202012Validator(OPENAPI_31).iter_errors(described))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:5]]


def test_every_schema_is_valid_json_schema_2020_12(described):
    for name, schema in described["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_a_custom_image_property_file_is_described(db, settings, tmp_path):
    custom = tmp_path / "schema-image.json"
    custom.write_text('{"flavour": {"type": "string", "enum": ["mint"]}}')
    settings.IMAGE_SCHEMA_FILE = str(custom)
    described = Client().get("/v2/openapi.json").json()
    assert described["components"]["schemas"]["Image"]["properties"]["flavour"]["enum"] == ["mint"]


@pytest.mark.parametrize("path", ["/versions", "/", "/v2/openapi.json", "/metrics"])
def test_another_method_on_a_plain_route_is_405_not_the_csrf_page(db, path):
    """Regression: Django's CSRF check answered DELETE /versions with its own 403 HTML page."""
    response = Client(enforce_csrf_checks=True).delete(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json()["title"] == "Method Not Allowed"
