"""A real HTTP server on 127.0.0.1 for tests that fetch URLs (the http store, web-download).

It serves the files of a directory with single byte ranges (206, Content-Range, 416) and HEAD, and
misbehaves on request: redirects (a registry, and /redirect/N/<path> chains), error statuses, bodies
cut short, bodies without a length, Range ignored. Every request it saw is in `.requests`.

    def test_download(http_server):
        url = http_server.add_file("image.raw", b"data")
"""
import datetime
import re
import ssl
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

RANGE = re.compile(r"bytes=(\d*)-(\d*)")
CHAIN = re.compile(r"/redirect/(\d+)(/.*)")


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    headers: object  # the request's headers (an email.message.Message: names in any case)


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up (the service closing a download it no longer needs) are not errors here."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class LocalHttpServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 (ephemeral port), started by `with` or start()."""

    def __init__(self, directory, *, tls=None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.tls = tls  # (certificate file, key file): serve https
        self.redirects = {}  # path -> (status, Location)
        self.failures = {}  # path -> status
        self.truncations = {}  # path -> bytes of the body sent before the connection is closed
        self.unsized = set()  # paths answered without Content-Length, the body ending when the connection closes
        self.honour_ranges = True
        self.requests = []
        self._httpd = self._thread = None

    def start(self):
        self._httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.site = self
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        # A short poll: shutdown() waits for it, once per test.
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="test-http-server", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def base_url(self):
        return self.url()

    def url(self, path="/", host="127.0.0.1"):
        """The URL of `path` here; `host` names the server otherwise (resolved by the test's own resolver)."""
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}/{path.lstrip('/')}"

    def add_file(self, name, data):
        """Serve `data` at /<name>; return its URL."""
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return self.url(name)

    def redirect(self, path, location, status=302):
        """Answer `path` with a redirect to `location` (absolute, or relative to this server)."""
        self.redirects["/" + path.lstrip("/")] = (status, location)

    def fail(self, path, status):
        self.failures["/" + path.lstrip("/")] = status

    def truncate(self, path, after):
        """Announce the whole body of `path` but close the connection after `after` bytes of it."""
        self.truncations["/" + path.lstrip("/")] = after

    def seen(self, method=None):
        return [request for request in self.requests if method in (None, request.method)]

    def location_for(self, path):
        if path in self.redirects:
            return self.redirects[path]
        chain = CHAIN.fullmatch(path)
        if chain:
            left, rest = int(chain[1]), chain[2]
            return 302, rest if left <= 1 else f"/redirect/{left - 1}{rest}"
        return None

    def data_for(self, path):
        file = (self.directory / unquote(path).lstrip("/")).resolve()
        if self.directory.resolve() not in file.parents or not file.is_file():
            return None
        return file.read_bytes()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self._answer(with_body=True)

    def do_HEAD(self):
        self._answer(with_body=False)

    def log_message(self, format, *args):
        pass  # the test's own assertions say what went wrong

    def _answer(self, with_body):
        site = self.server.site
        path = urlsplit(self.path).path
        site.requests.append(SeenRequest(self.command, self.path, self.headers))
        if path in site.failures:
            return self._plain(site.failures[path], f"failure {site.failures[path]}\n".encode(), with_body)
        location = site.location_for(path)
        if location:
            return self._plain(location[0], b"", with_body, Location=location[1])
        data = site.data_for(path)
        if data is None:
            return self._plain(404, b"404 Not Found\n", with_body)
        return self._data(site, path, data, with_body)

    def _plain(self, status, body, with_body, **headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _data(self, site, path, data, with_body):
        span = self._range(len(data)) if site.honour_ranges else None
        if span == "unsatisfiable":
            return self._plain(416, b"", with_body, **{"Content-Range": f"bytes */{len(data)}"})
        start, end = span or (0, len(data) - 1)
        piece = data[start:end + 1]
        self.send_response(206 if span else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        if span:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        if path not in site.unsized:
            self.send_header("Content-Length", str(len(piece)))
        if path in site.unsized or path in site.truncations:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if with_body:
            self.wfile.write(piece[:site.truncations.get(path, len(piece))])

    def _range(self, size):
        """(first, last) byte of a single Range; None to answer the whole file; "unsatisfiable" for 416."""
        found = RANGE.fullmatch(self.headers.get("Range", "").strip())
        if not found or found.groups() == ("", ""):
            return None
        first, last = found.groups()
        if first == "":
            first, last = max(size - int(last), 0), size - 1
        else:
            first, last = int(first), min(int(last), size - 1) if last else size - 1
        return "unsatisfiable" if first >= size or first > last else (first, last)


def self_signed_certificate(directory, host_name):
    """A certificate for `host_name` (and its key), files in `directory`: (certificate, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(host_name)]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    directory = Path(directory)
    certificate_file, key_file = directory / f"{host_name}.crt", directory / f"{host_name}.key"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return certificate_file, key_file


@pytest.fixture
def http_server(tmp_path):
    """A LocalHttpServer serving a fresh temporary directory, stopped after the test."""
    with LocalHttpServer(tmp_path / "http-root") as server:
        yield server
