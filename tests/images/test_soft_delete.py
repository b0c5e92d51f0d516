"""Deleted images keep a row that nothing shows, and their ids are never given out again."""
import pytest

from images.choices import LocationStatus, Status
from images.models import Image, ImageLocation
from images.recovery import worker_start_recover
from tests.images.conftest import IMAGES, create, image_url, upload

IMAGE_ID = "a1e1cbd4-1e2a-4d3c-9f5f-9a3d8c2b7e10"


@pytest.fixture
def deleted(owner):
    create(owner, id=IMAGE_ID, name="gone", disk_format="raw", container_format="bare")
    assert owner.delete(image_url(IMAGE_ID)).status_code == 204
    return IMAGE_ID


def test_deleted_image_is_not_shown_listed_or_counted(owner, api, deleted, settings):
    assert owner.get(image_url(deleted)).status_code == 404
    assert api.get(image_url(deleted)).status_code == 404
    assert [image["id"] for image in api.get(IMAGES).json()["images"]] == []
    settings.IMAGE_COUNT_TOTAL_QUOTA = 1
    assert owner.post(IMAGES, {"name": "fits the quota"}).status_code == 201


def test_deleted_image_keeps_its_row(deleted):
    row = Image.all_objects.get(pk=deleted)
    assert (row.status, row.deleted, row.deleted_at is not None) == (Status.DELETED, True, True)


@pytest.mark.parametrize("project", ["tenant-a", "tenant-b"])
def test_a_deleted_images_id_cannot_be_taken_again(api, deleted, project):
    """OSSN-0075: whatever still refers to the id must never reach another image's data."""
    response = api.as_(project).post(IMAGES, {"id": deleted, "name": "impostor"})
    assert (response.status_code, response.json()["message"]) == (409, f"Image with identifier {deleted} already exists!")


def test_second_delete_is_404(owner, deleted):
    assert owner.delete(image_url(deleted)).status_code == 404


def test_delete_removes_data_and_location_after_commit(owner, store_dir, django_capture_on_commit_callbacks):
    image = create(owner, name="with data", disk_format="raw", container_format="bare")
    upload(owner, image["id"], b"data")
    with django_capture_on_commit_callbacks(execute=True):
        owner.delete(image_url(image["id"]))
    assert list(store_dir.iterdir()) == []
    assert not ImageLocation.objects.filter(image_id=image["id"]).exists()


def test_removal_cut_short_by_a_crash_is_finished_when_a_worker_starts(owner, store_dir):
    """The commit happened but the process died before removing the data (on_commit never ran)."""
    image = create(owner, name="with data", disk_format="raw", container_format="bare")
    upload(owner, image["id"], b"data")
    owner.delete(image_url(image["id"]))  # the test transaction never commits: the removal is pending
    assert ImageLocation.objects.get(image_id=image["id"]).status == LocationStatus.PENDING_DELETE
    assert [path.name for path in store_dir.iterdir()] == [image["id"]]
    worker_start_recover()
    assert list(store_dir.iterdir()) == []
    assert not ImageLocation.objects.filter(image_id=image["id"]).exists()
