"""Delayed delete: pending_delete keeps the data until `scrub` (after SCRUB_TIME); `scrub --restore` undoes it."""
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from images.choices import Status
from images.models import Image, ImageLocation
from tests.images.conftest import IMAGES, image_url, upload


@pytest.fixture
def delayed(settings):
    settings.DELAYED_DELETE = True
    settings.SCRUB_TIME = 3600


def command(*args):
    out = io.StringIO()
    call_command("scrub", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def pending(owner, image, delayed, store_dir):
    upload(owner, image["id"], b"data")
    assert owner.delete(image_url(image["id"])).status_code == 204
    return image["id"]


def age(image_id, seconds):
    Image.all_objects.filter(pk=image_id).update(deleted_at=timezone.now() - timedelta(seconds=seconds))


def test_deleting_keeps_the_data_and_hides_the_image(owner, pending, store_dir):
    row = Image.all_objects.get(pk=pending)
    assert (row.status, row.deleted) == (Status.PENDING_DELETE, True)
    assert owner.get(image_url(pending)).status_code == 404
    assert owner.get(IMAGES).json()["images"] == []
    assert (store_dir / pending).read_bytes() == b"data"


def test_scrub_waits_for_the_grace_period_then_removes_the_data(pending, store_dir,
                                                               django_capture_on_commit_callbacks):
    assert command().splitlines()[-1] == "Scrubbed 0 image(s)."
    age(pending, 3601)
    with django_capture_on_commit_callbacks(execute=True):
        output = command()
    assert output.splitlines() == [f"  scrubbed {pending}", "Scrubbed 1 image(s)."]
    assert Image.all_objects.get(pk=pending).status == Status.DELETED
    assert not (store_dir / pending).exists() and not ImageLocation.objects.filter(image_id=pending).exists()


def test_restore_brings_the_image_back_with_its_data(owner, pending):
    assert command("--restore", pending) == f"Restored image {pending} to active.\n"
    assert owner.get(image_url(pending)).json()["status"] == "active"
    assert owner.get(image_url(pending, "file")).getvalue() == b"data"


def test_restore_refuses_what_is_not_pending_delete(owner, image):
    with pytest.raises(CommandError, match="only a pending_delete image can be restored"):
        command("--restore", image["id"])
    with pytest.raises(CommandError, match="No image found"):
        command("--restore", "00000000-0000-0000-0000-000000000000")


def test_an_image_without_data_is_deleted_at_once(owner, image, delayed):
    owner.delete(image_url(image["id"]))
    assert Image.all_objects.get(pk=image["id"]).status == Status.DELETED
