"""gunicorn settings for `make run` and the end-to-end tests."""
from pathlib import Path

from project.env import read_all

# One control socket per data directory (gunicorn's default is one per user,
# which two servers on one machine would fight over).
control_socket = str(Path(read_all()["GLANCE_DATA_DIR"]) / "gunicorn.ctl")
# Image data streams for as long as it takes; a sync worker must not be killed mid-transfer.
timeout = 0
worker_class = "gthread"
threads = 4
# Request lines of up to 1 MiB (0: gunicorn's largest), headers of up to 32 KiB: Glance serves
# 70 KB query strings (an id=in: filter of a few hundred ids) and 16 KB headers (Keystone tokens).
limit_request_line = 0
limit_request_field_size = 32768
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss'


def on_starting(server):
    server.log.info("Glance-compatible API starting")


def pre_request(worker, req):
    from project.api.connection import remember_server_request

    remember_server_request(req)


def post_worker_init(worker):
    # A worker that replaces one killed mid-upload undoes that upload (and finishes removals) before serving.
    from images.recovery import worker_start_recover

    worker_start_recover()
