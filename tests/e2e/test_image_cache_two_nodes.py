"""Two nodes with caches of their own, sharing MariaDB and a file store (a shared mount): the database
says which node holds what, and an image deleted through one node is gone from the other's cache."""
import os

import pytest

from tests.e2e.test_two_nodes import call, ok, raw_image, shared_database  # noqa: F401 - the fixture
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def nodes(shared_database, tmp_path_factory):  # noqa: F811
    root = tmp_path_factory.mktemp("cache-nodes")
    shared = {"DATABASE_URL": shared_database.url, "IMAGE_FILESYSTEM_DIR": str(root / "images"), "TASK_WORKERS": "0"}
    servers = [LiveServer(root / name, workers=1, extra_env={
        **shared, "NODE_NAME": name, "IMAGE_CACHE_DIR": str(root / name / "cache")}) for name in ("node-a", "node-b")]
    with servers[0], servers[1]:
        yield servers


def cached_ids(node):
    return [entry["image_id"] for entry in ok(node, "GET", "/v2/cache")["cached_images"]]


def test_each_node_caches_for_itself_and_a_delete_uncaches_everywhere(nodes):
    a, b = nodes
    data = os.urandom(3 * MiB)
    image_id = raw_image(a, "shared")
    ok(a, "PUT", f"/v2/images/{image_id}/file", data=data, headers={"Content-Type": "application/octet-stream"})
    assert call(a, "GET", f"/v2/images/{image_id}/file") == (200, data)
    assert (cached_ids(a), cached_ids(b)) == ([image_id], [])
    assert call(b, "GET", f"/v2/images/{image_id}/file") == (200, data)
    assert cached_ids(b) == [image_id]
    assert sorted(ok(a, "GET", f"/v2/cache/nodes/{image_id}")) == ["node-a", "node-b"]
    a_file = a.data_dir / "cache" / image_id
    assert a_file.read_bytes() == data
    assert call(b, "DELETE", f"/v2/images/{image_id}")[0] == 204
    assert (cached_ids(a), cached_ids(b)) == ([], [])
    assert not (b.data_dir / "cache" / image_id).exists()
    assert a_file.exists()  # node A's disk is not B's to touch: without its row the file is invalid
    assert "Removed 1 invalid or stalled" in a.manage("cache_clean")
    assert not a_file.exists()
