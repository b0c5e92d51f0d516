"""PATCH /v2/images/{id}: both JSON-patch dialects, rules that need the image, atomicity."""
import pytest

from images.models import ImageProperty
from tests.images.conftest import PATCH_V20, create, image_url, patch, upload

JSON = {"HTTP_ACCEPT": "application/json"}


def test_lifecycle_style_patch_changes_base_and_custom_attributes(owner):
    image = create(owner, name="image-1", disk_format="aki", container_format="aki", type="kernel", foo="bar")
    response = patch(owner, image["id"], [
        {"op": "replace", "path": "/name", "value": "image-2"},
        {"op": "replace", "path": "/disk_format", "value": "vhd"},
        {"op": "replace", "path": "/container_format", "value": "ami"},
        {"op": "replace", "path": "/foo", "value": "baz"},
        {"op": "add", "path": "/ping", "value": "pong"},
        {"op": "replace", "path": "/protected", "value": True},
        {"op": "remove", "path": "/type"},
    ])
    assert response.status_code == 200, response.content
    body = response.json()
    expected = {**image, "name": "image-2", "disk_format": "vhd", "container_format": "ami", "foo": "baz",
                "ping": "pong", "protected": True, "updated_at": body["updated_at"]}
    del expected["type"]
    assert body == expected
    assert owner.get(image_url(image["id"])).json() == body


def test_v21_add_of_existing_attribute_replaces_it(owner, image):
    response = patch(owner, image["id"], [{"op": "add", "path": "/distro", "value": "ubuntu"},
                                          {"op": "add", "path": "/name", "value": "renamed"}])
    assert response.status_code == 200
    assert (response.json()["distro"], response.json()["name"]) == ("ubuntu", "renamed")


def test_v20_dialect_adds_new_and_refuses_existing(owner, image):
    response = patch(owner, image["id"], [{"add": "/ding", "value": "dong"}], media_type=PATCH_V20)
    assert response.status_code == 200
    assert response.json()["ding"] == "dong"
    assert patch(owner, image["id"], [{"add": "/ding", "value": "x"}], media_type=PATCH_V20).status_code == 409
    assert patch(owner, image["id"], [{"add": "/name", "value": "x"}], media_type=PATCH_V20).status_code == 409


@pytest.mark.parametrize("op", ["replace", "remove"])
def test_missing_custom_property_is_a_conflict(owner, image, op):
    response = patch(owner, image["id"], [{"op": op, "path": "/nope", "value": "x"}], headers=JSON)
    assert response.status_code == 409
    assert response.json()["message"] == "Property nope does not exist."


def test_json_content_type_is_415_with_accept_patch(owner, image):
    response = owner.patch(image_url(image["id"]), [{"op": "replace", "path": "/name", "value": "x"}])
    assert response.status_code == 415
    assert response["Accept-Patch"] == ("application/openstack-images-v2.0-json-patch, "
                                        "application/openstack-images-v2.1-json-patch")


@pytest.mark.parametrize("path", ["/id", "/file", "/location", "/schema", "/self", "/status", "/checksum"])
@pytest.mark.parametrize("op", ["add", "replace", "remove"])
def test_read_only_and_reserved_paths_are_403(owner, image, path, op):
    assert patch(owner, image["id"], [{"op": op, "path": path, "value": "value1"}]).status_code == 403


def test_formats_change_only_while_queued(owner, image):
    assert upload(owner, image["id"], b"ZZZZZ").status_code == 204
    for path in ("/disk_format", "/container_format"):
        assert patch(owner, image["id"], [{"op": "replace", "path": path, "value": "ari"}]).status_code == 403


def test_failed_patch_changes_nothing(owner, image):
    response = patch(owner, image["id"], [
        {"op": "replace", "path": "/name", "value": "changed"},
        {"op": "add", "path": "/new", "value": "value"},
        {"op": "replace", "path": "/tags", "value": ["other"]},
        {"op": "remove", "path": "/missing"},
    ])
    assert response.status_code == 409
    assert owner.get(image_url(image["id"])).json() == image
    assert not ImageProperty.objects.filter(name="new").exists()


def test_tags_replace_keeps_order_and_drops_duplicates(owner, image):
    response = patch(owner, image["id"], [{"op": "replace", "path": "/tags", "value": ["b", "small", "a", "b"]}])
    assert response.json()["tags"] == ["small", "b", "a"]


def test_only_admins_change_owner_or_publish(owner, api, image):
    assert patch(owner, image["id"], [{"op": "replace", "path": "/owner", "value": "x"}]).status_code == 403
    assert patch(owner, image["id"], [{"op": "replace", "path": "/visibility", "value": "public"}]).status_code == 403
    response = patch(api, image["id"], [{"op": "replace", "path": "/visibility", "value": "public"},
                                        {"op": "replace", "path": "/owner", "value": "tenant-b"}])
    assert (response.json()["visibility"], response.json()["owner"]) == ("public", "tenant-b")


def test_owner_may_make_image_community(owner, image):
    response = patch(owner, image["id"], [{"op": "replace", "path": "/visibility", "value": "community"}])
    assert response.json()["visibility"] == "community"


def test_non_owner_who_sees_the_image_gets_403(owner, other, api, image):
    patch(api, image["id"], [{"op": "replace", "path": "/visibility", "value": "public"}])
    assert patch(other, image["id"], [{"op": "replace", "path": "/name", "value": "x"}]).status_code == 403


def test_negative_minimums_are_400(owner, image):
    assert patch(owner, image["id"], [{"op": "replace", "path": "/min_ram", "value": -1}]).status_code == 400


def test_property_quota_is_413(owner, image, settings):
    settings.IMAGE_PROPERTY_QUOTA = 3
    operations = [{"op": "add", "path": f"/ping{i}", "value": "pong"} for i in range(3)]
    assert patch(owner, image["id"], operations).status_code == 413
    assert patch(owner, image["id"], operations[:2]).status_code == 200


def test_empty_patch_changes_nothing(owner, image):
    response = patch(owner, image["id"], [])
    assert response.status_code == 200
    assert response.json() == image


def test_hidden_flag_round_trip(owner, image):
    response = patch(owner, image["id"], [{"op": "replace", "path": "/os_hidden", "value": True}])
    assert response.json()["os_hidden"] is True
