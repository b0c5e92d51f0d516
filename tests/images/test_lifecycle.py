"""Status table, deactivate/reactivate, protection and tags."""
import pytest

from images.choices import Status
from images.lifecycle import TRANSITIONS, InvalidTransition, transition
from images.models import Image
from project.errors import InvalidInput
from tests.images.conftest import create, image_url, patch, upload


def test_every_status_has_a_row_and_targets_are_statuses():
    assert set(TRANSITIONS) == set(Status)
    assert all(targets <= set(Status) for targets in TRANSITIONS.values())


@pytest.mark.parametrize("current, target", [
    (current, target) for current in Status for target in Status if target not in TRANSITIONS[current]
])
def test_moves_outside_the_table_are_conflicts(current, target):
    image = Image(status=current, disk_format="raw", container_format="bare")
    with pytest.raises(InvalidTransition):
        transition(image, target)


def test_saving_needs_both_formats():
    with pytest.raises(InvalidInput, match="Properties disk_format, container_format must be set"):
        transition(Image(status=Status.QUEUED), Status.SAVING)
    with pytest.raises(InvalidInput, match="Property container_format must be set"):
        transition(Image(status=Status.QUEUED, disk_format="raw"), Status.SAVING)


def test_back_to_queued_forgets_size_and_hashes():
    image = Image(status=Status.SAVING, size=5, checksum="c", os_hash_algo="sha512", os_hash_value="v")
    transition(image, Status.QUEUED)
    assert (image.status, image.size, image.checksum, image.os_hash_value) == (Status.QUEUED, None, None, None)


@pytest.fixture
def active(owner, image):
    assert upload(owner, image["id"], b"ZZZZZ").status_code == 204
    return image


def action(caller, image, name):
    return caller.post(image_url(image["id"], "actions", name))


def test_deactivate_and_reactivate_round_trip(owner, api, active):
    assert action(owner, active, "deactivate").status_code == 204
    assert owner.get(image_url(active["id"])).json()["status"] == "deactivated"
    assert action(owner, active, "deactivate").status_code == 204
    assert owner.get(image_url(active["id"], "file")).status_code == 403
    assert api.get(image_url(active["id"], "file")).status_code == 200
    assert action(owner, active, "reactivate").status_code == 204
    assert action(owner, active, "reactivate").status_code == 204
    assert owner.get(image_url(active["id"])).json()["status"] == "active"


def test_other_projects_cannot_deactivate_a_public_image(other, api, active):
    patch(api, active["id"], [{"op": "replace", "path": "/visibility", "value": "public"}])
    assert action(other, active, "deactivate").status_code == 403
    assert action(other, active, "reactivate").status_code == 403


def test_queued_image_cannot_be_deactivated(owner, image):
    assert action(owner, image, "deactivate").status_code == 403
    assert action(owner, image, "reactivate").status_code == 403


def test_unknown_action_is_404(owner, image):
    assert action(owner, image, "explode").status_code == 404


def test_deactivated_image_can_be_deleted(owner, active):
    action(owner, active, "deactivate")
    assert owner.delete(image_url(active["id"])).status_code == 204


def test_protected_image_deletes_once_unprotected(owner, active):
    patch(owner, active["id"], [{"op": "replace", "path": "/protected", "value": True}])
    assert owner.delete(image_url(active["id"])).status_code == 403
    patch(owner, active["id"], [{"op": "replace", "path": "/protected", "value": False}])
    assert owner.delete(image_url(active["id"])).status_code == 204
    assert owner.get(image_url(active["id"], "file")).status_code == 404


def test_tag_put_is_idempotent_and_delete_of_missing_is_404(owner, image):
    url = image_url(image["id"], "tags", "x86 64")
    assert owner.put(url).status_code == 204
    assert owner.put(url).status_code == 204
    assert owner.get(image_url(image["id"])).json()["tags"] == ["small", "x86 64"]
    assert owner.delete(url).status_code == 204
    assert owner.delete(url).status_code == 404
    assert owner.get(image_url(image["id"])).json()["tags"] == ["small"]


def test_tag_too_long_is_400_and_quota_is_413(owner, image, settings):
    assert owner.put(image_url(image["id"], "tags", "t" * 256)).status_code == 400
    settings.IMAGE_TAG_QUOTA = 1
    assert owner.put(image_url(image["id"], "tags", "second")).status_code == 413


def test_tags_of_another_projects_image(other, image):
    assert other.put(image_url(image["id"], "tags", "mine")).status_code == 404


def test_tag_change_touches_updated_at(owner):
    image = create(owner)
    Image.objects.filter(pk=image["id"]).update(updated_at="2000-01-01T00:00:00Z")
    owner.put(image_url(image["id"], "tags", "new"))
    assert owner.get(image_url(image["id"])).json()["updated_at"] != "2000-01-01T00:00:00Z"
