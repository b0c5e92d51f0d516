"""Uploads are inspected as they stream: real disk images made by qemu-img (Debian's qemu-utils)."""
import shutil
import subprocess

import pytest

from tests.images.conftest import create, image_url, upload

MiB = 1024 * 1024


def qemu_img(tmp_path, name, *options, size=None):
    assert shutil.which("qemu-img"), "qemu-img is missing (apt-get install qemu-utils; make test installs it)"
    path = tmp_path / name
    subprocess.run(["qemu-img", "create", "-q", *options, str(path), *([size] if size else [])], check=True)
    return path.read_bytes()


@pytest.fixture
def qcow2(tmp_path):
    return qemu_img(tmp_path, "disk.qcow2", "-f", "qcow2", size="64M")


def image_of(owner, disk_format, container_format="bare"):
    return create(owner, name=f"a {disk_format}", disk_format=disk_format, container_format=container_format)


def assert_refused(owner, image, data, store_dir, message):
    response = upload(owner, image["id"], data)
    assert (response.status_code, response.json()["message"]) == (415, message)
    body = owner.get(image_url(image["id"])).json()
    assert (body["status"], body["size"], body["virtual_size"]) == ("queued", None, None)
    assert list(store_dir.iterdir()) == []


def test_qcow2_gets_its_virtual_size(owner, qcow2):
    image = image_of(owner, "qcow2")
    assert upload(owner, image["id"], qcow2).status_code == 204
    body = owner.get(image_url(image["id"])).json()
    assert (body["status"], body["size"], body["virtual_size"]) == ("active", len(qcow2), 64 * MiB)


def test_data_that_is_not_its_disk_format_is_refused(owner, store_dir):
    assert_refused(owner, image_of(owner, "qcow2"), b"\0" * MiB, store_dir,
                   "Image disk_format qcow2 does not match stream data raw")


def test_a_qcow2_posing_as_vmdk_is_refused(owner, qcow2, store_dir):
    assert_refused(owner, image_of(owner, "vmdk"), qcow2, store_dir,
                   "Image disk_format vmdk does not match stream data qcow2")


def test_a_qcow2_with_a_backing_file_fails_the_safety_checks(owner, tmp_path, qcow2, store_dir):
    (tmp_path / "base.qcow2").write_bytes(qcow2)
    layered = qemu_img(tmp_path, "layered.qcow2", "-f", "qcow2", "-F", "qcow2", "-b", str(tmp_path / "base.qcow2"))
    assert_refused(owner, image_of(owner, "qcow2"), layered, store_dir, "Image failed safety checks")


def test_a_qcow2_with_an_external_data_file_fails_the_safety_checks(owner, tmp_path, store_dir):
    data_file = str(tmp_path / "payload.raw")
    external = qemu_img(tmp_path, "external.qcow2", "-f", "qcow2", "-o", f"data_file={data_file}", size="16M")
    assert_refused(owner, image_of(owner, "qcow2"), external, store_dir, "Image failed safety checks")


def test_data_claimed_raw_may_be_anything_and_is_sized_by_its_bytes(owner, qcow2):
    """As Glance: raw cannot be told from other content."""
    image = image_of(owner, "raw")
    assert upload(owner, image["id"], qcow2).status_code == 204
    assert owner.get(image_url(image["id"])).json()["virtual_size"] == len(qcow2)


def test_uninspectable_disk_formats_and_containers_are_not_refused(owner, qcow2):
    for image, data in ((image_of(owner, "ami"), b"kernel bytes" * 100), (image_of(owner, "qcow2", "ovf"), b"<ovf/>")):
        assert upload(owner, image["id"], data).status_code == 204
        assert owner.get(image_url(image["id"])).json()["virtual_size"] is None


def test_a_mismatch_only_warns_when_the_match_is_not_required(owner, settings):
    settings.IMAGE_FORMAT_MATCH_REQUIRED = False
    image = image_of(owner, "qcow2")
    assert upload(owner, image["id"], b"\0" * MiB).status_code == 204
    assert owner.get(image_url(image["id"])).json()["virtual_size"] is None


def test_vmdk_create_types_are_those_the_settings_allow(owner, tmp_path, store_dir, settings):
    sparse = qemu_img(tmp_path, "sparse.vmdk", "-f", "vmdk", "-o", "subformat=monolithicSparse", size="16M")
    settings.IMAGE_VMDK_ALLOWED_TYPES = ["streamOptimized"]
    assert_refused(owner, image_of(owner, "vmdk"), sparse, store_dir, "Image failed safety checks")
    settings.IMAGE_VMDK_ALLOWED_TYPES = ["streamOptimized", "monolithicSparse"]
    image = image_of(owner, "vmdk")
    assert upload(owner, image["id"], sparse).status_code == 204
    assert owner.get(image_url(image["id"])).json()["virtual_size"] == 16 * MiB
