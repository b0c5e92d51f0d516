"""gunicorn settings for `manage.py serve` (make run, the end-to-end tests): workers behind HAProxy."""
import socket
from pathlib import Path

from gunicorn import util

from project.env import read_all

# One control socket per data directory (gunicorn's default is one per user,
# which two servers on one machine would fight over).
control_socket = str(Path(read_all()["GLANCE_DATA_DIR"]) / "gunicorn.ctl")
# Image data streams for as long as it takes; a sync worker must not be killed mid-transfer.
timeout = 0
worker_class = "gthread"
# No keep-alive behind HAProxy (which keeps the clients' connections alive): a worker takes only as
# many connections as it has threads (manage.py serve sets both), so none waits behind a busy one,
# and a new unix-socket connection per request costs next to nothing.
keepalive = 0
# Request lines of up to 1 MiB (0: gunicorn's largest), headers of up to 32 KiB: Glance serves
# 70 KB query strings (an id=in: filter of a few hundred ids) and 16 KB headers (Keystone tokens).
limit_request_line = 0
limit_request_field_size = 32768
# No access log of gunicorn's: the service writes one line per request itself (project/observability),
# with who asked and which route answered.
accesslog = None


def _close_unix_at_once(close_graceful):
    """gunicorn closes a connection by reading what the peer still sends for up to 2 s, on the worker's
    main thread, where every other connection of the worker waits meanwhile: a client trickling the
    body of a request already answered would stall them all. The lingering is there so that TCP does
    not reset an answer in flight; on the unix socket from HAProxy nothing is reset, so close at once."""
    def close(sock, *args, **kwargs):
        if sock.family == socket.AF_UNIX:
            return util.close(sock)
        return close_graceful(sock, *args, **kwargs)
    return close


def post_fork(server, worker):
    util.close_graceful = _close_unix_at_once(util.close_graceful)


def on_starting(server):
    server.log.info("Glance-compatible API starting")


def pre_request(worker, req):
    from project.api.connection import remember_server_request

    remember_server_request(req)


def post_worker_init(worker):
    # A worker that replaces one killed mid-upload undoes that upload (and finishes removals) before serving.
    # Its uploads' leases are renewed, and any node's that ran out undone, from a thread of its own.
    from images.recovery import worker_start_recover
    from images.upload_leases import keeper_start

    worker_start_recover()
    keeper_start()
