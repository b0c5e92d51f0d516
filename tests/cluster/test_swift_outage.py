"""The Swift proxy (the default store) stopped for 10 s under load, then started again.

Uploads in that window are 503 and leave nothing behind; downloads of images in a node's cache keep working;
everything recovers once the proxy is back.
"""
import hashlib
import time

import pytest

from tests.cluster.conftest import assert_all_succeed, assert_reconciled
from tests.support.cluster_audit import Ledger
from tests.support.cluster_traffic import Traffic, image_data

pytestmark = pytest.mark.cluster


def cached_image(cluster):
    """An image in every node's cache: uploaded, then downloaded once from each node."""
    data = image_data(2 * 1024 * 1024)
    status, _, image = cluster.call("POST", "/v2/images", {"name": "cached", "disk_format": "raw",
                                                           "container_format": "bare"})
    assert status == 201
    status, _, _ = cluster.call("PUT", f"/v2/images/{image['id']}/file", data=data,
                                headers={"Content-Type": "application/octet-stream"})
    assert status == 204
    for node in cluster.nodes:
        status, _, body = cluster.call("GET", f"/v2/images/{image['id']}/file", url=cluster.node_url(node))
        assert (status, body) == (200, data)
    return image["id"], hashlib.md5(data).hexdigest()


def test_uploads_while_swift_is_down_are_503_and_leave_nothing_and_cached_downloads_work(cluster):
    cached_id, md5 = cached_image(cluster)
    ledger = Ledger()
    traffic = Traffic(cluster.url, ledger, clients=4, mix={"upload": 50, "list": 30, "show": 20}, timeout=30)
    with traffic.running():
        time.sleep(2)
        cluster.script("down", "swift-proxy")
        try:
            time.sleep(3)  # long enough for every node's health check to have said DEFAULT STORE UNAVAILABLE
            # From each node, and through the front (which sends requests on when every node fails its check).
            downloads = [cluster.call("GET", f"/v2/images/{cached_id}/file", url=url)
                         for url in [*map(cluster.node_url, cluster.nodes), cluster.url, cluster.url]]
            time.sleep(7)
        finally:
            cluster.script("up", "swift-proxy")
        for node in cluster.nodes:
            cluster.wait_front_sees(node, "UP", timeout=20)
    assert [(status, hashlib.md5(body).hexdigest()) for status, _, body in downloads] == [(200, md5)] * 5
    failed = traffic.stats.errors()
    assert set(status for _, status in failed) <= {503}, failed
    assert failed.get(("upload", 503)) or failed.get(("create", 503)), "no upload met the stopped proxy"
    assert_all_succeed(cluster)
    assert_reconciled(cluster, ledger)
