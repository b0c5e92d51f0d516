"""Quotas: per-image caps and per-project limits (413, nothing changed), and GET /v2/info/usage."""
import io

import pytest

from images.models import Image
from tests.conftest import Api
from tests.images.conftest import IMAGES, create, image_url, patch, upload
from tests.images.test_data_api import files_in, put_stream

MiB = 1024 * 1024
USAGE = "/v2/info/usage"


def over_limit(project, resource, limit, usage, delta):
    return {
        "message": "The request returned a 413 Request Entity Too Large. This generally means that rate limiting "
                   "or a quota threshold was breached.\n\nThe response body:\nProject "
                   f"{project} is over a limit for [Resource {resource} is over limit of {limit} due to current "
                   f"usage {usage} and delta {delta}]",
        "code": "413 Request Entity Too Large", "title": "Request Entity Too Large",
    }


def queued(caller, **fields):
    return create(caller, disk_format="raw", container_format="bare", **fields)["id"]


# --- per image ------------------------------------------------------------------

def test_per_image_caps_name_what_was_exceeded(owner, image, settings):
    settings.IMAGE_PROPERTY_QUOTA, settings.IMAGE_TAG_QUOTA, settings.IMAGE_MEMBER_QUOTA = 1, 1, 0
    response = patch(owner, image["id"], [{"op": "add", "path": "/arch", "value": "x86_64"}])
    assert (response.status_code, response.json()["message"]) == (
        413, "The limit has been exceeded on the number of allowed image properties. Attempted: 2, Maximum: 1")
    response = owner.put(image_url(image["id"], "tags", "second"))
    assert response.json()["message"] == \
        "The limit has been exceeded on the number of allowed image tags. Attempted: 2, Maximum: 1"
    shared = create(owner, visibility="shared")
    response = owner.post(image_url(shared["id"], "members"), {"member": "tenant-b"})
    assert (response.status_code, response.json()["message"]) == (
        413, "The limit has been exceeded on the number of allowed image members for this image. "
             "Attempted: 1, Maximum: 0")
    assert owner.get(image_url(image["id"])).json()["tags"] == ["small"]


def test_create_beyond_the_cap_changes_nothing(owner, settings):
    settings.IMAGE_TAG_QUOTA = 2
    assert owner.post(IMAGES, {"tags": ["a", "b", "c"]}).status_code == 413
    assert not Image.objects.exists()


# --- per project: image count ---------------------------------------------------------

def test_image_count_total(owner, other, settings):
    settings.IMAGE_COUNT_TOTAL_QUOTA = 2
    create(owner)
    create(owner)
    response = owner.post(IMAGES, {"name": "third"})
    assert (response.status_code, response.json()) == (413, over_limit("tenant-a", "image_count_total", 2, 2, 1))
    assert Image.objects.filter(owner="tenant-a").count() == 2
    assert other.post(IMAGES, {"name": "another project's first"}).status_code == 201


def test_deleting_an_image_makes_room(owner, settings):
    settings.IMAGE_COUNT_TOTAL_QUOTA = 1
    first = create(owner)
    assert owner.post(IMAGES, {}).status_code == 413
    assert owner.delete(image_url(first["id"])).status_code == 204
    assert owner.post(IMAGES, {}).status_code == 201


def test_the_owner_is_charged_when_an_admin_creates_for_it(api, owner, settings):
    settings.IMAGE_COUNT_TOTAL_QUOTA = 1
    create(owner)
    assert api.post(IMAGES, {"owner": "tenant-a"}).json() == over_limit("tenant-a", "image_count_total", 1, 1, 1)
    assert api.post(IMAGES, {}).status_code == 201


# --- per project: stored size ----------------------------------------------------------

@pytest.fixture
def one_mib_quota(settings, owner, store_dir):
    """tenant-a may store 1 MiB and already stores 600 KiB."""
    settings.IMAGE_SIZE_TOTAL_QUOTA = 1
    assert upload(owner, queued(owner), b"x" * 600 * 1024).status_code == 204
    return store_dir


def assert_still_queued_without_data(caller, image_id, store_dir, files_before):
    body = caller.get(image_url(image_id)).json()
    assert (body["status"], body["size"], body["checksum"]) == ("queued", None, None)
    assert files_in(store_dir) == files_before
    assert caller.get(image_url(image_id, "file")).status_code == 204


def test_declared_size_beyond_the_quota_is_refused_before_any_data(owner, one_mib_quota):
    image_id, before = queued(owner), files_in(one_mib_quota)
    response = upload(owner, image_id, b"y" * 500 * 1024)
    # Sizes in the message are MiB, rounded up: 600 KiB stored, 500 KiB more.
    assert (response.status_code, response.json()) == (413, over_limit("tenant-a", "image_size_total", 1, 1, 1))
    assert_still_queued_without_data(owner, image_id, one_mib_quota, before)


def test_undeclared_size_is_cut_off_at_the_quota(owner, one_mib_quota):
    image_id, before = queued(owner), files_in(one_mib_quota)
    response = put_stream(owner, image_id, io.BytesIO(b"y" * 500 * 1024))
    assert response.status_code == 413
    assert "image_size_total is over limit of 1" in response.json()["message"]
    assert_still_queued_without_data(owner, image_id, one_mib_quota, before)


def test_what_fits_is_stored_and_other_projects_are_not_charged(owner, other, one_mib_quota):
    assert upload(owner, queued(owner), b"y" * 400 * 1024).status_code == 204
    assert upload(other, queued(other), b"z" * 1000 * 1024).status_code == 204


class WhileAnotherUploadFinishes(io.BytesIO):
    """The request body; while it is read, the project's other image grows to 1000 KiB."""

    def read(self, size=-1):
        Image.objects.filter(owner="tenant-a", status="active").update(size=1000 * 1024)
        return super().read(size)


def test_room_used_by_a_concurrent_upload_is_caught_at_the_end(owner, one_mib_quota):
    image_id, before = queued(owner), files_in(one_mib_quota)
    response = put_stream(owner, image_id, WhileAnotherUploadFinishes(b"y" * 100 * 1024))
    assert (response.status_code, response.json()) == (413, over_limit("tenant-a", "image_size_total", 1, 1, 1))
    assert_still_queued_without_data(owner, image_id, one_mib_quota, before)


# --- per project: uploads in progress -------------------------------------------------------

def test_image_count_uploading(owner, settings, store_dir):
    settings.IMAGE_COUNT_UPLOADING_QUOTA = 1
    busy, waiting = queued(owner), queued(owner)
    Image.objects.filter(pk=busy).update(status="saving")  # an upload in progress elsewhere
    response = upload(owner, waiting, b"data")
    assert (response.status_code, response.json()) == (413, over_limit("tenant-a", "image_count_uploading", 1, 1, 1))
    assert owner.get(image_url(waiting)).json()["status"] == "queued"
    Image.objects.filter(pk=busy).update(status="queued")
    assert upload(owner, waiting, b"data").status_code == 204


# --- GET /v2/info/usage ---------------------------------------------------------------------

def test_usage_without_limits(owner):
    assert owner.get(USAGE).json() == {"usage": {
        "image_size_total": {"usage": 0, "limit": -1},
        "image_stage_total": {"usage": 0, "limit": -1},
        "image_count_total": {"usage": 0, "limit": -1},
        "image_count_uploading": {"usage": 0, "limit": -1},
    }}


def test_usage_counts_the_callers_project(owner, other, settings, store_dir):
    settings.IMAGE_SIZE_TOTAL_QUOTA, settings.IMAGE_COUNT_TOTAL_QUOTA = 10, 5
    settings.IMAGE_COUNT_UPLOADING_QUOTA = 2
    assert upload(owner, queued(owner), b"x" * (2 * MiB + 1)).status_code == 204
    Image.objects.filter(pk=queued(owner)).update(status="saving")
    create(owner)
    create(other)
    assert owner.get(USAGE).json() == {"usage": {
        "image_size_total": {"usage": 2, "limit": 10},
        "image_stage_total": {"usage": 0, "limit": -1},
        "image_count_total": {"usage": 3, "limit": 5},
        "image_count_uploading": {"usage": 1, "limit": 2},
    }}
    assert other.get(USAGE).json()["usage"]["image_count_total"] == {"usage": 1, "limit": 5}
    assert Api().as_("tenant-z", "reader").get(USAGE).json()["usage"]["image_size_total"] == \
        {"usage": 0, "limit": 10}
