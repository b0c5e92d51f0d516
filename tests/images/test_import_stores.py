"""Imports with several stores (copy-image, stores, all_stores, all_stores_must_succeed) and the import plugins."""
import hashlib
import subprocess

import pytest

from images.models import Task
from tests.images.conftest import create, image_url, upload
from tests.images.test_import_api import DATA, run_imports, stage, start_import  # noqa: F401 (fixture)
from tests.support.disk_images import qcow2_with_data

STORES = ("fast", "cheap", "far")


@pytest.fixture
def stores(settings, tmp_path):
    settings.IMAGE_STORES = {name: {"type": "file", "directory": str(tmp_path / name)} for name in STORES}
    settings.IMAGE_DEFAULT_STORE = "fast"
    return {name: tmp_path / name for name in STORES}


@pytest.fixture
def admin(owner):
    return owner.as_("tenant-a", roles="admin,member")


def files(directory):
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_copy_image_to_another_store(owner, admin, image, stores, run_imports):
    upload(owner, image["id"], DATA)
    with run_imports():
        assert start_import(admin, image["id"], "copy-image", stores=["cheap"]).status_code == 202
    after = owner.get(image_url(image["id"])).json()
    assert (after["status"], after["stores"]) == ("active", "fast,cheap")
    assert (after["os_glance_importing_to_stores"], after["os_glance_failed_import"]) == ("", "")
    assert files(stores["cheap"]) == [image["id"]]
    assert (stores["cheap"] / image["id"]).read_bytes() == DATA


def test_copy_image_all_stores_skips_those_holding_it(owner, admin, image, stores, run_imports):
    upload(owner, image["id"], DATA)
    with run_imports():
        assert start_import(admin, image["id"], "copy-image", all_stores=True).status_code == 202
    assert owner.get(image_url(image["id"])).json()["stores"] == "fast,cheap,far"
    task = Task.objects.get(image_id=image["id"])
    assert task.input["backend"] == ["cheap", "far"]


def test_copy_image_to_a_store_holding_it_is_400(owner, admin, image, stores):
    upload(owner, image["id"], DATA)
    response = start_import(admin, image["id"], "copy-image", stores=["fast"])
    assert response.status_code == 400
    assert "Image is already present at store 'fast'" in response.content.decode()


def test_copy_image_needs_the_copy_image_rule(owner, image, stores):
    upload(owner, image["id"], DATA)
    assert start_import(owner, image["id"], "copy-image", stores=["cheap"]).status_code == 403


def test_import_to_an_unknown_store_is_409(owner, image, stores):
    stage(owner, image["id"])
    response = start_import(owner, image["id"], stores=["tape"])
    assert response.status_code == 409
    assert "Unknown scheme 'tape' found in URI" in response.content.decode()


def test_stores_and_the_store_header_together_are_400(owner, image, stores):
    stage(owner, image["id"])
    response = start_import(owner, image["id"], stores=["cheap"], headers={"HTTP_X_IMAGE_META_STORE": "far"})
    assert response.status_code == 400


def test_glance_direct_into_several_stores(owner, image, stores, run_imports):
    stage(owner, image["id"])
    with run_imports():
        start_import(owner, image["id"], stores=["cheap", "far"])
        during = owner.get(image_url(image["id"])).json()
        assert during["os_glance_importing_to_stores"] == "cheap,far"
    after = owner.get(image_url(image["id"])).json()
    assert (after["status"], after["stores"], after["os_glance_importing_to_stores"]) == ("active", "cheap,far", "")
    assert after["os_hash_value"] == hashlib.sha512(DATA).hexdigest()
    assert files(stores["fast"]) == []


def test_a_failing_store_fails_the_import_when_all_must_succeed(owner, image, stores, run_imports):
    stage(owner, image["id"])
    stores["far"].write_text("a file where the store's directory should be")
    with run_imports():
        start_import(owner, image["id"], stores=["cheap", "far"])
    after = owner.get(image_url(image["id"])).json()
    # As Glance: only the store that failed is listed; cheap's copy is undone, not failed.
    assert (after["status"], after["os_glance_failed_import"], after["os_glance_importing_to_stores"]) == (
        "queued", "far", "")
    assert files(stores["cheap"]) == []
    assert Task.objects.get(image_id=image["id"]).status == "failure"


def test_a_failing_store_is_listed_when_not_all_must_succeed(owner, image, stores, run_imports):
    stage(owner, image["id"])
    stores["far"].write_text("a file where the store's directory should be")
    with run_imports():
        start_import(owner, image["id"], stores=["cheap", "far"], all_stores_must_succeed=False)
    after = owner.get(image_url(image["id"])).json()
    assert (after["status"], after["stores"], after["os_glance_failed_import"]) == ("active", "cheap", "far")
    assert Task.objects.get(image_id=image["id"]).status == "success"


def test_inject_image_metadata(owner, image, run_imports, settings):
    settings.IMPORT_PLUGINS = ["inject_image_metadata"]
    settings.INJECT_METADATA_PROPERTIES = {"hw_rng_model": "virtio", "injected": "yes"}
    stage(owner, image["id"])
    with run_imports():
        start_import(owner, image["id"])
    after = owner.get(image_url(image["id"])).json()
    assert (after["status"], after["hw_rng_model"], after["injected"]) == ("active", "virtio", "yes")


def test_inject_image_metadata_leaves_admins_imports_alone(owner, settings, run_imports):
    settings.IMPORT_PLUGINS = ["inject_image_metadata"]
    settings.INJECT_METADATA_PROPERTIES = {"injected": "yes"}
    admin = owner.as_("tenant-a", roles="admin")
    image = create(admin, name="admin's", disk_format="raw", container_format="bare")
    stage(admin, image["id"])
    with run_imports():
        start_import(admin, image["id"])
    assert "injected" not in admin.get(image_url(image["id"])).json()


def test_image_conversion_turns_qcow2_into_raw(owner, tmp_path, run_imports, settings):
    settings.IMPORT_PLUGINS = ["image_conversion"]
    image = create(owner, name="q", disk_format="qcow2", container_format="bare")
    qcow2 = qcow2_with_data(tmp_path / "disk.qcow2", 2 * 1024 * 1024)
    stage(owner, image["id"], qcow2)
    with run_imports():
        start_import(owner, image["id"])
    after = owner.get(image_url(image["id"])).json()
    raw = owner.get(image_url(image["id"], "file")).getvalue()
    subprocess.run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", str(tmp_path / "disk.qcow2"),
                    str(tmp_path / "expected.raw")], check=True)
    expected = (tmp_path / "expected.raw").read_bytes()
    assert (after["status"], after["disk_format"], after["size"], after["virtual_size"]) == (
        "active", "raw", 2 * 1024 * 1024, 2 * 1024 * 1024)
    assert raw == expected
    assert after["os_hash_value"] == hashlib.sha512(raw).hexdigest()
