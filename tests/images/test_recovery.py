"""uploads_recover: only uploads whose process is gone on this host are undone."""
import os
import socket
import subprocess

import pytest

from images.models import Image
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
