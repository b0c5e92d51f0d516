"""Upload leases: any node undoes the uploads of a node that stopped renewing them (one gone for good), never
an upload whose worker renews its lease, however slow; an upload whose lease was taken cannot complete."""
import io
import os
import socket
from types import SimpleNamespace

import pytest
from django.utils import timezone

from images import upload_leases
from images.models import Image
from tests.images.conftest import create, image_url
from tests.images.test_data_api import files_in, put_stream
from tests.images.test_recovery import saving

DATA = b"x" * (3 * 65536)


def aged(image_id, settings, seconds_past_lease=1):
    """As if the lease had not been renewed for that long past UPLOAD_LEASE_SECONDS."""
    long_ago = timezone.now() - timezone.timedelta(seconds=settings.UPLOAD_LEASE_SECONDS + seconds_past_lease)
    Image.objects.filter(pk=image_id).update(upload_seen_at=long_ago)


def test_uploads_of_a_node_that_stopped_renewing_go_back_to_queued_with_their_partial_data(api, store_dir,
                                                                                           settings):
    lost, alive = saving(api, "node-lost:4242"), saving(api, "node-alive:17")
    Image.objects.filter(pk=alive.pk).update(upload_seen_at=timezone.now())
    aged(lost.pk, settings)
    store_dir.mkdir(parents=True)
    (store_dir / f".{lost.pk}.k3.part").write_bytes(b"half")  # a shared file store: seen from any node
    assert upload_leases.leases_expired_recover() == 1
    assert [api.get(image_url(image.pk)).json()["status"] for image in (lost, alive)] == ["queued", "saving"]
    assert files_in(store_dir) == []
    assert upload_leases.leases_expired_recover() == 0


class Midway(io.BytesIO):
    """Request data that runs `action` once, after the first chunk was read: while the upload is in flight."""

    def __init__(self, action):
        super().__init__(DATA)
        self.action, self.reads = action, 0

    def read(self, n=-1):
        self.reads += 1
        if self.reads == 2:
            self.action()
        return super().read(n)


def test_an_upload_slower_than_its_lease_completes_while_its_worker_renews_it(owner, settings, store_dir):
    image_id = create(owner, disk_format="raw", container_format="bare")["id"]

    def long_wait_then_renewal_then_another_nodes_sweep():
        aged(image_id, settings)
        assert upload_leases.leases_renew() == 1
        assert upload_leases.leases_expired_recover() == 0

    assert put_stream(owner, image_id, Midway(long_wait_then_renewal_then_another_nodes_sweep)).status_code == 204
    body = owner.get(image_url(image_id)).json()
    assert (body["status"], body["size"]) == ("active", len(DATA))
    assert Image.objects.get(pk=image_id).upload_seen_at is None
    assert upload_leases.leases_renew() == 0  # nothing held any more


def test_an_upload_whose_lease_was_taken_fails_leaves_nothing_and_can_be_done_again(owner, settings, store_dir):
    image_id = create(owner, disk_format="raw", container_format="bare")["id"]

    def stalled_worker_then_another_nodes_sweep():
        aged(image_id, settings)
        assert upload_leases.leases_expired_recover() == 1

    response = put_stream(owner, image_id, Midway(stalled_worker_then_another_nodes_sweep))
    assert response.status_code == 409, response.content
    assert "lease was not renewed" in response.json()["message"]
    assert owner.get(image_url(image_id)).json()["status"] == "queued"
    assert files_in(store_dir) == []
    assert put_stream(owner, image_id, io.BytesIO(DATA)).status_code == 204
    assert owner.get(image_url(image_id)).json()["status"] == "active"


def test_a_later_upload_of_the_image_is_not_undone_by_the_failure_of_the_one_that_lost_its_lease(owner, settings,
                                                                                              store_dir):
    image_id = create(owner, disk_format="raw", container_format="bare")["id"]

    def taken_over_and_uploaded_again_elsewhere():
        aged(image_id, settings)
        assert upload_leases.leases_expired_recover() == 1
        Image.objects.filter(pk=image_id).update(status="saving", upload_holder="node-2:99",
                                                 upload_seen_at=timezone.now())

    assert put_stream(owner, image_id, Midway(taken_over_and_uploaded_again_elsewhere)).status_code == 409
    image = Image.objects.get(pk=image_id)
    assert (image.status, image.upload_holder) == ("saving", "node-2:99")


def test_the_keeper_takes_no_lease_before_the_database_has_answered_for_a_whole_lease(api, settings, monkeypatch):
    """After an outage every holder's lease looks old: each must have had its chance to renew first."""
    lost = saving(api, "node-lost:4242")
    aged(lost.pk, settings)
    clock = iter([100.0, 100.0 + settings.UPLOAD_LEASE_SECONDS / 5, 100.0 + settings.UPLOAD_LEASE_SECONDS])
    monkeypatch.setattr(upload_leases, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    since = upload_leases._keep_once(None)
    since = upload_leases._keep_once(since)
    assert Image.objects.get(pk=lost.pk).status == "saving"
    upload_leases._keep_once(since)
    assert Image.objects.get(pk=lost.pk).status == "queued"


def test_uploads_without_a_lease_are_left_to_their_hosts_restart(api, settings):
    """Rows from before leases, or a holder whose lease was never taken, are not guessed at."""
    mine = saving(api, f"{socket.gethostname()}:{os.getpid()}")
    assert Image.objects.get(pk=mine.pk).upload_seen_at is None
    assert upload_leases.leases_expired_recover() == 0


@pytest.mark.parametrize("seconds", [0, 4])
def test_a_lease_too_short_to_renew_stops_the_start(settings, seconds):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.UPLOAD_LEASE_SECONDS = seconds
    with pytest.raises(SystemCheckError, match="UPLOAD_LEASE_SECONDS"):
        call_command("check")
