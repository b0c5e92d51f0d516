"""A keystone-auth deploy/cluster (its own session: two nodes, --auth keystone): traffic with real tokens, and
Keystone stopped.

A token the nodes validated before is still accepted for KEYSTONE_TOKEN_CACHE_TIME (the shared memcached holds
it); a token they never saw is 503 "The Keystone service is temporarily unavailable." as Glance answers, never
a 401 or a 500; once Keystone is back that token works, without a restart of any node.
"""
import time

import pytest

from tests.cluster.conftest import assert_reconciled
from tests.support.cluster import Cluster, read_env
from tests.support.cluster_audit import Ledger
from tests.support.cluster_keystone import member_tokens
from tests.support.env_files import password_session
from tests.support.cluster_traffic import Traffic

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def keystone_cluster(tmp_path_factory):
    deployment = Cluster(tmp_path_factory.mktemp("keystone-cluster"), "--auth", "keystone", "--nodes", "2").start()
    yield deployment
    deployment.stop()


def token_of(cluster, user):
    return password_session(read_env(cluster.home / "keystone" / "env" / f"{user}.env")).get_token()


def images_with(cluster, token, url=None):
    status, _, body = cluster.call("GET", "/v2/images", headers={"X-Auth-Token": token, "Accept": "application/json"},
                                   url=url)
    return status, body


def test_while_keystone_is_down_cached_tokens_work_new_ones_are_503_and_all_work_once_it_is_back(keystone_cluster):
    cluster = keystone_cluster
    seen, unseen = token_of(cluster, "alpha-member"), token_of(cluster, "beta-member")
    for node in cluster.nodes:  # each node validates it once (the cache is shared, but be sure)
        assert images_with(cluster, seen, cluster.node_url(node))[0] == 200
    assert images_with(cluster, "not-a-token")[0] == 401
    cluster.script("down", "keystone")
    try:
        assert [images_with(cluster, seen, cluster.node_url(node))[0] for node in cluster.nodes] == [200, 200]
        status, body = images_with(cluster, unseen)
        assert (status, body) == (503, {"message": "The Keystone service is temporarily unavailable.",
                                        "code": "503 Service Unavailable", "title": "Service Unavailable"})
    finally:
        cluster.script("up", "keystone")
    assert [images_with(cluster, unseen, cluster.node_url(node))[0] for node in cluster.nodes] == [200, 200]


def test_traffic_with_the_tokens_of_members_of_several_projects_succeeds_and_reconciles(keystone_cluster):
    """What bench/bench_cluster.py --auth keystone runs at scale: uploads, downloads, sharing between projects
    (the member accepts with its own token), deletes."""
    ledger = Ledger()
    traffic = Traffic(keystone_cluster.url, ledger, clients=4, tokens=member_tokens(keystone_cluster, 3),
                      mix={"list": 20, "show": 10, "upload": 30, "download": 15, "share": 15, "delete": 10})
    with traffic.running():
        time.sleep(6)
    assert traffic.stats.errors() == {}
    done = {operation for operation, _ in traffic.stats.statuses}
    assert {"upload", "download", "accept", "delete"} <= done, done
    assert_reconciled(keystone_cluster, ledger)
