"""uploads_recover: only uploads whose process is gone on this host are undone; upload_abandon: a failed
upload is undone even when the database was away when it failed."""
import os
import socket
import subprocess
import time
import uuid

import pytest
from django.db import OperationalError, connection

from images import recovery
from images.models import Image, ImageLocation
from images.recovery import uploads_recover
from tests.images.conftest import create


@pytest.fixture
def dead_pid():
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def saving(api, holder):
    image = Image.objects.get(pk=create(api, disk_format="raw", container_format="bare")["id"])
    image.status, image.upload_holder = "saving", holder
    image.save()
    return image


def test_upload_of_a_dead_process_goes_back_to_queued_and_its_partial_file_is_removed(api, store_dir, dead_pid):
    image = saving(api, f"{socket.gethostname()}:{dead_pid}")
    store_dir.mkdir(parents=True)
    (store_dir / f".{image.pk}.abc.part").write_bytes(b"partial")
    assert uploads_recover() == 1
    image.refresh_from_db()
    assert (image.status, image.upload_holder) == ("queued", None)
    assert list(store_dir.iterdir()) == []


def test_live_uploads_and_other_hosts_uploads_are_left_alone(api):
    mine = saving(api, f"{socket.gethostname()}:{os.getpid()}")
    elsewhere = saving(api, "another-node:1")
    assert uploads_recover() == 0
    for image in (mine, elsewhere):
        image.refresh_from_db()
        assert image.status == "saving"


def test_command_reports(api, dead_pid):
    from io import StringIO

    from django.core.management import call_command

    saving(api, f"{socket.gethostname()}:{dead_pid}")
    out = StringIO()
    call_command("recover_uploads", stdout=out)
    assert out.getvalue().strip() == "Recovered 1 interrupted upload(s)."


def test_a_node_gone_for_good_has_its_uploads_undone_from_another(api, store_dir):
    """Only that node's restart would notice its dead processes: the operator names it instead."""
    from io import StringIO

    from django.core.management import call_command

    lost, other, mine = (saving(api, holder) for holder in ("node-lost:4242", "node-alive:17",
                                                            f"{socket.gethostname()}:{os.getpid()}"))
    store_dir.mkdir(parents=True)
    (store_dir / f".{lost.pk}.k3.part").write_bytes(b"half")  # a shared file store: seen from here too
    out = StringIO()
    call_command("recover_uploads", "--dead-host", "node-lost", stdout=out)
    assert out.getvalue().splitlines() == ["Recovered 1 interrupted upload(s).", "Failed 0 import task(s) of node-lost."]
    assert [Image.objects.get(pk=image.pk).status for image in (lost, other, mine)] == ["queued", "saving", "saving"]
    assert list(store_dir.iterdir()) == []


def test_a_failed_upload_to_a_failing_store_has_its_leftovers_removed(api, store_dir):
    """The add's own clean-up met the store's outage: the abandon removes what it left, the image queued."""
    image = saving(api, f"{socket.gethostname()}:{os.getpid()}")
    store_dir.mkdir(parents=True)
    (store_dir / f".{image.pk}.x1.part").write_bytes(b"what the outage left")
    recovery.upload_abandon(image.pk, "saving", partial_in="file")
    image.refresh_from_db()
    assert image.status == "queued" and list(store_dir.iterdir()) == []


def test_dead_host_refuses_this_node(api):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="is this node: run it without --dead-host"):
        call_command("recover_uploads", "--dead-host", socket.gethostname())


# --- uploads that fail while the database is away (deploy/cluster's database restart test, at unit level)


def lost_database(execute, sql, params, many, context):
    raise OperationalError(2006, "Server has gone away")


def wait_for_status(image, status, timeout=10):
    deadline = time.monotonic() + timeout
    while Image.objects.get(pk=image.pk).status != status and time.monotonic() < deadline:
        time.sleep(0.05)
    return Image.objects.get(pk=image.pk).status


@pytest.fixture
def stored_upload(transactional_db, store_dir, monkeypatch):
    """An image `saving` under this (live) process, and the data its upload wrote into the file store."""
    monkeypatch.setattr(recovery, "REQUEUE_RETRY_SECONDS", 0.05)
    image = Image.objects.create(id=str(uuid.uuid4()), status="saving", disk_format="raw", container_format="bare",
                                 upload_holder=recovery.this_process())
    store_dir.mkdir(parents=True)
    data = store_dir / image.pk
    data.write_bytes(b"all of it")
    return image, data


def test_an_upload_failing_while_the_database_is_away_is_undone_once_it_answers(stored_upload):
    image, data = stored_upload
    with connection.execute_wrapper(lost_database):
        recovery.upload_abandon(image.pk, "saving", ("file", data.as_uri()))
        assert data.exists()  # not before the database says the image did not keep it
    assert wait_for_status(image, "queued") == "queued"
    deadline = time.monotonic() + 5
    while data.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not data.exists()


def test_an_upload_whose_commit_went_through_keeps_its_data(stored_upload):
    image, data = stored_upload
    Image.objects.filter(pk=image.pk).update(status="active", upload_holder=None)
    ImageLocation.objects.create(image_id=image.pk, store="file", url=data.as_uri())
    recovery.upload_abandon(image.pk, "saving", ("file", data.as_uri()))
    assert (Image.objects.get(pk=image.pk).status, data.read_bytes()) == ("active", b"all of it")


def test_a_store_that_cannot_be_reached_does_not_stop_the_recovery_nor_the_other_stores(api, store_dir, dead_pid,
                                                                                      settings, caplog):
    """A worker that starts while an object store is down still starts (its recovery runs before it serves):
    the image goes back to queued, the stores that answer are cleaned, what the other holds the auditor finds."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.IMAGE_STORES = {**settings.IMAGE_STORES, "s3": {
        "type": "s3", "endpoint_url": f"http://127.0.0.1:{closed_port}", "access_key": "a", "secret_key": "b",
        "bucket": "glance", "retries": 0}}
    image = saving(api, f"{socket.gethostname()}:{dead_pid}")
    store_dir.mkdir(parents=True)
    (store_dir / f".{image.pk}.abc.part").write_bytes(b"partial")
    assert uploads_recover() == 1
    assert Image.objects.get(pk=image.pk).status == "queued"
    assert list(store_dir.iterdir()) == []
    assert any("store s3" in record.getMessage() and "audit" in record.getMessage() for record in caplog.records)
