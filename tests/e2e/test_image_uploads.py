"""Image data over real HTTP through gunicorn: both body framings, and a client that hangs up.

gunicorn, not Django, decodes a chunked body (no Content-Length), so only a live server
shows that such an upload arrives whole; and only a real socket closed mid-body shows
what a dropped connection leaves behind.
"""
import hashlib
import json
import os
import socket
import time
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

MiB = 1024 * 1024


class Http:
    """One keep-alive connection to the live service, as its default (admin) caller."""

    def __init__(self, url):
        parts = urlsplit(url)
        self.address = (parts.hostname, parts.port)
        self.connection = HTTPConnection(*self.address, timeout=60)

    def __call__(self, method, path, body=None, headers=None, **kwargs):
        self.connection.request(method, path, body=body, headers=headers or {}, **kwargs)
        response = self.connection.getresponse()
        return response.status, response.read()

    def json(self, method, path, document=None):
        body = json.dumps(document) if document is not None else None
        status, data = self(method, path, body, {"Content-Type": "application/json"})
        return status, json.loads(data) if data else None

    def new_image(self):
        status, image = self.json("POST", "/v2/images", {"disk_format": "raw", "container_format": "bare"})
        assert status == 201, image
        return image["id"]


@pytest.fixture
def http(live_service):
    client = Http(live_service.url)
    yield client
    client.connection.close()


def assert_stored(http, image_id, data):
    status, image = http.json("GET", f"/v2/images/{image_id}")
    assert (status, image["status"], image["size"]) == (200, "active", len(data))
    assert (image["checksum"], image["os_hash_value"]) == (hashlib.md5(data).hexdigest(),
                                                           hashlib.sha512(data).hexdigest())
    assert http("GET", f"/v2/images/{image_id}/file") == (200, data)


def test_chunked_upload_without_content_length(http):
    data = os.urandom(5 * MiB + 7)
    image_id = http.new_image()
    pieces = (data[start:start + 100_000] for start in range(0, len(data), 100_000))
    status, body = http("PUT", f"/v2/images/{image_id}/file", pieces,
                        {"Content-Type": "application/octet-stream"}, encode_chunked=True)
    assert (status, body) == (204, b"")
    assert_stored(http, image_id, data)


def test_upload_with_content_length(http):
    data = os.urandom(5 * MiB + 7)
    image_id = http.new_image()
    status, body = http("PUT", f"/v2/images/{image_id}/file", data, {"Content-Type": "application/octet-stream"})
    assert (status, body) == (204, b"")
    assert_stored(http, image_id, data)


def wait_for_status(http, image_id, wanted, timeout=15):
    deadline = time.monotonic() + timeout
    while (status := http.json("GET", f"/v2/images/{image_id}")[1]["status"]) != wanted:
        assert time.monotonic() < deadline, f"image {image_id} stayed {status}, expected {wanted}"
        time.sleep(0.05)


def test_interrupted_upload_leaves_the_image_queued_and_no_data(http, live_service):
    image_id = http.new_image()
    with socket.create_connection(http.address) as upload:
        upload.sendall(f"PUT /v2/images/{image_id}/file HTTP/1.1\r\nHost: {http.address[0]}\r\n"
                       f"Content-Type: application/octet-stream\r\nContent-Length: {10 * MiB}\r\n\r\n".encode())
        upload.sendall(os.urandom(MiB))
        wait_for_status(http, image_id, "saving")  # the upload is under way before the client goes
    wait_for_status(http, image_id, "queued")
    store = live_service.data_dir / "images"
    assert [path.name for path in store.iterdir() if image_id in path.name] == []
    image = http.json("GET", f"/v2/images/{image_id}")[1]
    assert (image["size"], image["checksum"], image["os_hash_value"]) == (None, None, None)
