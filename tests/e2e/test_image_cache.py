"""The image cache on a running node: glanceclient's cache-* commands, and two downloads racing to fill it.

The server runs with IMAGE_CACHE_DIR set, so its versions document lists v2.14-v2.18, which
glanceclient asks for before any cache command; `cache-queue` is fetched by the node's own
import worker (`manage.py serve` runs one) from the node's task queue.
"""
import http.client
import json
import os
import threading
import time
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import Cli
from tests.e2e.test_glanceclient_metadefs import table
from tests.e2e.test_two_nodes import call, ok, raw_image
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("cache-node")
    server = LiveServer(data_dir, workers=2, extra_env={
        "IMAGE_CACHE_DIR": str(data_dir / "cache"), "NODE_NAME": "cache-node", "TASK_WORKERS": "1"}).start()
    yield server
    server.stop()


@pytest.fixture
def glance(node, client_env):
    return Cli("glance", ["--os-image-url", node.url, "--os-auth-token", "e2e-token"], client_env)


def uploaded(node, data):
    image_id = raw_image(node, "cached")
    ok(node, "PUT", f"/v2/images/{image_id}/file", data=data, headers={"Content-Type": "application/octet-stream"})
    return image_id


def cache_rows(glance):
    return {row["ID"]: row for row in table(glance("cache-list").stdout)}


def wait_for_state(glance, image_id, state, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = cache_rows(glance)
        if image_id in rows and rows[image_id]["State"] == state:
            return rows[image_id]
        time.sleep(0.2)
    raise AssertionError(f"{image_id} not {state} after {timeout}s: {rows}")


def test_glanceclient_queues_lists_deletes_and_clears(node, glance):
    data = os.urandom(3 * MiB)
    image_id = uploaded(node, data)
    assert cache_rows(glance) == {}
    glance("cache-queue", image_id)
    row = wait_for_state(glance, image_id, "cached")  # fetched by this node's worker
    assert (row["Size"], row["Hits"]) == (str(len(data)), "0")
    status, body = call(node, "GET", f"/v2/images/{image_id}/file")
    assert (status, body) == (200, data)
    assert cache_rows(glance)[image_id]["Hits"] == "1"
    glance("cache-delete", image_id)
    assert cache_rows(glance) == {}
    call(node, "GET", f"/v2/images/{image_id}/file")  # a download fills it again
    assert cache_rows(glance)[image_id]["State"] == "cached"
    glance("cache-clear", "--target", "cache")
    assert cache_rows(glance) == {}
    assert "Pruned 0 file(s), 0 byte(s)." in glance("cache-prune").stdout
    glance("cache-clean")


@pytest.fixture
def openstack(node, client_env):
    return Cli("openstack", ["--os-auth-type", "none", "--os-endpoint", node.url, "--os-image-api-version", "2"],
               client_env)


def osc_rows(openstack):
    return {row["ID"]: row for row in json.loads(openstack("cached", "image", "list", "-f", "json").stdout)}


def test_openstackclient_cached_image_commands(node, openstack):
    data = os.urandom(2 * MiB)
    image_id = uploaded(node, data)
    openstack("cached", "image", "queue", image_id)
    deadline = time.monotonic() + 60
    while osc_rows(openstack).get(image_id, {}).get("State") != "cached":
        assert time.monotonic() < deadline, osc_rows(openstack)
        time.sleep(0.2)
    assert osc_rows(openstack)[image_id]["Size"] == len(data)
    openstack("cached", "image", "delete", image_id)
    assert image_id not in osc_rows(openstack)
    call(node, "GET", f"/v2/images/{image_id}/file")
    assert osc_rows(openstack)[image_id]["State"] == "cached"
    openstack("cached", "image", "clear", "--cache")
    assert osc_rows(openstack) == {}


def test_a_non_active_image_cannot_be_queued(node, glance):
    image_id = raw_image(node, "never uploaded")
    result = glance("cache-queue", image_id)
    assert "Only images with status active can be targeted for queueing" in result.stderr + result.stdout
    assert image_id not in cache_rows(glance)


def start_download(node, image_id):
    parts = urlsplit(node.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.request("GET", f"/v2/images/{image_id}/file")
    response = connection.getresponse()
    assert response.status == 200
    return connection, response


def test_two_workers_filling_one_image_at_once_keep_one_good_copy(node, glance):
    """Two downloads held mid-stream (each gunicorn worker blocked writing to its client) until both
    have a partial file, then finished: one cached file, one row, nothing partial left."""
    data = os.urandom(64 * MiB)  # far more than the socket buffers between a held client and its worker
    image_id = uploaded(node, data)
    incomplete = node.data_dir / "cache" / "incomplete"
    downloads = [start_download(node, image_id) for _ in range(2)]
    heads = [response.read(MiB) for _, response in downloads]
    deadline = time.monotonic() + 30
    while len(list(incomplete.glob(f"{image_id}.*"))) < 2:
        assert time.monotonic() < deadline, "the two downloads did not fill the cache at the same time"
        time.sleep(0.05)
    bodies = [None, None]

    def finish(index):
        bodies[index] = heads[index] + downloads[index][1].read()

    threads = [threading.Thread(target=finish, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for connection, _ in downloads:
        connection.close()
    assert bodies == [data, data]
    assert (node.data_dir / "cache" / image_id).read_bytes() == data
    assert list(incomplete.iterdir()) == []
    assert [row["State"] for row in table(glance("cache-list").stdout) if row["ID"] == image_id] == ["cached"]


def test_a_client_that_goes_away_mid_download_leaves_nothing_cached(node, glance):
    data = os.urandom(64 * MiB)
    image_id = uploaded(node, data)
    incomplete = node.data_dir / "cache" / "incomplete"
    connection, response = start_download(node, image_id)
    response.read(MiB)
    assert list(incomplete.glob(f"{image_id}.*")) != []
    connection.sock.shutdown(2)  # gone, as a killed client is
    connection.close()
    deadline = time.monotonic() + 30
    while list(incomplete.glob(f"{image_id}.*")):
        assert time.monotonic() < deadline, "the partial cache file outlived its download"
        time.sleep(0.1)
    assert not (node.data_dir / "cache" / image_id).exists()
    assert image_id not in cache_rows(glance)
