"""A request body the service did not read, after an early answer (a 404 to a PUT of image data, say).

The rest of the body is still on its way. If the connection were closed now,
HAProxy in front (or the client, with gunicorn alone) would see the write of the
body fail and could drop the answer; if it were kept without reading, the next
request would be read from the middle of this body. So the rest is read and
thrown away, for a bounded time and size; a client sending more or slower than
that is answered with "Connection: close": gunicorn is told through its request
object (handed over by the pre_request hook in project/serving/gunicorn.conf.py),
HAProxy through CLOSE_HEADER, which it turns into "Connection: close" and removes
(project/serving/haproxy.py).
"""
import threading
import time

CLOSE_HEADER = "X-Close-Connection"
DRAIN_BYTES = 256 * 1024 * 1024
DRAIN_SECONDS = 2.0
DRAIN_CHUNK = 1024 * 1024

_current = threading.local()


def remember_server_request(server_request):
    """Called by gunicorn's pre_request hook, on the thread that will run the application."""
    _current.request = server_request


def finish_unread_body(request, response):
    """Read what an early answer left of the body, or have the connection closed after the answer."""
    if body_left_unread(request, response) and not _drained(request.META.get("wsgi.input")):
        response[CLOSE_HEADER] = "1"
        server_request = getattr(_current, "request", None)
        if server_request is not None:  # None under other servers (the test client, runserver)
            server_request.force_close()


def _drained(stream):
    if stream is None:
        return False
    deadline, left = time.monotonic() + DRAIN_SECONDS, DRAIN_BYTES
    try:
        while left > 0 and time.monotonic() < deadline:
            chunk = stream.read(min(DRAIN_CHUNK, left))
            if not chunk:
                return True
            left -= len(chunk)
    except Exception:  # a broken body: the connection cannot be reused anyway
        return False
    return False


def body_left_unread(request, response):
    """Whether `request` came with a body that the answer may leave unread: an error answers
    before (or instead of) reading it; a success has read what it needed."""
    meta = request.META
    chunked = "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    if not chunked and length <= 0:
        return False
    return response.status_code >= 400
