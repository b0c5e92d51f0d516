"""A worker killed in the middle of an upload: its replacement undoes the upload before serving."""
import json
import os
import signal
import socket
import time
import urllib.request
from urllib.parse import urlsplit

import pytest

from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e


def call(server, method, path, body=None):
    request = urllib.request.Request(server.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


def holder_of(server, image_id):
    """(status, upload_holder) as stored: the holder is never shown to clients."""
    script = (f"from images.models import Image; i = Image.objects.get(pk='{image_id}'); "
              "print(i.status, i.upload_holder)")
    return tuple(server.manage("shell", "-v", "0", "-c", script).split())


def wait_for(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_killed_worker_upload_returns_to_queued_without_partial_data(tmp_path):
    with LiveServer(tmp_path, workers=1) as server:
        image = call(server, "POST", "/v2/images", {"name": "big", "disk_format": "raw", "container_format": "bare"})
        parts = urlsplit(server.url)
        upload = socket.create_connection((parts.hostname, parts.port))
        upload.sendall((f"PUT /v2/images/{image['id']}/file HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                        "Content-Type: application/octet-stream\r\nContent-Length: 10485760\r\n\r\n").encode())
        upload.sendall(os.urandom(1024 * 1024))
        status, holder = wait_for(lambda: (row := holder_of(server, image["id"]))[0] == "saving" and row)
        wait_for(lambda: list((tmp_path / "images").glob(f".{image['id']}.*.part")))

        os.kill(int(holder.rpartition(":")[2]), signal.SIGKILL)
        upload.close()

        shown = wait_for(lambda: (body := call(server, "GET", f"/v2/images/{image['id']}"))["status"] == "queued"
                         and body)
        assert shown["size"] is None and shown["checksum"] is None
        assert list((tmp_path / "images").iterdir()) == []
        assert "Returned 1 interrupted upload(s) to queued" in server.log()
