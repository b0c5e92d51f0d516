"""Route-level behaviour pinned to Glance's router: doubled slashes, methods it rejects."""
import pytest

from tests.images.conftest import PATCH_V21, create, image_url, upload


def test_doubled_slashes_name_the_same_resources(owner, image):
    upload(owner, image["id"], b"data")
    # The test client would read "//v2" as a host name; a server hands the path over as sent.
    listed = owner.client.get("/", PATH_INFO="//v2/images", **owner.headers)
    assert listed.json()["images"][0]["id"] == image["id"]
    assert owner.get(f"/v2/images/{image['id']}//file").getvalue() == b"data"


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "POST", "PATCH", "DELETE"])
def test_methods_glance_rejects_on_the_data_route_are_405(owner, image, method):
    response = owner.client.generic(method, image_url(image["id"], "file"), **owner.headers)
    assert response.status_code == 405
    assert response["Allow"] == "GET, PUT"


def test_head_on_a_collection_is_405(api):
    response = api.client.generic("HEAD", "/v2/images", **api.headers)
    assert (response.status_code, response["Allow"]) == (405, "GET, POST")


def test_an_upper_case_patch_media_type_is_415(owner, image):
    operations = [{"op": "replace", "path": "/name", "value": "x"}]
    assert owner.patch(image_url(image["id"]), operations, content_type=PATCH_V21.upper()).status_code == 415


def test_a_marker_naming_a_deleted_image_pages_on(owner):
    first, second = (create(owner, name=name) for name in ("first", "second"))
    owner.delete(image_url(second["id"]))
    listed = owner.get(f"/v2/images?marker={second['id']}")
    assert listed.status_code == 200
    assert [body["id"] for body in listed.json()["images"]] == [first["id"]]
