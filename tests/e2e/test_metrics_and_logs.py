"""A served node's metrics add up every worker's (prometheus-client's multiprocess mode), on the API for
administrators and on METRICS_BIND for a scraper; LOG_FORMAT=json writes one JSON object per line."""
import json
import socket
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.http_calls import call, ok
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e

REQUESTS = 40


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    port = free_port()
    server = LiveServer(tmp_path_factory.mktemp("metrics-node"), workers=3,
                        extra_env={"METRICS_BIND": f"127.0.0.1:{port}", "LOG_FORMAT": "json"}).start()
    server.metrics_url = f"http://127.0.0.1:{port}/metrics"
    yield server
    server.stop()


def listed(text):
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "glance_http_requests_total" and sample.labels["route"] == "/v2/images" \
                    and sample.labels["method"] == "GET":
                yield sample.value


def test_every_workers_requests_are_counted_once(node):
    for _ in range(REQUESTS):
        ok(node, "GET", "/v2/images")
    status, body = call(node, "GET", "/metrics", headers={"Accept": "text/plain"})
    assert status == 200
    assert sum(listed(body.decode())) == REQUESTS
    with urllib.request.urlopen(node.metrics_url, timeout=10) as scrape:
        assert sum(listed(scrape.read().decode())) == REQUESTS


def test_the_api_refuses_metrics_to_members(node):
    status, _ = call(node, "GET", "/metrics", headers={"X-Roles": "member", "X-Project-Id": "p"})
    assert status == 403


def test_json_access_lines(node):
    offset = node.log_size()
    ok(node, "GET", "/v2/images?limit=3", headers={"X-Project-Id": "tenant-j", "X-User-Id": "jo",
                                                    "X-Roles": "member"})
    lines = [json.loads(line) for line in node.log(offset).splitlines() if line.startswith("{")]
    [entry] = [line for line in lines if line.get("logger") == "glance.access"]
    assert (entry["project"], entry["user"], entry["route"], entry["status"], entry["path"]) == (
        "tenant-j", "jo", "/v2/images", 200, "/v2/images")
    assert entry["request_id"].startswith("req-") and entry["client"] == "127.0.0.1"


def test_a_probe_without_host_header_is_answered_and_logged(node):
    """HTTP/1.0 without Host, as simple load balancer checks send it."""
    offset = node.log_size()
    host, port = node.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as probe:
        probe.sendall(b"GET /healthcheck HTTP/1.0\r\n\r\n")
        answer = b"".join(iter(lambda: probe.recv(65536), b""))
    assert answer.startswith(b"HTTP/1.0 200") and answer.endswith(b"\r\n\r\nOK"), answer
    lines = [json.loads(line) for line in node.log(offset).splitlines() if line.startswith("{")]
    assert [(line["route"], line["status"]) for line in lines if line.get("logger") == "glance.access"] == [
        ("/healthcheck", 200)]
