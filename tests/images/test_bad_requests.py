"""Malformed requests of every kind get a Glance-style 4xx, never a 500 or DRF's {"detail": ...}."""
import pytest

from tests.images.conftest import IMAGES, PATCH_V21, with_body

ID = "{id}"
BAD_JSON = b'{"hello"]'
DEEP = b"[" * 1000 + b"]" * 1000
DEEP_OBJECT = b'{"a": ' * 1000 + b"1" + b"}" * 1000

# (method, path, raw body or None, content type, extra headers, expected status)
CASES = [
    # create bodies
    ("POST", IMAGES, BAD_JSON, "application/json", {}, 400),
    ("POST", IMAGES, b"", "application/json", {}, 400),
    ("POST", IMAGES, b"\xff\xfe", "application/json", {}, 400),
    ("POST", IMAGES, b"true", "application/json", {}, 400),
    ("POST", IMAGES, b'"hello"', "application/json", {}, 400),
    ("POST", IMAGES, b"123", "application/json", {}, 400),
    ("POST", IMAGES, b"[]", "application/json", {}, 400),
    ("POST", IMAGES, b'{"name": 5}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"name": "' + b"n" * 256 + b'"}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"visibility": "everyone"}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"min_ram": -1}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"min_disk": "1"}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"min_disk": 99999999999}', "application/json", {}, 400),
    ("PATCH", f"{IMAGES}/{ID}", b'[{"op": "replace", "path": "/min_ram", "value": 2147483648}]', PATCH_V21, {}, 400),
    ("POST", IMAGES, b'{"min_disk": 1.5}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"id": "not-a-uuid"}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"tags": "x"}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"tags": [1]}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"custom": 5}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"custom": null}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"' + b"k" * 256 + b'": "v"}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"protected": "yes"}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"disk_format": "floppy"}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"locations": []}', "application/json", {}, 403),
    ("POST", IMAGES, b"name=x", "application/x-www-form-urlencoded", {}, 400),
    ("POST", IMAGES, b'{"id": "6f1c6a8e-9a63-4b8c-8f7f-2a0b5f3b9d11\\n"}', "application/json", {}, 400),
    ("POST", IMAGES, b'{"name": "' + b"x" * 120_000 + b'"}', "application/json", {}, 413),
    # nesting deeper than any document of the API: refused before parsing, never a RecursionError
    ("POST", IMAGES, DEEP, "application/json", {}, 400),
    ("POST", IMAGES, DEEP_OBJECT, "text/plain", {}, 400),
    ("PATCH", f"{IMAGES}/{ID}", DEEP, PATCH_V21, {}, 400),
    ("PATCH", f"{IMAGES}/00000000-0000-0000-0000-000000000000", DEEP, PATCH_V21, {}, 400),
    ("POST", f"{IMAGES}/{ID}/members", DEEP, "application/json", {}, 400),
    ("PUT", f"{IMAGES}/{ID}/members/tenant-b", DEEP, "application/json", {}, 400),
    ("PUT", IMAGES, b"{}", "application/json", {}, 405),
    # patches
    ("PATCH", f"{IMAGES}/{ID}", b'[{"op": "replace", "path": "/name", "value": "x"}]', "application/json", {}, 415),
    ("PATCH", f"{IMAGES}/{ID}", BAD_JSON, PATCH_V21, {}, 400),
    ("PATCH", f"{IMAGES}/{ID}", b"", PATCH_V21, {}, 400),
    ("PATCH", f"{IMAGES}/{ID}", b"null", PATCH_V21, {}, 400),
    ("PATCH", f"{IMAGES}/{ID}", b'{"op": "add"}', PATCH_V21, {}, 400),
    ("PATCH", f"{IMAGES}/{ID}", b'[{"op": "add", "path": "/a/b", "value": "x"}]', PATCH_V21, {}, 400),
    ("PATCH", f"{IMAGES}/{ID}", b'[{"op": "test", "path": "/a", "value": "x"}]', PATCH_V21, {}, 400),
    ("PATCH", f"{IMAGES}/{ID}", b'[{"op": "add", "path": 7, "value": "x"}]', PATCH_V21, {}, 400),
    ("PATCH", f"{IMAGES}/{ID}", b'[{"op": "replace", "path": "/min_ram", "value": null}]', PATCH_V21, {}, 400),
    ("PATCH", f"{IMAGES}/{ID}", b'[{"op": "replace", "path": "/status", "value": "active"}]', PATCH_V21, {}, 403),
    ("PATCH", f"{IMAGES}/{ID}", b'[{"op": "remove", "path": "/nope"}]', PATCH_V21, {}, 409),
    # list parameters
    ("GET", f"{IMAGES}?limit=-1", None, None, {}, 400),
    ("GET", f"{IMAGES}?limit=abc", None, None, {}, 400),
    ("GET", f"{IMAGES}?marker=00000000-0000-0000-0000-000000000000", None, None, {}, 400),
    ("GET", f"{IMAGES}?marker=garbage", None, None, {}, 400),
    ("GET", f"{IMAGES}?sort_key=owner", None, None, {}, 400),
    ("GET", f"{IMAGES}?sort_dir=up", None, None, {}, 400),
    ("GET", f"{IMAGES}?sort=name:up", None, None, {}, 400),
    ("GET", f"{IMAGES}?sort=nope", None, None, {}, 400),
    ("GET", f"{IMAGES}?sort=name&sort_key=name", None, None, {}, 400),
    ("GET", f"{IMAGES}?sort_key=name&sort_dir=asc&sort_dir=desc&sort_dir=asc", None, None, {}, 400),
    ("GET", f"{IMAGES}?visibility=everyone", None, None, {}, 400),
    ("GET", f"{IMAGES}?member_status=maybe", None, None, {}, 400),
    ("GET", f"{IMAGES}?protected=False", None, None, {}, 400),
    ("GET", f"{IMAGES}?os_hidden=abcd", None, None, {}, 400),
    ("GET", f"{IMAGES}?size_min=big", None, None, {}, 400),
    ("GET", f"{IMAGES}?size_max=99999999999999999999999999", None, None, {}, 400),
    ("GET", f"{IMAGES}?created_at=gt:yesterday", None, None, {}, 400),
    ("GET", f"{IMAGES}?name=in:%22unclosed", None, None, {}, 400),
    ("GET", f"{IMAGES}?name=between:a", None, None, {}, 400),
    ("GET", f"{IMAGES}?changes-since=2020-01-01T00:00:00Z", None, None, {}, 400),
    # bodies where none is expected
    ("GET", f"{IMAGES}/{ID}", b'["body"]', "application/json", {}, 400),
    ("DELETE", f"{IMAGES}/{ID}", BAD_JSON, "application/json", {}, 400),
    ("POST", f"{IMAGES}/{ID}/actions/deactivate", b'["body"]', "application/json", {}, 400),
    ("POST", f"{IMAGES}/{ID}/actions/reactivate", b'["body"]', "application/json", {}, 400),
    ("PUT", f"{IMAGES}/{ID}/tags/mytag", b'["body"]', "application/json", {}, 400),
    ("DELETE", f"{IMAGES}/{ID}/tags/mytag", b'["body"]', "application/json", {}, 400),
    ("GET", f"{IMAGES}/{ID}/members", b'["body"]', "application/json", {}, 400),
    ("GET", f"{IMAGES}/{ID}/file", b'["body"]', "application/json", {}, 400),
    # data
    ("PUT", f"{IMAGES}/{ID}/file", b"data", "application/json", {}, 415),
    ("PUT", f"{IMAGES}/{ID}/file", b"data", "application/octet-stream", {"HTTP_X_OPENSTACK_IMAGE_SIZE": "x"}, 400),
    # members
    ("POST", f"{IMAGES}/{ID}/members", b'{"member": ""}', "application/json", {}, 400),
    ("POST", f"{IMAGES}/{ID}/members", b'["tenant"]', "application/json", {}, 400),
    ("POST", f"{IMAGES}/{ID}/members", BAD_JSON, "application/json", {}, 400),
    ("PUT", f"{IMAGES}/{ID}/members/tenant-b", b'{"state": "accepted"}', "application/json", {}, 400),
    ("GET", f"{IMAGES}/{ID}/members/tenant-b", b'["body"]', "application/json", {}, 400),
    ("DELETE", f"{IMAGES}/{ID}/members/tenant-b", b'["body"]', "application/json", {}, 400),
    # unknown routes
    ("GET", f"{IMAGES}/", None, None, {}, 404),
    ("GET", f"{IMAGES}/{ID}/actions/explode", None, None, {}, 404),
]


@pytest.mark.parametrize("method, path, raw, content_type, headers, status", CASES,
                         ids=[f"{case[0]} {case[1][:60]} {(case[2] or b'')[:30]!r}" for case in CASES])
def test_bad_request_gets_a_glance_error(api, image, method, path, raw, content_type, headers, status):
    path = path.replace(ID, image["id"])
    headers = {"HTTP_ACCEPT": "application/json", **headers}
    if raw is None:
        response = api.client.generic(method, path, **headers)
    else:
        response = with_body(api, method, path, raw, content_type=content_type, **headers)
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "code", "title"}
    assert body["code"].startswith(str(status))
