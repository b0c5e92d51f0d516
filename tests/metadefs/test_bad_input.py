"""Malformed requests get a clear 4xx with Glance's error body, never a 500."""
import pytest

from tests.metadefs.conftest import NS_PATH, ns_url

NS = "OS::Test::Sample"
LONG = "n" * 81
DEEP = "[" * 1000 + "]" * 1000

# (method, path, body or raw string, expected status, words the message must contain)
BAD_REQUESTS = [
    ("post", NS_PATH, "{not json", 400, "Malformed JSON"),
    ("post", NS_PATH, "", 400, "Body expected"),
    ("post", NS_PATH, "[1, 2]", 400, "JSON object"),
    ("post", NS_PATH, "\"text\"", 400, "JSON object"),
    ("post", NS_PATH, b"\xff\xfe", 400, "Malformed JSON"),
    ("post", NS_PATH, {}, 400, "'namespace' is a required property"),
    ("post", NS_PATH, {"namespace": 5}, 400, "is not of type 'string'"),
    ("post", NS_PATH, {"namespace": LONG}, 400, "is too long"),
    ("post", NS_PATH, {"namespace": "x", "display_name": LONG}, 400, "display_name"),
    ("post", NS_PATH, {"namespace": "x", "description": "d" * 501}, 400, "description"),
    ("post", NS_PATH, {"namespace": "x", "visibility": "shared"}, 400, "visibility"),
    ("post", NS_PATH, {"namespace": "x", "protected": "yes"}, 400, "protected"),
    ("post", NS_PATH, {"namespace": "x", "owner": "o" * 256}, 400, "owner"),
    ("post", NS_PATH, {"namespace": "x", "colour": "red"}, 400, "colour"),
    ("post", NS_PATH, {"namespace": "x", "self": "/v2/x"}, 403, "read-only"),
    ("post", NS_PATH, {"namespace": "x", "created_at": "2020-01-01T00:00:00Z"}, 403, "read-only"),
    ("post", NS_PATH, {"namespace": "x", "properties": []}, 400, "properties"),
    ("post", NS_PATH, {"namespace": "x", "tags": [{"name": LONG}]}, 400, "too long"),
    ("post", NS_PATH, {"namespace": "x", "resource_type_associations": [{"prefix": "p"}]}, 400, "name"),
    ("post", NS_PATH, {"namespace": "x", "objects": [{"name": LONG}]}, 400, "too long"),
    ("get", NS_PATH + "?limit=-1", None, 400, "limit param must be positive"),
    ("get", NS_PATH + "?limit=abc", None, 400, "must be an integer"),
    ("get", NS_PATH + "?sort_dir=sideways", None, 400, "Invalid sort direction"),
    ("get", NS_PATH + "?sort_key=colour", None, 400, "Invalid sort key"),
    ("get", NS_PATH + "?visibility=everyone", None, 400, "Invalid visibility"),
    ("get", NS_PATH + "?marker=no-such-namespace", None, 404, "no-such-namespace"),
    ("get", ns_url(NS, "tags") + "?marker=nope", None, 404, "nope"),
    ("get", ns_url(NS, "tags") + "?limit=-5", None, 400, "positive"),
    ("put", ns_url(NS), {"display_name": "no name"}, 400, "'namespace' is a required property"),
    ("put", ns_url(NS), {"namespace": NS, "updated_at": "x"}, 403, "read-only"),
    ("post", ns_url(NS, "properties"), {"name": LONG, "title": "T", "type": "string"}, 400, "too long"),
    ("post", ns_url(NS, "properties"), {"name": "p", "title": "T", "type": "string", "extra": 1}, 400, "extra"),
    ("post", ns_url(NS, "properties"), {"name": "p", "title": "T", "type": "integer", "minimum": "low"}, 400,
     "minimum"),
    ("post", ns_url(NS, "properties"), {"name": "p", "title": "T", "type": "string", "maxLength": -1}, 400,
     "maxLength"),
    ("post", ns_url(NS, "objects"), {"name": "o", "required": "sockets"}, 400, "required"),
    ("post", ns_url(NS, "tags"), {"tags": "a,b"}, 400, "'tags' list"),
    ("post", ns_url(NS, "tags"), {"tags": [{"nome": "a"}]}, 400, "name"),
    ("post", ns_url(NS, "tags"), {"tags": [{"name": 3}]}, 400, "not of type 'string'"),
    ("put", ns_url(NS, "tags", "fast"), {"name": ""}, 400, None),
    ("post", ns_url(NS, "resource_types"), {"name": "OS::Nova::Flavor", "prefix": 3}, 400, "prefix"),
    ("post", ns_url("no-such-ns", "properties"), {"name": "p", "title": "T", "type": "string"}, 404, "no-such-ns"),
    ("delete", ns_url(NS, "resource_types", "OS::Unknown"), None, 404, "OS::Unknown"),
    # nesting deeper than any document of the API: refused before parsing, never a RecursionError
    *[(method, path, DEEP, 400, "nested deeper than 64 levels") for method, path in [
        ("post", NS_PATH), ("put", ns_url(NS)), ("post", ns_url(NS, "properties")),
        ("put", ns_url(NS, "properties", "cpu_policy")), ("post", ns_url(NS, "objects")),
        ("put", ns_url(NS, "objects", "Topology")), ("post", ns_url(NS, "tags")), ("put", ns_url(NS, "tags", "fast")),
        ("post", ns_url(NS, "resource_types"))]],
    ("post", NS_PATH, '{"namespace": "' + "x" * 120_000 + '"}', 413, "larger than 114688 bytes"),
]


@pytest.mark.parametrize("method,path,body,status,words", BAD_REQUESTS,
                         ids=[f"{m} {p} {str(b)[:30]}" for m, p, b, *_ in BAD_REQUESTS])
def test_bad_request(api, namespace, method, path, body, status, words):
    if isinstance(body, (str, bytes)):
        response = getattr(api, method)(path, raw=body)
    elif body is None:
        response = getattr(api, method)(path)
    else:
        response = getattr(api, method)(path, body)
    assert response.status_code == status, response.content
    error = response.json()
    assert set(error) == {"message", "code", "title"}
    if words:
        assert words in error["message"]


def test_an_object_marker_that_does_not_exist_lists_from_the_start(api, namespace):
    """Glance's object list ignores its paging parameters: 200, never a 404."""
    listed = api.get(ns_url(NS, "objects") + "?marker=nope")
    assert listed.status_code == 200
    assert listed.json() == api.get(ns_url(NS, "objects")).json()
