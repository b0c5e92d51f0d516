"""An upload whose PUT the Swift proxy answered 503 although the object was stored (a proxy that gave up waiting
for a busy object server: "Trying to get final status of PUT ... Timeout") leaves nothing behind.

Found by bench/bench_cluster.py's reconciliation (orphaned objects under load). The real Swift of
.ci/swift/start stores the object; a relay between the driver and it passes every request on and, for the PUT of
an object, hands the driver a 503 in place of Swift's answer.
"""
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from images.stores.errors import StoreFault
from tests.images.stores.conftest import object_names

pytestmark = pytest.mark.swift
IMAGE_ID = "0b5a4c3e-2d1f-4e6a-9b8c-7d6e5f4a3b2c"


def _body(handler):
    if handler.headers.get("Transfer-Encoding", "").lower() != "chunked":
        return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    pieces = []
    while size := int(handler.rfile.readline().split(b";")[0], 16):
        pieces.append(handler.rfile.read(size))
        handler.rfile.readline()
    handler.rfile.readline()
    return b"".join(pieces)


def relay_to(swift_url, own_url):
    """A server passing requests to Swift; a PUT of an object (four path parts) is answered 503 once stored."""
    target = urlsplit(swift_url)

    class Relay(BaseHTTPRequestHandler):
        def _relay(self):
            body = _body(self)
            headers = {name: value for name, value in self.headers.items() if name.lower() != "transfer-encoding"}
            headers["Content-Length"] = str(len(body))
            upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            content = answer.read()
            lost = self.command == "PUT" and self.path.count("/") == 4 and answer.status == 201
            self.send_response(503 if lost else answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value.replace(swift_url, own_url()))
            self.send_header("Content-Length", str(0 if lost else len(content)))
            self.end_headers()
            if not lost and self.command != "HEAD":
                self.wfile.write(content)

        do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _relay

        def log_message(self, *args):
            pass

    return Relay


@pytest.fixture
def lossy_swift_url(swift_env):
    parts = urlsplit(swift_env["SWIFT_AUTH_URL"])
    swift_url = f"{parts.scheme}://{parts.netloc}"
    server = ThreadingHTTPServer(("127.0.0.1", 0), relay_to(swift_url, lambda: own))
    own = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"{own}{parts.path}"
    server.shutdown()


def test_an_upload_whose_put_answer_was_lost_removes_the_stored_object(make_swift_store, lossy_swift_url, swift,
                                                                      container_name):
    store = make_swift_store(auth_url=lossy_swift_url)
    with pytest.raises(StoreFault):
        store.add(IMAGE_ID, iter([b"data the proxy stored but said it did not"]))
    assert object_names(swift, container_name) == []
