"""Hostile or broken data, by every way in (upload, stage, web-download): the right answer, nothing left behind.

The images are real ones made by qemu-img. URLs are refused on the check itself: the service never
connects anywhere but this test's own server on 127.0.0.1 (loopback is allowed only where a test
says so, to let the server be reached at all).
"""
import os

import pytest

from images.models import ImageLocation, Task
from tests.images.conftest import create, image_url, upload
from tests.images.test_import_api import run_imports, stage, start_import  # noqa: F401 (fixture)
from tests.images.test_inspection import qemu_img

SAFETY = "Image failed safety checks"


def truncated_qcow2(tmp_path):
    return qemu_img(tmp_path, "whole.qcow2", "-f", "qcow2", size="64M")[:1000]


def backing_file_qcow2(tmp_path):
    qemu_img(tmp_path, "base.qcow2", "-f", "qcow2", size="16M")
    return qemu_img(tmp_path, "layered.qcow2", "-f", "qcow2", "-F", "qcow2", "-b", str(tmp_path / "base.qcow2"))


def data_file_qcow2(tmp_path):
    return qemu_img(tmp_path, "external.qcow2", "-f", "qcow2", "-o", f"data_file={tmp_path / 'payload.raw'}",
                    size="16M")


def iso(tmp_path):
    return b"\0" * 32769 + b"CD001\x01" + b"\0" * 65536  # an ISO 9660 volume descriptor where ISOs have it


def monolithic_flat_vmdk(tmp_path):
    return qemu_img(tmp_path, "flat.vmdk", "-f", "vmdk", "-o", "subformat=monolithicFlat", size="16M")


BAD_DATA = [
    ("truncated qcow2", truncated_qcow2, "qcow2", f"{SAFETY}: the qcow2 data is truncated"),
    ("qcow2 with a backing file", backing_file_qcow2, "qcow2", SAFETY),
    ("qcow2 with an external data file", data_file_qcow2, "qcow2", SAFETY),
    ("ISO declared as qcow2", iso, "qcow2", "Image disk_format qcow2 does not match stream data iso"),
    ("vmdk monolithicFlat", monolithic_flat_vmdk, "vmdk", SAFETY),
    ("empty file declared qcow2", lambda tmp_path: b"", "qcow2", "Image disk_format qcow2 does not match stream data raw"),
    ("random bytes declared qcow2", lambda tmp_path: os.urandom(1 << 20), "qcow2",
     "Image disk_format qcow2 does not match stream data raw"),
]
CASES = [pytest.param(make, disk_format, message, id=name) for name, make, disk_format, message in BAD_DATA]


@pytest.fixture
def left_behind(tmp_path, store_dir):
    """What any store or the staging area still holds, and the location rows."""
    def check():
        held = [p for d in (store_dir, tmp_path / "staging") if d.exists() for p in d.iterdir()]
        return held, list(ImageLocation.objects.all())
    return check


@pytest.fixture
def web(http_server, settings):
    """web-download may reach this test's server (and only it): loopback allowed, its port only."""
    settings.IMPORT_ALLOW_PRIVATE_NETWORKS = True
    settings.IMPORT_ALLOWED_PORTS = [http_server.port]
    return http_server


def assert_queued(owner, image):
    body = owner.get(image_url(image["id"])).json()
    assert (body["status"], body["size"], body["checksum"], body["virtual_size"]) == ("queued", None, None, None)
    assert "os_glance_import_task" not in body


@pytest.mark.parametrize("make, disk_format, message", CASES)
def test_upload_refuses(owner, tmp_path, left_behind, make, disk_format, message):
    image = create(owner, name="bad", disk_format=disk_format, container_format="bare")
    response = upload(owner, image["id"], make(tmp_path))
    assert (response.status_code, response.json()["message"]) == (415, message)
    assert_queued(owner, image)
    assert left_behind() == ([], [])


@pytest.mark.parametrize("make, disk_format, message", CASES)
def test_stage_refuses(owner, tmp_path, left_behind, make, disk_format, message):
    image = create(owner, name="bad", disk_format=disk_format, container_format="bare")
    response = stage(owner, image["id"], make(tmp_path))
    assert (response.status_code, response.json()["message"]) == (415, message)
    assert_queued(owner, image)
    assert left_behind() == ([], [])


@pytest.mark.parametrize("make, disk_format, message", CASES)
def test_web_download_fails_its_task(owner, tmp_path, web, left_behind, run_imports, make, disk_format, message):
    image = create(owner, name="bad", disk_format=disk_format, container_format="bare")
    url = web.add_file("bad.img", make(tmp_path))
    with run_imports():
        assert start_import(owner, image["id"], "web-download", uri=url).status_code == 202
    assert_queued(owner, image)
    task = Task.objects.get(image_id=image["id"])
    assert (task.status, task.message) == ("failure", message)
    assert left_behind() == ([], [])


def test_web_download_of_good_data(owner, web, run_imports, left_behind):
    image = create(owner, name="good", disk_format="raw", container_format="bare")
    data = os.urandom(3 * 1024 * 1024 + 17)
    with run_imports():
        start_import(owner, image["id"], "web-download", uri=web.add_file("good.raw", data))
    body = owner.get(image_url(image["id"])).json()
    assert (body["status"], body["size"]) == ("active", len(data))
    assert owner.get(image_url(image["id"], "file")).getvalue() == data
    held, copies = left_behind()
    assert [p.name for p in held] == [image["id"]] and len(copies) == 1  # the store's copy, no staged data


@pytest.mark.parametrize("uri", [
    "http://127.0.0.1/image.raw", "http://localhost:80/image.raw", "http://[::1]/image.raw",
    "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", "ftp://127.0.0.1/image.raw",
])
def test_web_download_urls_refused_before_anything_starts(owner, uri, left_behind):
    image = create(owner, name="x", disk_format="raw", container_format="bare")
    response = start_import(owner, image["id"], "web-download", uri=uri)
    assert response.status_code == 400
    assert "URI for web-download does not pass filtering" in response.json()["message"]
    assert_queued(owner, image)
    assert not Task.objects.exists()
    assert left_behind() == ([], [])


@pytest.mark.parametrize("target", ["http://127.0.0.1:1/elsewhere", "http://169.254.169.254/latest/meta-data/",
                                    "file:///etc/passwd"])
def test_a_redirect_to_a_refused_address_fails_the_import(owner, web, run_imports, left_behind, target):
    image = create(owner, name="x", disk_format="raw", container_format="bare")
    web.add_file("real.raw", b"data")
    web.redirect("moved.raw", target)
    with run_imports():
        assert start_import(owner, image["id"], "web-download", uri=web.url("moved.raw")).status_code == 202
    assert_queued(owner, image)
    task = Task.objects.get(image_id=image["id"])
    assert task.status == "failure" and "Downloading" in task.message
    assert [request.path for request in web.requests] == ["/moved.raw"]  # the target was never asked
    assert left_behind() == ([], [])


def test_a_truncated_download_fails_the_import(owner, web, run_imports, left_behind):
    image = create(owner, name="x", disk_format="raw", container_format="bare")
    url = web.add_file("cut.raw", os.urandom(1 << 20))
    web.truncate("cut.raw", after=1000)
    with run_imports():
        start_import(owner, image["id"], "web-download", uri=url)
    assert_queued(owner, image)
    assert Task.objects.get(image_id=image["id"]).status == "failure"
    assert left_behind() == ([], [])
