"""The OpenAPI description against the live service: a user's walk through images (create, upload,
patch, tag, share, download, import, delete) and metadefs (CRUD of every kind), every answer checked
against /v2/openapi.json (status described, media type, required headers, body schema)."""
import hashlib
import time

import pytest

from tests.support.openapi_contract import Contract, request

pytestmark = pytest.mark.e2e

ADMIN = {"X-Project-Id": "admin", "X-User-Id": "alice", "X-Roles": "admin", "Accept": "application/json"}
OTHER = {"X-Project-Id": "other", "X-User-Id": "bob", "X-Roles": "member", "Accept": "application/json"}
V21 = {**ADMIN, "Content-Type": "application/openstack-images-v2.1-json-patch"}
DATA = b"contract test data " * 5000


@pytest.fixture(scope="module")
def api(live_service):
    """call(method, path, ...) -> the answer, checked against the description the server serves."""
    served = request(live_service.url, "GET", "/v2/openapi.json")  # no identity headers: open like /versions
    assert served.status == 200, served.raw[:500]
    contract = Contract(served.json)

    def call(method, path, *, headers=ADMIN, **kwargs):
        return contract.check(request(live_service.url, method, path, headers=headers, **kwargs))

    call.contract, call.url = contract, live_service.url
    return call


def test_description_is_served_and_describes_the_service(api):
    document = api.contract.document
    assert document["openapi"] == "3.1.0"
    assert document["servers"][0]["url"].startswith("http://127.0.0.1:")
    assert api("GET", "/versions").json["versions"][0]["status"] == "CURRENT"
    assert api("GET", "/", headers={}).status == 300
    assert api("GET", "/healthcheck", headers={}).raw == b"OK"
    assert api("HEAD", "/healthcheck", headers={}).status == 204
    assert b"glance_http_requests_total" in api("GET", "/metrics").raw
    assert api("GET", "/v2/schemas/image").json["name"] == "image"
    assert api("GET", "/v2/openapi.json", headers={}).json == document


def _image_created(api, **fields):
    created = api("POST", "/v2/images", body={"disk_format": "raw", "container_format": "bare", **fields})
    assert created.status == 201, created.raw
    assert created.header("Location").endswith(f"/v2/images/{created.json['id']}")
    return created.json["id"]


def test_image_life(api):
    image_id = _image_created(api, name="contract", tags=["first"])
    assert api("PUT", f"/v2/images/{image_id}/file", data=DATA,
               headers={**ADMIN, "Content-Type": "application/octet-stream"}).status == 204
    shown = api("GET", f"/v2/images/{image_id}").json
    assert (shown["status"], shown["checksum"], shown["size"]) == ("active", hashlib.md5(DATA).hexdigest(), len(DATA))
    patched = api("PATCH", f"/v2/images/{image_id}", headers=V21, body=[
        {"op": "replace", "path": "/name", "value": "renamed"}, {"op": "add", "path": "/flavour", "value": "mint"}])
    assert (patched.json["name"], patched.json["flavour"]) == ("renamed", "mint")
    assert api("PUT", f"/v2/images/{image_id}/tags/second").status == 204
    assert api("DELETE", f"/v2/images/{image_id}/tags/first").status == 204
    assert api("GET", f"/v2/images/{image_id}").json["tags"] == ["second"]
    assert api("GET", "/v2/images?limit=1&sort=name:asc").json["images"]
    assert image_id in [i["id"] for i in api("GET", "/v2/images?tag=second&flavour=mint").json["images"]]
    _download(api, image_id)
    assert api("POST", f"/v2/images/{image_id}/actions/deactivate").status == 204
    assert api("GET", f"/v2/images/{image_id}").json["status"] == "deactivated"
    assert api("POST", f"/v2/images/{image_id}/actions/reactivate").status == 204
    [copy] = api("GET", f"/v2/images/{image_id}/locations").json
    assert copy["url"].startswith("file://")
    assert api("DELETE", f"/v2/stores/file/{image_id}").status == 404  # one store: multi-store is off
    _share(api, image_id)
    assert api("DELETE", f"/v2/images/{image_id}").status == 204
    assert api("GET", f"/v2/images/{image_id}").status == 404


def _download(api, image_id):
    whole = api("GET", f"/v2/images/{image_id}/file")
    assert (whole.status, whole.raw, whole.header("Content-MD5")) == (200, DATA, hashlib.md5(DATA).hexdigest())
    part = api("GET", f"/v2/images/{image_id}/file", headers={**ADMIN, "Range": "bytes=0-9"})
    assert (part.status, part.raw, part.header("Content-Range")) == (206, DATA[:10], f"bytes 0-9/{len(DATA)}")


def _share(api, image_id):
    api("PATCH", f"/v2/images/{image_id}", headers=V21, body=[{"op": "replace", "path": "/visibility",
                                                               "value": "shared"}])
    assert api("POST", f"/v2/images/{image_id}/members", body={"member": "other"}).json["status"] == "pending"
    assert [m["member_id"] for m in api("GET", f"/v2/images/{image_id}/members").json["members"]] == ["other"]
    accepted = api("PUT", f"/v2/images/{image_id}/members/other", headers=OTHER, body={"status": "accepted"})
    assert accepted.json["status"] == "accepted"
    assert api("GET", f"/v2/images/{image_id}/members/other", headers=OTHER).json["status"] == "accepted"
    assert api("DELETE", f"/v2/images/{image_id}/members/other").status == 204


def test_errors_carry_the_described_body(api):
    missing = api("GET", "/v2/images/00000000-0000-0000-0000-000000000000")
    assert (missing.status, missing.json["code"]) == (404, "404 Not Found")
    assert api("GET", "/v2/images/00000000-0000-0000-0000-000000000000", headers={}).status == 404  # HTML
    image_id = _image_created(api)
    wrong_type = api("PATCH", f"/v2/images/{image_id}", headers={**ADMIN, "Content-Type": "application/json"},
                     body=[])
    assert wrong_type.status == 415
    assert api("POST", "/v2/images", body={"status": "active"}).status == 403
    assert api("GET", "/v2/images?limit=x").status == 400
    assert api("PUT", f"/v2/images/{image_id}/file", data=b"x", headers=ADMIN).status == 415
    # Methods the description leaves out are 405 with Allow (not Django's CSRF page).
    other_method = request(api.url, "DELETE", "/versions", headers=ADMIN)
    assert (other_method.status, other_method.header("Allow"), other_method.json["code"]) == (
        405, "GET", "405 Method Not Allowed")


def test_import_and_tasks(api):
    image_id = _image_created(api, name="imported")
    assert api("GET", "/v2/info/import").json["import-methods"]["value"]
    assert api("PUT", f"/v2/images/{image_id}/stage", data=DATA,
               headers={**ADMIN, "Content-Type": "application/octet-stream"}).status == 204
    assert api("POST", f"/v2/images/{image_id}/import", body={"method": {"name": "glance-direct"}}).status == 202
    deadline = time.monotonic() + 60
    while api("GET", f"/v2/images/{image_id}").json["status"] != "active":
        assert time.monotonic() < deadline, "the import did not finish within 60 s"
        time.sleep(0.5)
    [task] = api("GET", f"/v2/images/{image_id}/tasks").json["tasks"]
    assert api("GET", f"/v2/tasks/{task['id']}").json["status"] == "success"
    assert task["id"] in [t["id"] for t in api("GET", "/v2/tasks?type=api_image_import").json["tasks"]]
    usage = api("GET", "/v2/info/usage").json["usage"]
    assert usage["image_count_total"]["usage"] >= 1
    assert api("GET", "/v2/info/stores").status == 404  # one store, as Glance answers
    assert api("GET", "/v2/cache").status == 404  # no IMAGE_CACHE_DIR


def test_metadefs_crud(api):
    ns = "OS::Contract::Test"
    base = f"/v2/metadefs/namespaces/{ns}"
    created = api("POST", "/v2/metadefs/namespaces", body={"namespace": ns, "display_name": "Contract"})
    assert (created.status, created.header("Location").endswith(base)) == (201, True)
    assert api("PUT", base, body={"namespace": ns, "description": "d"}).json["description"] == "d"
    _objects_and_properties(api, base)
    _tags(api, base)
    assert api("POST", f"{base}/resource_types", body={"name": "OS::Glance::Image", "prefix": "ct_"}).status == 201
    assert api("GET", f"{base}/resource_types").json["resource_type_associations"][0]["prefix"] == "ct_"
    assert "OS::Glance::Image" in [r["name"] for r in api("GET", "/v2/metadefs/resource_types").json["resource_types"]]
    assert api("GET", f"{base}/properties/ct_speed?resource_type=OS::Glance::Image").json["name"] == "speed"
    assert api("GET", f"{base}?resource_type=OS::Glance::Image").json["properties"]["ct_speed"]["type"] == "integer"
    assert api("DELETE", f"{base}/resource_types/OS::Glance::Image").status == 204
    assert [n["namespace"] for n in api("GET", "/v2/metadefs/namespaces?limit=100").json["namespaces"]].count(ns) == 1
    for kind in ("objects", "properties", "tags"):
        assert api("DELETE", f"{base}/{kind}").status == 204
    assert api("DELETE", base).status == 204
    assert api("GET", base).status == 404
    assert api("GET", "/v2/schemas/metadefs/namespace").json["name"] == "namespace"


def _objects_and_properties(api, base):
    speed = {"name": "speed", "title": "Speed", "type": "integer", "minimum": 1}
    obj = {"name": "Disk", "properties": {"speed": speed}, "required": ["speed"]}
    assert api("POST", f"{base}/objects", body=obj).status == 201
    assert api("GET", f"{base}/objects/Disk").json["required"] == ["speed"]
    assert api("PUT", f"{base}/objects/Disk", body={**obj, "description": "A disk"}).json["description"] == "A disk"
    assert [o["name"] for o in api("GET", f"{base}/objects").json["objects"]] == ["Disk"]
    assert api("POST", f"{base}/properties", body=speed).status == 201
    assert api("PUT", f"{base}/properties/speed", body={**speed, "maximum": 9}).json["maximum"] == 9
    assert api("GET", f"{base}/properties").json["properties"]["speed"]["maximum"] == 9
    assert api("DELETE", f"{base}/objects/Disk").status == 204


def _tags(api, base):
    assert api("POST", f"{base}/tags", body={"tags": [{"name": "a"}, {"name": "b"}]}).status == 201
    assert api("POST", f"{base}/tags/c").json["name"] == "c"
    assert api("PUT", f"{base}/tags/c", body={"name": "d"}).json["name"] == "d"
    assert api("GET", f"{base}/tags/d").json["name"] == "d"
    assert api("DELETE", f"{base}/tags/a").status == 204
    assert sorted(t["name"] for t in api("GET", f"{base}/tags").json["tags"]) == ["b", "d"]
