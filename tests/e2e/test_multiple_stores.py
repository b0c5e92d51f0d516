"""Several stores through python-glanceclient: stores-info, image-create --store, stores-delete."""
import json

import pytest

from tests.e2e.conftest import Cli
from tests.e2e.test_glanceclient_metadefs import record
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def two_store_service(tmp_path_factory):
    root = tmp_path_factory.mktemp("two-stores")
    stores = {"fast": {"type": "file", "directory": str(root / "fast"), "weight": 10, "description": "SSD"},
              "bulk": {"type": "file", "directory": str(root / "bulk")}}
    with LiveServer(root / "server", extra_env={"IMAGE_STORES": json.dumps(stores),
                                                "IMAGE_DEFAULT_STORE": "bulk"}) as server:
        yield server, root


@pytest.fixture
def glance(two_store_service, client_env):
    server, _ = two_store_service
    return Cli("glance", ["--os-image-url", server.url, "--os-auth-token", "e2e-token"], client_env)


def test_stores_info_lists_both_stores(glance):
    output = glance("stores-info").stdout
    assert '"id": "fast"' in output and '"description": "SSD"' in output
    assert '"id": "bulk"' in output and '"default": "true"' in output


def test_upload_to_a_chosen_store_whose_only_copy_cannot_be_removed(glance, two_store_service, image_file):
    server, root = two_store_service
    image = record(glance("image-create", "--file", image_file.path, "--disk-format", "raw", "--container-format",
                          "bare", "--name", "on-fast", "--store", "fast").stdout)
    assert image["stores"] == "fast"
    assert (root / "fast" / image["id"]).read_bytes() == image_file.data
    refused = glance("stores-delete", "--store", "fast", image["id"], expect_failure=True)
    assert "only store containing it" in refused.stdout + refused.stderr
