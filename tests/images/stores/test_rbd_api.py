"""Images in an rbd store through the API: upload, download, Range, delete, clones (409), imports, stores detail."""
import hashlib
import os
import subprocess
import time

import pytest

from images.models import ImageLocation
from tests.images.conftest import create, image_url, upload
from tests.images.stores.rbd_support import MiB, clone, images_in_pool, rbd_cli, snapshots
from tests.images.stores.rbd_support import new_id  # noqa: F401  (a fixture)
from tests.images.test_audit import audit_json
from tests.images.test_data_api import Breaks, download, put_stream
from tests.images.test_import_api import run_imports, stage, start_import  # noqa: F401 (a fixture)
from tests.support.ceph_server import ceph_env  # noqa: F401  (a fixture)
from tests.support.disk_images import qcow2_with_data

pytestmark = pytest.mark.ceph

DATA = os.urandom(9 * MiB + 7)


@pytest.fixture
def rbd_store(settings, ceph_env, store_dir):  # noqa: F811
    settings.IMAGE_STORES = {
        "ceph": {"type": "rbd", "description": "Ceph", "weight": 5, "pool": ceph_env["CEPH_POOL"],
                 "ceph_conf": ceph_env["CEPH_CONF"], "chunk_size": 4},
        "file": {"type": "file", "directory": str(store_dir)},
    }
    settings.IMAGE_DEFAULT_STORE = "ceph"
    settings.SHOW_MULTIPLE_LOCATIONS = settings.SHOW_IMAGE_DIRECT_URL = True


@pytest.fixture
def rbd_image(owner, new_id, ceph_env):  # noqa: F811
    """A queued raw image whose id the test owns in the pool (its RBD image and clones go at the end)."""
    return create(owner, id=new_id(), name="cirros", disk_format="raw", container_format="bare")


def pool_location(env, image_id):
    return f"rbd://{env['CEPH_FSID']}/{env['CEPH_POOL']}/{image_id}/snap"


def test_upload_download_and_delete(owner, rbd_image, rbd_store, ceph_env, django_capture_on_commit_callbacks):
    image_id = rbd_image["id"]
    assert upload(owner, image_id, DATA).status_code == 204
    body = owner.get(image_url(image_id)).json()
    assert (body["status"], body["size"], body["stores"]) == ("active", len(DATA), "ceph")
    assert (body["checksum"], body["os_hash_value"]) == (hashlib.md5(DATA).hexdigest(),
                                                         hashlib.sha512(DATA).hexdigest())
    assert body["direct_url"] == pool_location(ceph_env, image_id)
    assert body["locations"] == [{"url": pool_location(ceph_env, image_id), "metadata": {"store": "ceph"}}]
    assert snapshots(ceph_env, image_id) == [("snap", "true")]
    response, data = download(owner, image_id)
    assert (response.status_code, response["Content-MD5"], data) == (200, body["checksum"], DATA)
    response, data = download(owner, image_id, HTTP_RANGE=f"bytes={4 * MiB - 2}-{8 * MiB + 1}")
    assert (response.status_code, data) == (206, DATA[4 * MiB - 2:8 * MiB + 2])
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.delete(image_url(image_id)).status_code == 204
    assert image_id not in images_in_pool(ceph_env)
    assert not ImageLocation.objects.filter(image_id=image_id).exists()


def test_a_broken_upload_is_the_clients_fault_and_leaves_no_rbd_image(owner, rbd_image, rbd_store, ceph_env):
    response = put_stream(owner, rbd_image["id"], Breaks(before=os.urandom(3 * MiB)))
    assert response.status_code == 400, response.content
    assert owner.get(image_url(rbd_image["id"])).json()["status"] == "queued"
    assert rbd_image["id"] not in images_in_pool(ceph_env)


@pytest.mark.parametrize("release", ["rm", "flatten"])
def test_a_clone_blocks_the_delete_with_409_until_it_is_released(owner, rbd_image, rbd_store, ceph_env, release,
                                                                  django_capture_on_commit_callbacks):
    image_id = rbd_image["id"]
    upload(owner, image_id, DATA)
    clone(ceph_env, image_id, f"{image_id}-child")
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.delete(image_url(image_id))
    assert response.status_code == 409
    assert (f"Image {image_id} could not be deleted because it is in use: The image cannot be deleted because it "
            "is in use through the backend store outside of Glance") in response.content.decode()
    assert owner.get(image_url(image_id)).json()["status"] == "active"
    assert download(owner, image_id)[1] == DATA
    assert snapshots(ceph_env, image_id) == [("snap", "true")]
    rbd_cli(ceph_env, release, f"{ceph_env['CEPH_POOL']}/{image_id}-child")
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.delete(image_url(image_id)).status_code == 204
    assert image_id not in images_in_pool(ceph_env)


def test_a_clone_blocks_removing_the_copy_from_the_store(owner, rbd_image, rbd_store, ceph_env, run_imports):
    image_id = rbd_image["id"]
    upload(owner, image_id, DATA)
    admin = owner.as_("tenant-a", roles="admin,member")
    with run_imports():
        assert start_import(admin, image_id, "copy-image", stores=["file"]).status_code == 202
    clone(ceph_env, image_id, f"{image_id}-child")
    response = admin.delete(f"/v2/stores/ceph/{image_id}")
    assert response.status_code == 409
    assert f"The data for Image {image_id} could not be deleted because it is in use" in response.content.decode()
    assert owner.get(image_url(image_id)).json()["stores"] == "ceph,file"


def test_image_conversion_lands_qcow2_in_rbd_as_raw(owner, rbd_store, new_id, ceph_env,  # noqa: F811
                                                    tmp_path, run_imports, settings):
    settings.IMPORT_PLUGINS = ["image_conversion"]
    image = create(owner, id=new_id(), name="q", disk_format="qcow2", container_format="bare")
    qcow2 = qcow2_with_data(tmp_path / "disk.qcow2", 6 * MiB)
    stage(owner, image["id"], qcow2)
    with run_imports():
        start_import(owner, image["id"])
    after = owner.get(image_url(image["id"])).json()
    assert (after["status"], after["disk_format"], after["stores"]) == ("active", "raw", "ceph")
    subprocess.run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", str(tmp_path / "disk.qcow2"),
                    str(tmp_path / "expected.raw")], check=True)
    rbd_cli(ceph_env, "export", f"{ceph_env['CEPH_POOL']}/{image['id']}@snap", str(tmp_path / "exported.raw"))
    expected = (tmp_path / "expected.raw").read_bytes()
    assert (tmp_path / "exported.raw").read_bytes() == expected
    assert after["os_hash_value"] == hashlib.sha512(expected).hexdigest()


def test_store_details_show_glances_rbd_properties(api, rbd_store, ceph_env):
    assert api.get("/v2/info/stores/detail").json()["stores"][0] == {
        "id": "ceph", "description": "Ceph", "default": "true", "type": "rbd", "weight": 5, "properties": {
            "chunk_size": 4 * MiB, "pool": ceph_env["CEPH_POOL"], "thin_provisioning": False,
            "fsid": ceph_env["CEPH_FSID"]}}


def test_the_health_check_asks_the_cluster_for_the_pool(owner, rbd_store, settings):
    response = owner.get("/healthcheck", headers={"HTTP_ACCEPT": "text/plain"})
    assert (response.status_code, response.content) == (200, b"OK")
    settings.IMAGE_STORES = {**settings.IMAGE_STORES, "ceph": {**settings.IMAGE_STORES["ceph"], "pool": "gone"}}
    response = owner.get("/healthcheck", headers={"HTTP_ACCEPT": "text/plain"})
    assert (response.status_code, response.content) == (503, b"DEFAULT STORE UNAVAILABLE")


def test_the_auditor_rehashes_rbd_images_and_removes_what_a_crashed_upload_left(owner, rbd_image, rbd_store,
                                                                                new_id, ceph_env):  # noqa: F811
    """An RBD image without its snapshot is an upload that never finished (the driver snapshots last)."""
    image_id, crashed = rbd_image["id"], new_id()
    assert upload(owner, image_id, DATA).status_code == 204
    rbd_cli(ceph_env, "create", "--size", "1M", f"{ceph_env['CEPH_POOL']}/{crashed}")
    ours = {image_id, crashed}

    def findings(*args):
        report, err = audit_json("--store", "ceph", *args)
        return [(f["kind"], f["image_id"], f["action"]) for f in report["findings"] if f["image_id"] in ours], err

    found, err = findings()
    assert found == [("orphan", crashed, "")]
    assert f"rbd://{ceph_env['CEPH_FSID']}/{ceph_env['CEPH_POOL']}/{image_id}/snap: {len(DATA)} byte(s), ok" in err
    time.sleep(1.1)  # the grace is counted from the RBD image's creation, in whole seconds
    assert findings("--fix", "--grace-hours", "0")[0] == [("orphan", crashed, "removed")]
    assert crashed not in images_in_pool(ceph_env)
    assert download(owner, image_id)[1] == DATA
    assert findings()[0] == []
