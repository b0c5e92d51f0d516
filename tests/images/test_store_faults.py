"""Store faults made to happen on real filesystems answer Glance's 4xx/503, never a 500, and lose nothing.

A full disk is a 1 MiB tmpfs, a read-only medium a tmpfs mounted read-only, a
directory that changed under the service a directory replaced by a file.
Mounting needs root (as on CI); elsewhere these tests skip saying so.
"""
import os
import shutil
import subprocess

import pytest

from tests.images.conftest import create, image_url, upload

MiB = 1024 * 1024


@pytest.fixture
def mount_point(tmp_path):
    mounted = []

    def mount(size="1m", *options):
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join([f"size={size}", *options]), "tmpfs",
                                 str(point)], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root): {result.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


def use_store(settings, directory):
    settings.IMAGE_STORES = {"file": {"type": "file", "directory": str(directory)}}


def assert_queued_and_empty(caller, image_id, directory):
    body = caller.get(image_url(image_id)).json()
    assert (body["status"], body["size"], body["checksum"]) == ("queued", None, None)
    assert [entry for entry in os.listdir(directory)] == []


def test_full_store_is_413_storage_full_and_leaves_nothing(owner, image, settings, mount_point):
    directory = mount_point("1m")
    use_store(settings, directory)
    response = upload(owner, image["id"], b"x" * (2 * MiB))
    assert response.status_code == 413
    assert response.json()["message"].startswith("Image storage media is full: ")
    assert_queued_and_empty(owner, image["id"], directory)


def test_read_only_store_is_503_write_denied(owner, image, settings, mount_point):
    directory = mount_point("1m", "ro")
    use_store(settings, directory)
    response = upload(owner, image["id"], b"data")
    assert response.status_code == 503
    assert response.json()["message"].startswith("Insufficient permissions on image storage media: ")
    assert_queued_and_empty(owner, image["id"], directory)


def test_store_directory_replaced_by_a_file(owner, settings, tmp_path):
    directory = tmp_path / "store"
    use_store(settings, directory)
    stored = create(owner, name="stored", disk_format="raw", container_format="bare")
    assert upload(owner, stored["id"], b"data").status_code == 204
    shutil.rmtree(directory)
    directory.write_bytes(b"not a directory any more")

    download = owner.get(image_url(stored["id"], "file"))
    assert download.status_code == 503, download.content
    assert "The file store failed" in download.json()["message"]
    queued = create(owner, name="queued", disk_format="raw", container_format="bare")
    assert upload(owner, queued["id"], b"data").status_code == 503
    assert owner.get(image_url(queued["id"])).json()["status"] == "queued"


def test_removed_store_directory(owner, image, settings, tmp_path, store_dir):
    """Data that vanished is Glance's 204 on download; the next upload recreates the directory."""
    assert upload(owner, image["id"], b"data").status_code == 204
    shutil.rmtree(store_dir)
    assert owner.get(image_url(image["id"], "file")).status_code == 204
    other = create(owner, name="next", disk_format="raw", container_format="bare")
    assert upload(owner, other["id"], b"more").status_code == 204
    assert owner.get(image_url(other["id"], "file")).getvalue() == b"more"


def test_data_in_a_store_no_longer_configured_is_503(owner, image, settings, tmp_path):
    assert upload(owner, image["id"], b"data").status_code == 204
    settings.IMAGE_STORES = {"elsewhere": {"type": "file", "directory": str(tmp_path / "new")}}
    settings.IMAGE_DEFAULT_STORE = "elsewhere"
    response = owner.get(image_url(image["id"], "file"))
    assert (response.status_code, response.json()["message"]) == (503, "Store file is not configured on this node.")
