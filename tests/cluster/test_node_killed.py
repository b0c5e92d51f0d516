"""kill -9 of one API node (its HAProxy, gunicorn master and workers, import workers) in the middle of uploads.

The front stops sending it requests within its health check's time; the uploads it was receiving fail for their
clients; the other nodes, once the killed node's upload leases run out (UPLOAD_LEASE_SECONDS, conftest.LEASE),
return those images to `queued` with no data in any store, while that node is still down.
"""
import threading
import time

import pytest

from tests.cluster.conftest import LEASE, assert_all_succeed, assert_reconciled, nothing_receiving, wait_for
from tests.support.cluster_audit import Ledger
from tests.support.cluster_traffic import MiB, Client, Traffic

pytestmark = pytest.mark.cluster

UPLOADS = {"upload": 60, "list": 20, "show": 10, "download": 10}


def slow_upload_to(url, ledger):
    """One upload straight to a node (not through the front), trickling: certainly in flight when it is killed."""
    traffic = Traffic(url, ledger, sizes=(8 * MiB, 8 * MiB), trickle=0.2, chunk=64 * 1024)
    client = Client(traffic, 0)
    thread = threading.Thread(target=client.upload, daemon=True)
    thread.start()
    return traffic, thread


def test_a_node_killed_mid_upload_is_routed_around_and_its_uploads_undone_by_the_others_while_it_is_down(cluster):
    ledger = Ledger()
    traffic = Traffic(cluster.url, ledger, clients=6, mix=UPLOADS, sizes=(1 * MiB, 4 * MiB), trickle=0.02,
                      chunk=128 * 1024)
    direct_ledger = Ledger()
    direct, thread = slow_upload_to(cluster.node_url("node2"), direct_ledger)
    with traffic.running():
        time.sleep(3)
        cluster.script("kill", "node2")
        killed = time.monotonic()
        cluster.wait_front_sees("node2", "DOWN", timeout=10)
        routed_around_after = time.monotonic() - killed
        thread.join(30)
        time.sleep(2)
    try:
        assert routed_around_after < 5
        # The killed node's requests fail (a cut connection, or the front's 502 for a request it had passed on);
        # at most one per client was in flight. Nothing else fails.
        failed = traffic.stats.errors()
        assert set(status for _, status in failed) <= {0, 502}, failed
        assert sum(failed.values()) <= traffic.clients, failed
        assert direct.stats.statuses[("upload", 0)] == 1  # the trickling upload was cut off
        assert len(direct_ledger.failed_uploads) == 1
        assert_all_succeed(cluster)
        # node2 stays down: its leases run out and another node undoes its uploads (a lease and two rounds).
        wait_for(lambda: nothing_receiving(cluster), "the other nodes undid the killed node's uploads", LEASE * 2)
        ledger.failed_uploads |= direct_ledger.failed_uploads
        assert_reconciled(cluster, ledger)
        [cut_off] = direct_ledger.failed_uploads
        status, _, image = cluster.call("GET", f"/v2/images/{cut_off}")
        assert (status, image["status"], image["size"], image["checksum"]) == (200, "queued", None, None)
    finally:
        cluster.script("up", "node2")
    cluster.wait_front_sees("node2", "UP", timeout=15)
