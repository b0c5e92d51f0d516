"""Closing a keep-alive connection whose request body the service did not read.

After an early answer (a 404 to a PUT of image data, say) the rest of the body
is still on the socket. gunicorn drains at most 64 KiB of it after the response
and otherwise drops the connection without a word, though it just told the
client "keep-alive": the client's next request on it then fails. Asking
gunicorn to close before the answer goes out makes it say "Connection: close",
so clients open a new connection instead. gunicorn's pre_request hook
(project/gunicorn.conf.py) hands over its request object for this.
"""
import threading

_current = threading.local()


def remember_server_request(server_request):
    """Called by gunicorn's pre_request hook, on the thread that will run the application."""
    _current.request = server_request


def close_after_response():
    server_request = getattr(_current, "request", None)
    if server_request is not None:  # None under other servers (the test client, runserver)
        server_request.force_close()


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
