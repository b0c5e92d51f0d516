"""POST/GET/DELETE /v2/images/{id}: whole bodies as Glance 33 writes them."""
import re

import pytest
from django.utils import timezone

from tests.images.conftest import IMAGES, create, image_url

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def expected_body(image_id, **fields):
    body = {
        "name": None, "disk_format": None, "container_format": None, "visibility": "shared", "size": None,
        "virtual_size": None, "status": "queued", "checksum": None, "protected": False, "min_ram": 0,
        "min_disk": 0, "owner": "tenant-a", "os_hidden": False, "os_hash_algo": None, "os_hash_value": None,
        "id": image_id, "tags": [], "self": f"/v2/images/{image_id}", "file": f"/v2/images/{image_id}/file",
        "schema": "/v2/schemas/image",
    }
    body.update(fields)
    return body


def without_times(body):
    assert ISO_Z.match(body.pop("created_at")) and ISO_Z.match(body.pop("updated_at"))
    return body


def test_create_minimal_image_returns_every_base_field(owner):
    response = owner.post(IMAGES, {})
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"http://testserver/v2/images/{body['id']}"
    assert body["created_at"] == body["updated_at"]
    assert without_times(body) == expected_body(body["id"])


def test_create_with_everything_flattens_custom_properties(owner):
    image_id = "0b3bd4a4-7e2e-4c39-86a1-9c6d4f1c61a2"
    response = owner.post(IMAGES, {
        "id": image_id, "name": "image-1", "disk_format": "aki", "container_format": "aki", "type": "kernel",
        "foo": "bar", "protected": True, "min_ram": 512, "min_disk": 2, "os_hidden": True,
        "visibility": "community", "tags": ["a", "b", "a"],
    })
    assert response.status_code == 201, response.content
    assert without_times(response.json()) == expected_body(
        image_id, name="image-1", disk_format="aki", container_format="aki", type="kernel", foo="bar",
        protected=True, min_ram=512, min_disk=2, os_hidden=True, visibility="community", tags=["a", "b"],
    )


def test_show_returns_the_created_body(owner, image):
    response = owner.get(image_url(image["id"]))
    assert response.status_code == 200
    assert response.json() == image


def test_created_image_has_owner_of_caller_and_admin_may_choose_another(api):
    assert create(api)["owner"] == "admin"
    assert create(api, owner="tenant-z")["owner"] == "tenant-z"


def test_non_admin_cannot_create_for_another_project(owner):
    response = owner.post(IMAGES, {"owner": "tenant-z"}, headers={"HTTP_ACCEPT": "application/json"})
    assert response.status_code == 403
    assert response.json() == {
        # Glance 33's add_image refusal (secure RBAC) has no final period.
        "message": "You are not permitted to create images owned by 'tenant-z'",
        "code": "403 Forbidden", "title": "Forbidden",
    }


def test_only_admins_create_public_images(owner, api):
    assert owner.post(IMAGES, {"visibility": "public"}).status_code == 403
    assert create(api, visibility="public")["visibility"] == "public"


def test_duplicate_id_is_a_conflict(owner, image):
    assert owner.post(IMAGES, {"id": image["id"]}).status_code == 409


@pytest.mark.parametrize("key", ["created_at", "updated_at", "checksum", "size", "virtual_size", "os_hash_value",
                                 "os_hash_algo", "self", "file", "schema", "direct_url", "stores"])
def test_read_only_attributes_are_refused_on_create(owner, key):
    value = 5 if key in ("size", "virtual_size") else "x"
    assert owner.post(IMAGES, {key: value}).status_code == 403


@pytest.mark.parametrize("key", ["location", "deleted", "deleted_at", "os_glance_import_task"])
def test_reserved_attributes_are_refused_on_create(owner, key):
    assert owner.post(IMAGES, {key: "x"}).status_code == 403


def test_delete_removes_the_image(owner, image):
    assert owner.delete(image_url(image["id"])).status_code == 204
    assert owner.get(image_url(image["id"])).status_code == 404
    assert owner.delete(image_url(image["id"])).status_code == 404


def test_protected_image_cannot_be_deleted(owner):
    image = create(owner, protected=True)
    assert owner.delete(image_url(image["id"])).status_code == 403
    assert owner.get(image_url(image["id"])).status_code == 200


def test_unknown_or_malformed_ids_are_404(owner):
    assert owner.get(image_url("00000000-0000-0000-0000-000000000000")).status_code == 404
    assert owner.get(image_url("not-a-uuid")).status_code == 404


def test_timestamps_are_utc_whole_seconds(owner, image):
    created = timezone.datetime.strptime(image["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert abs((timezone.now().replace(tzinfo=None) - created).total_seconds()) < 60


def test_ids_are_canonical_lowercase_uuids(owner):
    upper = "6F1C6A8E-9A63-4B8C-8F7F-2A0B5F3B9D11"
    created = owner.post(IMAGES, {"id": upper, "name": "upper"})
    assert (created.status_code, created.json()["id"]) == (201, upper.lower())
    assert owner.get(image_url(upper)).json()["id"] == upper.lower()
    assert owner.post(IMAGES, {"id": upper.lower(), "name": "same id"}).status_code == 409


def test_an_id_with_a_trailing_newline_is_refused(owner, image):
    """The schema's `$` would match before a final newline: a look-alike id and a data file named with it."""
    response = owner.post(IMAGES, {"id": image["id"] + "\n", "name": "look-alike"})
    assert response.status_code == 400
    assert "does not match" in response.json()["message"]
