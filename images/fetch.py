"""Open an http(s) URL for streaming, safely: every hop checked, the connection pinned to what was checked.

The URL and every redirect's Location pass images/urlcheck.check_url, and the connection goes to an
address that check approved, the URL's host travelling in the Host header and in TLS (SNI and the
certificate's name): the host is never looked up twice, so DNS cannot show the check one address and
the connection another. The reader gives exactly the bytes asked for, or raises: a body that ends
before the length the server announced is an error, never a short image.
"""
import http.client
import re
from urllib.parse import urljoin

import urllib3
from django.conf import settings
from urllib3.exceptions import ConnectTimeoutError, HTTPError, ProtocolError, ReadTimeoutError

from images.urlcheck import UrlError, check_url, resolve_host

REDIRECTS = (301, 302, 303, 307, 308)
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
USER_AGENT = "glance-compatible-image-service"
SKIP_CHUNK = 1024 * 1024


class FetchFailed(UrlError):
    """The URL passed the check but could not be read as asked (400 unless a caller says otherwise)."""


class TooManyRedirects(FetchFailed):
    pass


class HttpStatusError(FetchFailed):
    """The server answered with an error (or an unusable) status, kept in `http_status`."""

    def __init__(self, url, http_status, reason=""):
        self.http_status = http_status
        super().__init__(url, f"The server answered {http_status} {reason}".rstrip())


class ConnectionFailed(FetchFailed):
    """No connection, a TLS failure, a timeout, or the connection broke."""


class TruncatedBody(FetchFailed):
    """The body ended before the length the server announced."""


def open_url(url, *, policy, offset=0, length=None, method="GET", resolve=resolve_host, max_redirects=None,
             ca_certs=None, verify=True):
    """A Fetched reader over `length` bytes of `url` from `offset` (to the end when None).

    Range is asked for when offset or length is set; a server that ignores it and sends the whole
    data is read past `offset` and cut at `length`. Redirects are followed up to `max_redirects`
    (IMPORT_MAX_REDIRECTS when None), each target checked against `policy`. HTTPS certificates are
    verified (against `ca_certs` if given) unless `verify` is false. Raises UrlRefused, UrlError (a
    host that does not resolve), TooManyRedirects, HttpStatusError, ConnectionFailed, FetchFailed.
    """
    limit = settings.IMPORT_MAX_REDIRECTS if max_redirects is None else max_redirects
    timeout = urllib3.Timeout(connect=settings.HTTP_CONNECT_TIMEOUT, read=settings.HTTP_READ_TIMEOUT)
    current = url
    for _ in range(limit + 1):
        target = check_url(current, policy=policy, resolve=resolve)
        pool, response = _request(target, method, _headers(target, offset, length), timeout, (ca_certs, verify))
        location = response.headers.get("Location") if response.status in REDIRECTS else None
        if location is None:
            return _opened(target, pool, response, method, offset, length)
        _close(pool, response)
        current = urljoin(current, location)
    raise TooManyRedirects(url, f"More than {limit} redirects")


def _headers(target, offset, length):
    headers = {"Host": target.host_header, "Accept-Encoding": "identity", "User-Agent": USER_AGENT}
    if (offset or length) and length != 0:
        headers["Range"] = f"bytes={offset}-{'' if length is None else offset + length - 1}"
    if target.credentials:
        headers["Authorization"] = urllib3.util.make_headers(basic_auth=":".join(target.credentials))["authorization"]
    return headers


def _request(target, method, headers, timeout, tls):
    """The response from the first approved address that takes the connection."""
    failure = None
    for address in target.addresses:
        pool = _pool(target, address, timeout, *tls)
        try:
            return pool, pool.urlopen(method, target.request_target, headers=headers, redirect=False, retries=False,
                                      preload_content=False, decode_content=False, assert_same_host=False)
        except ConnectTimeoutError as exc:  # NewConnectionError too: try the next address
            pool.close()
            failure = exc
        except HTTPError as exc:
            pool.close()
            raise ConnectionFailed(target.url, f"The request to {target.host_header} failed: {_cause(exc)}") from None
    raise ConnectionFailed(target.url, f"Cannot connect to {target.host_header}: {_cause(failure)}")


def _pool(target, address, timeout, ca_certs, verify):
    """A pool of one connection to `address`, the only place this request may go."""
    if target.scheme == "http":
        return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, maxsize=1, retries=False)
    return urllib3.HTTPSConnectionPool(
        address, target.port, timeout=timeout, maxsize=1, retries=False, server_hostname=target.host,
        assert_hostname=target.host if verify else False, cert_reqs="CERT_REQUIRED" if verify else "CERT_NONE",
        ca_certs=ca_certs or None)


def _cause(exc):
    """The innermost reason of a urllib3 error (its `reason`, or what a ProtocolError wraps)."""
    inner = getattr(exc, "reason", None)
    if inner is None and isinstance(exc, ProtocolError) and len(exc.args) > 1:
        inner = exc.args[1]
    return str(inner or exc)


def _opened(target, pool, response, method, offset, length):
    try:
        if response.status not in (200, 206):
            raise HttpStatusError(target.url, response.status, response.reason or "")
        window = _window(target.url, response, offset, length)
        return Fetched(target.url, pool, response, **window, body=method != "HEAD")
    except FetchFailed:
        _close(pool, response)
        raise


def _window(url, response, offset, length):
    """Which bytes of the body to give: skip the first `skip`, then `count` (None: to the end)."""
    size = _content_length(url, response)
    if response.status == 206:
        found = CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
        if not found or int(found[1]) != offset or int(found[2]) < offset:
            raise FetchFailed(url, f"The server sent the range {response.headers.get('Content-Range')!r} "
                                   f"for bytes from {offset}")
        size, sent = (None if found[3] == "*" else int(found[3])), int(found[2]) - offset + 1
        return {"skip": 0, "count": sent if length is None else min(length, sent), "size": size, "announced": True}
    if size is None:
        return {"skip": offset, "count": length, "size": None, "announced": False}
    available = max(size - offset, 0)
    return {"skip": offset, "count": available if length is None else min(length, available), "size": size,
            "announced": True}


def _content_length(url, response):
    raw = response.headers.get("Content-Length")
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise FetchFailed(url, f"The server sent an invalid Content-Length {raw!r}")
    return int(raw)


def _is_truncation(exc):
    """urllib3's words for a body shorter than its Content-Length, or a chunked body cut between chunks."""
    return any(isinstance(arg, http.client.IncompleteRead) for arg in exc.args) or "ended prematurely" in str(exc)


def _close(pool, response):
    response.close()
    pool.close()


class Fetched:
    """An open response: read(size) and close(), giving only the bytes asked for.

    `status` is the server's (200, or 206 when it served the range), `size` the whole data's size when
    the server said (Content-Range's total, or Content-Length), `length` how many bytes read() will
    give (None: until the server ends the body), `url` the URL finally read (after redirects).
    """

    def __init__(self, url, pool, response, *, skip, count, size, announced, body=True):
        self.url, self.status, self.size, self.headers = url, response.status, size, response.headers
        self.length = count
        self._pool, self._response, self._skip, self._announced = pool, response, skip, announced
        self.remaining = count if body else 0

    def read(self, size=-1):
        wanted = self.remaining if size is None or size < 0 else size
        if self.remaining is not None:
            wanted = min(wanted, self.remaining)
        if wanted == 0:
            return b""
        if self._skip:
            self._skip_ahead()
        data = self._raw(wanted if wanted is not None else -1)
        if self.remaining is not None:
            if not data and self._announced:
                raise TruncatedBody(self.url, f"The body ended {self.remaining} bytes short of what the server "
                                              "announced")
            self.remaining = self.remaining - len(data) if data else 0
        return data

    def _skip_ahead(self):
        """Read past what a server that ignored Range sent before the wanted bytes."""
        while self._skip:
            data = self._raw(min(self._skip, SKIP_CHUNK))
            if not data:
                self._skip, self.remaining = 0, 0
                return
            self._skip -= len(data)

    def _raw(self, amount):
        try:
            return self._response.read(None if amount < 0 else amount)
        except ProtocolError as exc:
            if _is_truncation(exc):
                raise TruncatedBody(self.url, f"The body ended early: {_cause(exc)}") from None
            raise ConnectionFailed(self.url, f"The connection broke: {_cause(exc)}") from None
        except ReadTimeoutError:
            raise ConnectionFailed(self.url, "The server stopped sending (read timeout)") from None
        except (HTTPError, OSError) as exc:
            raise ConnectionFailed(self.url, f"The connection broke: {exc}") from None

    def close(self):
        _close(self._pool, self._response)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
