"""The rbd store under gunicorn, driven by python-glanceclient, with the `rbd` command line as Nova would clone.

The service (`manage.py serve`) keeps its images in the one-node Ceph of .ci/ceph/start: `glance
image-create` lands an RBD image with a protected snapshot whose location the image shows, `glance
image-download` reads it back (glanceclient checks the md5), and a clone of the snapshot keeps
`glance image-delete` failing with the 409 until the clone is flattened.
"""
import json

import pytest

from tests.e2e.conftest import Cli
from tests.e2e.test_glanceclient_images import digest
from tests.e2e.test_glanceclient_metadefs import record
from tests.images.stores.rbd_support import images_in_pool, rbd_cli, remove_everything_named, snapshots
from tests.support.ceph_server import ceph_env  # noqa: F401  (a fixture)
from tests.support.live_server import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.ceph]


@pytest.fixture(scope="module")
def rbd_service(ceph_env, tmp_path_factory):  # noqa: F811
    stores = {"ceph": {"type": "rbd", "pool": ceph_env["CEPH_POOL"], "ceph_conf": ceph_env["CEPH_CONF"]}}
    root = tmp_path_factory.mktemp("rbd-service")
    made = set()
    with LiveServer(root / "server", extra_env={"IMAGE_STORES": json.dumps(stores), "IMAGE_DEFAULT_STORE": "ceph",
                                                "SHOW_IMAGE_DIRECT_URL": "true"}) as server:
        server.made = made
        yield server
    remove_everything_named(ceph_env, made | {f"{name}-child" for name in made})


@pytest.fixture
def glance(rbd_service, client_env):
    return Cli("glance", ["--os-image-url", rbd_service.url, "--os-auth-token", "e2e-token"], client_env)


def test_glanceclient_uploads_downloads_and_a_clone_holds_the_delete(glance, rbd_service, ceph_env, image_file,  # noqa: F811
                                                                      tmp_path):
    image = record(glance("image-create", "--file", image_file.path, "--disk-format", "qcow2", "--container-format",
                          "bare", "--name", "on-ceph").stdout)
    rbd_service.made.add(image["id"])
    pool, child = ceph_env["CEPH_POOL"], f"{image['id']}-child"
    assert (image["status"], image["checksum"], digest(image["os_hash_value"])) == ("active", image_file.md5,
                                                                                    image_file.sha512)
    assert digest(image["direct_url"]) == f"rbd://{ceph_env['CEPH_FSID']}/{pool}/{image['id']}/snap"
    assert snapshots(ceph_env, image["id"]) == [("snap", "true")]
    glance("image-download", "--file", tmp_path / "out", image["id"])
    assert (tmp_path / "out").read_bytes() == image_file.data
    rbd_cli(ceph_env, "clone", f"{pool}/{image['id']}@snap", f"{pool}/{child}")
    refused = glance("image-delete", image["id"], expect_failure=True)
    # glanceclient's words for a 409 to image-delete.
    assert refused.stderr == f"Unable to delete image '{image['id']}' because it is in use.\n"
    assert record(glance("image-show", image["id"]).stdout)["status"] == "active"
    rbd_cli(ceph_env, "flatten", f"{pool}/{child}")
    glance("image-delete", image["id"])
    assert image["id"] not in images_in_pool(ceph_env) and child in images_in_pool(ceph_env)
