"""manage.py purge: what soft-deleted images leave behind goes; their ids stay reserved unless asked."""
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from images.choices import LocationStatus
from images.models import Image, ImageLocation, ImageProperty, ImageTag
from tests.images.conftest import IMAGES, create, image_url


@pytest.fixture
def deleted_long_ago(owner):
    image = create(owner, name="old", disk_format="raw", container_format="bare", distro="x", tags=["t1", "t2"])
    owner.delete(image_url(image["id"]))
    Image.all_objects.filter(pk=image["id"]).update(deleted_at=timezone.now() - timedelta(days=40))
    return image["id"]


def purge(*args):
    out = io.StringIO()
    call_command("purge", *args, stdout=out)
    return out.getvalue()


def test_details_of_old_deleted_images_go_and_the_row_stays(owner, deleted_long_ago):
    output = purge("--age-in-days", "30")
    assert not ImageProperty.objects.filter(image_id=deleted_long_ago).exists()
    assert not ImageTag.objects.filter(image_id=deleted_long_ago).exists()
    assert Image.all_objects.filter(pk=deleted_long_ago).exists()
    assert owner.post(IMAGES, {"id": deleted_long_ago, "name": "reuse"}).status_code == 409
    assert output.splitlines()[-1].startswith("Purged images deleted more than 30 day(s) ago:")
    assert "(3 rows)" in output  # one property, two tags


def test_recent_deletions_and_live_images_are_kept(owner, image, deleted_long_ago):
    recent = create(owner, name="recent", distro="y")
    owner.delete(image_url(recent["id"]))
    purge("--age-in-days", "30", "--images")
    assert ImageProperty.objects.filter(image_id=recent["id"]).exists()
    assert ImageProperty.objects.filter(image_id=image["id"]).exists()
    assert not Image.all_objects.filter(pk=deleted_long_ago).exists()


def test_rows_whose_data_is_still_being_removed_are_kept(owner, deleted_long_ago):
    ImageLocation.objects.create(image_id=deleted_long_ago, store="file", url="file:///gone",
                                 status=LocationStatus.PENDING_DELETE)
    purge("--age-in-days", "30", "--images")
    assert Image.all_objects.filter(pk=deleted_long_ago).exists()


def test_batches_are_bounded_and_reported(owner):
    for n in range(5):
        image = create(owner, name=f"old-{n}", tags=["a"])
        owner.delete(image_url(image["id"]))
    Image.all_objects.update(deleted_at=timezone.now() - timedelta(days=2))
    output = purge("--age-in-days", "1", "--max-rows", "2")
    assert "images_imagetag: 2 rows removed" in output and "images_imagetag: 5 rows removed" in output


def test_bad_arguments_are_refused():
    with pytest.raises(CommandError):
        purge("--max-rows", "0")


def test_tasks_expired_that_long_ago_go_with_their_runs(api, db):
    from django_tasks_db.models import DBTaskResult

    from images.models import Task

    long_ago, recently = timezone.now() - timedelta(days=40), timezone.now() - timedelta(days=2)
    old = Task.objects.create(id="11111111-1111-1111-1111-111111111111", status="success", expires_at=long_ago)
    kept = Task.objects.create(id="22222222-2222-2222-2222-222222222222", status="success", expires_at=recently)
    for finished in (long_ago, recently):
        DBTaskResult.objects.create(status="SUCCESSFUL", finished_at=finished, args_kwargs={"args": [], "kwargs": {}},
                                    task_path="images.jobs.import_job", queue_name="default",
                                    backend_name="default", priority=0)
    output = purge("--age-in-days", "30")
    assert api.get(f"/v2/tasks/{old.id}").status_code == 404
    assert api.get(f"/v2/tasks/{kept.id}").status_code == 200
    assert list(DBTaskResult.objects.values_list("finished_at", flat=True)) == [recently]
    assert "images_task: 1 rows removed" in output
