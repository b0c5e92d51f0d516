"""The front HAProxy answers /healthcheck, spreads requests over the nodes, and routes around a drained one."""
import pytest

pytestmark = pytest.mark.cluster


def served_by(cluster, count=30):
    answers = [cluster.call("GET", "/v2/images?limit=1") for _ in range(count)]
    assert [status for status, _, _ in answers] == [200] * count
    return {headers["X-Served-By"] for _, headers, _ in answers}


def test_front_answers_healthcheck_and_spreads_requests_over_every_node(cluster):
    status, _, content = cluster.call("GET", "/healthcheck")
    assert (status, content) == (200, b"OK")
    assert served_by(cluster) == set(cluster.nodes)


def test_front_routes_around_a_node_disabled_by_file_and_back_when_enabled(cluster):
    cluster.script("drain", "node1")
    try:
        status, _, content = cluster.call("GET", "/healthcheck", url=cluster.node_url("node1"))
        assert (status, content) == (503, b"DISABLED BY FILE")
        cluster.wait_front_sees("node1", "DOWN", timeout=10)
        assert served_by(cluster) == set(cluster.nodes) - {"node1"}
    finally:
        cluster.script("undrain", "node1")
    cluster.wait_front_sees("node1", "UP", timeout=10)
    assert "node1" in served_by(cluster)
