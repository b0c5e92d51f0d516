"""The front of the service: HAProxy's configuration.

HAProxy (C, event-driven) holds every client connection and hands gunicorn only
requests whose head has arrived in full, so connections that open and stall
(slowloris, half-open sockets, idle keep-alives) cost gunicorn's threads
nothing. Bodies and answers stream through without buffering (uploads and
downloads keep their speed; gunicorn is on a unix socket next to the data).
"""
from project.api.connection import CLOSE_HEADER

# A request head (request line and headers) must arrive within this time: 408 otherwise.
HEAD_TIMEOUT = "10s"
# A client silent this long mid-request or mid-answer is cut off (a trickling upload is not silent).
CLIENT_TIMEOUT = "300s"
# gunicorn may take this long to answer (fsync of a large upload, a slow store).
SERVER_TIMEOUT = "600s"
# Requests waiting for a free gunicorn thread wait at most this long: 503 after.
QUEUE_TIMEOUT = "60s"
# 70 KB query strings and 16 KB headers (Glance's limits) must fit in one buffer.
BUFFER_BYTES = 131072
MAX_CONNECTIONS = 4096

TEMPLATE = """\
global
    maxconn {max_connections}
    tune.bufsize {buffer_bytes}
    log stderr format short local0 warning

defaults
    mode http
    log global
    option http-keep-alive
    option forwardfor
    timeout http-request {head_timeout}
    timeout http-keep-alive 10s
    timeout client {client_timeout}
    timeout connect 5s
    timeout server {server_timeout}
    timeout queue {queue_timeout}
    # 1 GiB uploads and downloads stream through; nothing is buffered whole.
    option splice-auto

frontend api
    bind {bind}
    maxconn {max_connections}
    default_backend gunicorn
    # The service left the request body unread (project/api/connection.py): say so and close,
    # rather than drop the connection the client believes is still open.
    http-response set-header Connection close if {{ res.hdr({close_header}) -m found }}
    http-response del-header {close_header}

backend gunicorn
    # As many requests at once as gunicorn has threads; the rest queue here, not in its backlog.
    server gunicorn unix@{socket} maxconn {slots}
"""


def config(*, bind, socket, slots):
    """HAProxy's configuration: `bind` as HAProxy writes it (127.0.0.1:9292, fd@3), gunicorn at `socket`."""
    return TEMPLATE.format(close_header=CLOSE_HEADER, bind=bind, socket=socket, slots=slots, max_connections=MAX_CONNECTIONS,
                           buffer_bytes=BUFFER_BYTES, head_timeout=HEAD_TIMEOUT, client_timeout=CLIENT_TIMEOUT,
                           server_timeout=SERVER_TIMEOUT, queue_timeout=QUEUE_TIMEOUT)
