"""Slow and stalled clients never take the service down (HAProxy holds them; gunicorn never sees them).

Half-open connections send the start of a request head and then nothing (slowloris);
trickling uploads send an image a few bytes at a time, half of them to images that do
not exist (answered at once, while the client goes on sending). Meanwhile another
client's requests must all succeed, quickly.
"""
import concurrent.futures
import socket
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.e2e

HALF_OPEN = 256
TRICKLING = 16
NORMAL = 100


def half_open(address):
    sock = socket.create_connection(address)
    sock.sendall(b"GET /v2/images HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Started: but-never-fin")
    return sock


class TricklingUpload(threading.Thread):
    """PUT of image data at a few bytes a second, for as long as the test runs."""

    def __init__(self, address, image_id, stop):
        super().__init__(daemon=True)
        self.address, self.image_id, self.stop = address, image_id, stop

    def run(self):
        sock = socket.create_connection(self.address)
        sock.sendall((f"PUT /v2/images/{self.image_id}/file HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
        while not self.stop.wait(0.5):
            try:
                sock.sendall(b"4\r\ndata\r\n")
            except OSError:
                break
        sock.close()


def timed_get(url):
    started = time.perf_counter()
    try:
        ok = requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        ok = False
    return ok, time.perf_counter() - started


def test_normal_requests_succeed_among_half_open_connections_and_trickling_uploads(live_service):
    parts = urlsplit(live_service.url)
    address = (parts.hostname, parts.port)
    images = [requests.post(f"{live_service.url}/v2/images", json={"name": f"slow-{n}", "disk_format": "raw",
                                                                  "container_format": "bare"}).json()["id"]
              for n in range(TRICKLING // 2)] + [str(uuid.uuid4()) for _ in range(TRICKLING // 2)]
    stop = threading.Event()
    stalled = [half_open(address) for _ in range(HALF_OPEN)]
    uploads = [TricklingUpload(address, image_id, stop) for image_id in images]
    for upload in uploads:
        upload.start()
    try:
        time.sleep(1)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(timed_get, [f"{live_service.url}/v2/images?limit=5"] * NORMAL))
    finally:
        stop.set()
        for sock in stalled:
            sock.close()
    latencies = sorted(elapsed for _, elapsed in results)
    assert sum(ok for ok, _ in results) == NORMAL
    assert latencies[int(0.99 * NORMAL) - 1] < 1.0, f"p99 {latencies[int(0.99 * NORMAL) - 1]:.2f}s"
