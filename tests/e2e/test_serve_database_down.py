"""`manage.py serve` while its database is down: the API answers (the health check says 503 DATABASE
UNAVAILABLE), and the import worker that cannot start is started again later and later rather than
once a second (project/serving/restarts.py)."""
import http.client
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from tests.support.live_server import PYTHON, ROOT

pytestmark = pytest.mark.e2e

RESTART = re.compile(r"import_worker\.0 exited with \d+; restarting it in (\d+) s")


def unused_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def serve_without_database(tmp_path):
    """The service on a MariaDB address nothing listens on; yields (port, log path)."""
    env = {**os.environ, "GLANCE_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "project.settings",
           "DATABASE_URL": f"mysql://root@127.0.0.1:{unused_port()}/glance", "TASK_WORKERS": "1"}
    listener = socket.create_server(("127.0.0.1", 0))
    log = tmp_path / "serve.log"
    with open(log, "ab") as out:
        process = subprocess.Popen([str(PYTHON), "manage.py", "serve", "--workers", "1", "--threads", "2",
                                    "--bind", f"fd://{listener.fileno()}"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, pass_fds=[listener.fileno()], start_new_session=True)
    port = listener.getsockname()[1]
    listener.close()
    try:
        yield port, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def health(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/healthcheck")
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_import_worker_waits_longer_after_each_failed_start(serve_without_database):
    port, log = serve_without_database
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(RESTART.findall(log.read_text())) < 4:
        time.sleep(0.2)
    assert RESTART.findall(log.read_text())[:4] == ["1", "2", "4", "8"], log.read_text()[-3000:]
    assert health(port) == (503, "DATABASE UNAVAILABLE")
