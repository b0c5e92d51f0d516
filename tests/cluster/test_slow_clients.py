"""Slow and stalled clients through the front do not starve the others (tests/e2e/test_slow_clients.py is the
one-node version): half-open connections, uploads trickling a few bytes at a time, and downloads that are never
read, all held at once while other clients' requests succeed quickly. What bounds each is a setting: a request
head must arrive within 10 s, a silent client is cut off after 300 s (project/serving/haproxy.py, and the front's
copy in deploy/cluster_front.py)."""
import concurrent.futures
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest

from tests.e2e.test_slow_clients import TricklingUpload, half_open, timed_get
from tests.support.cluster_traffic import MiB, image_data

pytestmark = pytest.mark.cluster

HALF_OPEN, TRICKLING, STALLED_DOWNLOADS, NORMAL = 128, 12, 12, 100


def an_image(cluster, size):
    status, _, image = cluster.call("POST", "/v2/images", {"name": "big", "disk_format": "raw",
                                                           "container_format": "bare"})
    status, _, _ = cluster.call("PUT", f"/v2/images/{image['id']}/file", data=image_data(size),
                                headers={"Content-Type": "application/octet-stream"})
    assert status == 204
    return image["id"]


def stalled_download(address, image_id):
    """GET of an image's data whose answer is never read: the server's sends fill the socket buffers and stop."""
    sock = socket.create_connection(address)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(f"GET /v2/images/{image_id}/file HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Roles: admin\r\n\r\n".encode())
    return sock


def test_requests_succeed_quickly_among_stalled_downloads_trickling_uploads_and_half_open_connections(cluster):
    parts = urlsplit(cluster.url)
    address = (parts.hostname, parts.port)
    big = an_image(cluster, 48 * MiB)
    queued = [cluster.call("POST", "/v2/images", {"name": f"slow-{n}", "disk_format": "raw",
                                                  "container_format": "bare"})[2]["id"] for n in range(TRICKLING)]
    stop = threading.Event()
    held = [half_open(address) for _ in range(HALF_OPEN)] + [stalled_download(address, big)
                                                             for _ in range(STALLED_DOWNLOADS)]
    uploads = [TricklingUpload(address, image_id, stop) for image_id in queued]
    for upload in uploads:
        upload.start()
    try:
        time.sleep(2)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(timed_get, [f"{cluster.url}/v2/images?limit=5"] * NORMAL))
    finally:
        stop.set()
        for sock in held:
            sock.close()
    latencies = sorted(elapsed for _, elapsed in results)
    assert sum(ok for ok, _ in results) == NORMAL
    assert latencies[int(0.99 * NORMAL) - 1] < 2.0, f"p99 {latencies[int(0.99 * NORMAL) - 1]:.2f}s"
