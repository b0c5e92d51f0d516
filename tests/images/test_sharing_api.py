"""Visibility, the members API, and project isolation through HTTP."""
import pytest

from tests.conftest import Api
from tests.images.conftest import IMAGES, create, image_url, patch, upload

JSON = {"HTTP_ACCEPT": "application/json"}


def members_url(image, *rest):
    return image_url(image["id"], "members", *rest)


def listed_ids(caller, query=""):
    response = caller.get(f"{IMAGES}{query}")
    assert response.status_code == 200
    return [image["id"] for image in response.json()["images"]]


@pytest.fixture
def private(owner):
    image = create(owner, name="private", visibility="private", disk_format="raw", container_format="bare")
    assert upload(owner, image["id"], b"secret").status_code == 204
    return image


def test_another_project_cannot_touch_a_private_image(other, private):
    url = image_url(private["id"])
    assert other.get(url).status_code == 404
    assert other.get(image_url(private["id"], "file")).status_code == 404
    assert patch(other, private["id"], [{"op": "replace", "path": "/name", "value": "x"}]).status_code == 404
    assert other.delete(url).status_code == 404
    assert other.put(image_url(private["id"], "tags", "t")).status_code == 404
    assert other.post(image_url(private["id"], "actions", "deactivate")).status_code == 404
    assert other.get(image_url(private["id"], "members")).status_code == 404
    assert private["id"] not in listed_ids(other, "?visibility=all")


def test_shared_image_is_invisible_until_shared(other, image):
    assert other.get(image_url(image["id"])).status_code == 404


def test_member_lifecycle(owner, other, image):
    response = owner.post(members_url(image), {"member": "tenant-b"})
    assert response.status_code == 200
    member = response.json()
    assert member == {"member_id": "tenant-b", "image_id": image["id"], "status": "pending",
                      "created_at": member["created_at"], "updated_at": member["created_at"],
                      "schema": "/v2/schemas/member"}
    assert owner.get(members_url(image)).json() == {"members": [member], "schema": "/v2/schemas/members"}
    assert owner.get(members_url(image, "tenant-b")).json() == member

    # a pending member sees the image by id but not in its default list
    assert other.get(image_url(image["id"])).status_code == 200
    assert image["id"] not in listed_ids(other)
    assert image["id"] in listed_ids(other, "?member_status=pending")

    response = other.put(members_url(image, "tenant-b"), {"status": "accepted"})
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert image["id"] in listed_ids(other)
    assert image["id"] not in listed_ids(other, "?member_status=pending")

    other.put(members_url(image, "tenant-b"), {"status": "rejected"})
    assert image["id"] not in listed_ids(other)
    assert image["id"] in listed_ids(other, "?member_status=rejected")
    assert other.get(image_url(image["id"])).status_code == 200

    assert owner.delete(members_url(image, "tenant-b")).status_code == 204
    assert other.get(image_url(image["id"])).status_code == 404
    assert owner.get(members_url(image)).json()["members"] == []


def test_member_sees_only_its_own_membership(owner, other, image):
    for project in ("tenant-b", "tenant-c"):
        owner.post(members_url(image), {"member": project})
    assert [m["member_id"] for m in owner.get(members_url(image)).json()["members"]] == ["tenant-b", "tenant-c"]
    assert [m["member_id"] for m in other.get(members_url(image)).json()["members"]] == ["tenant-b"]
    assert other.get(members_url(image, "tenant-c")).status_code == 404


def test_only_the_member_answers_and_only_the_owner_adds_or_removes(owner, other, image):
    owner.post(members_url(image), {"member": "tenant-b"})
    assert owner.put(members_url(image, "tenant-b"), {"status": "accepted"}).status_code == 403
    assert other.post(members_url(image), {"member": "tenant-c"}).status_code == 403
    assert other.delete(members_url(image, "tenant-b")).status_code == 403
    third = Api().as_("tenant-c")
    assert third.put(members_url(image, "tenant-b"), {"status": "accepted"}).status_code == 404


def test_members_only_for_shared_images(owner, private):
    assert owner.post(members_url(private), {"member": "tenant-b"}).status_code == 403
    assert owner.get(members_url(private)).status_code == 403
    assert owner.get(members_url(private, "tenant-b")).status_code == 404


def test_membership_survives_but_stops_working_when_no_longer_shared(owner, other, image):
    owner.post(members_url(image), {"member": "tenant-b"})
    other.put(members_url(image, "tenant-b"), {"status": "accepted"})
    patch(owner, image["id"], [{"op": "replace", "path": "/visibility", "value": "private"}])
    assert other.get(image_url(image["id"])).status_code == 404
    patch(owner, image["id"], [{"op": "replace", "path": "/visibility", "value": "shared"}])
    assert other.get(image_url(image["id"])).status_code == 200


@pytest.mark.parametrize("body, status", [
    ({}, 400), ({"member": ""}, 400), ({"member": 5}, 400), ({"member": "x" * 256}, 400), ([], 400),
])
def test_bad_member_bodies(owner, image, body, status):
    assert owner.post(members_url(image), body).status_code == status


def test_duplicate_member_is_409_and_quota_413(owner, image, settings):
    owner.post(members_url(image), {"member": "tenant-b"})
    assert owner.post(members_url(image), {"member": "tenant-b"}).status_code == 409
    settings.IMAGE_MEMBER_QUOTA = 1
    assert owner.post(members_url(image), {"member": "tenant-c"}).status_code == 413


@pytest.mark.parametrize("body", [{}, {"status": "maybe"}, {"status": None}])
def test_bad_member_status(owner, other, image, body):
    owner.post(members_url(image), {"member": "tenant-b"})
    assert other.put(members_url(image, "tenant-b"), body).status_code == 400


def test_public_and_community_images(api, owner, other):
    public = create(api, name="public", visibility="public")
    community = create(owner, name="community", visibility="community")
    assert other.get(image_url(public["id"])).status_code == 200
    assert other.get(image_url(community["id"])).status_code == 200
    assert public["id"] in listed_ids(other)
    assert community["id"] not in listed_ids(other)
    assert community["id"] in listed_ids(other, "?visibility=community")
    assert community["id"] in listed_ids(owner)


def test_others_may_download_a_public_image_but_not_change_it(api, other):
    image = create(api, name="public", visibility="public", disk_format="raw", container_format="bare")
    upload(api, image["id"], b"shared bytes")
    response = other.get(image_url(image["id"], "file"))
    assert b"".join(response.streaming_content) == b"shared bytes"
    assert other.delete(image_url(image["id"])).status_code == 403
    assert upload(other, image["id"], b"x").status_code == 403


def test_admin_sees_every_project_image(api, private):
    assert api.get(image_url(private["id"])).status_code == 200
    assert private["id"] in listed_ids(api)
