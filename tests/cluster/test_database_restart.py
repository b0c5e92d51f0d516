"""The cluster's MariaDB stopped for 10 s under load, then started again.

Requests in that window get 503 (a node's own "The database is unavailable", or the front's when every node's
health check says DATABASE UNAVAILABLE), never a 500 or a hung worker; the nodes recover without a restart.
"""
import time

import pytest

from tests.cluster.conftest import assert_all_succeed, assert_reconciled
from tests.support.cluster_audit import Ledger
from tests.support.cluster_traffic import Traffic

pytestmark = pytest.mark.cluster


def test_requests_while_the_database_restarts_are_503_and_the_nodes_recover_on_their_own(cluster):
    ledger = Ledger()
    traffic = Traffic(cluster.url, ledger, clients=4, timeout=30)
    with traffic.running():
        time.sleep(2)
        cluster.script("down", "mariadb")
        time.sleep(10)
        cluster.script("up", "mariadb")
        restarted = time.monotonic()
        for node in cluster.nodes:
            cluster.wait_front_sees(node, "UP", timeout=20)
        back_after = time.monotonic() - restarted
    failed = traffic.stats.errors()
    assert set(status for _, status in failed) <= {503, 404}, failed
    assert traffic.stats.statuses.get(("list", 503)), "no request met the stopped database"
    assert back_after < 10
    assert_all_succeed(cluster)
    assert_reconciled(cluster, ledger)
