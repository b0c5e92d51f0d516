"""An import worker killed in the middle of an import: the next start fails its task and undoes it.

`manage.py serve` starts a dead import worker again (project/serving/supervisor.py) while the API
stays up; the new worker, when it starts, fails the tasks of import workers of this host that are
gone: the user finds the task `failure`, the image `queued` with no data anywhere, and can simply
import again.

One crash per import method (glance-direct killed while copying staged data into the store,
web-download killed while fetching into staging), run once by the `crash` fixture; the tests check
what it left.
"""
import hashlib
import os
import signal
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import psutil
import pytest

from tests.support.http_calls import call, ok
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e

MiB = 1024 * 1024
INTERRUPTED = "The import was interrupted: the worker running it stopped."


def stage(server, image_id, path):
    """PUT the file at `path` to the image's staging area, streamed in 1 MiB blocks."""
    with open(path, "rb") as data:
        ok(server, "PUT", f"/v2/images/{image_id}/stage", data=data, blocksize=MiB,
           headers={"Content-Type": "application/octet-stream", "Content-Length": str(os.path.getsize(path))})


def import_(server, image_id, method):
    status, content = call(server, "POST", f"/v2/images/{image_id}/import", {"method": method})
    assert status == 202, content


def the_task(server, image_id):
    [task] = ok(server, "GET", f"/v2/images/{image_id}/tasks")["tasks"]
    return task


def wait_for(predicate, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not reached within {timeout}s: {what}")


def import_worker_of(server):
    """The pid of the import worker `manage.py serve` runs next to gunicorn (the gunicorn master's sibling)."""
    serve = psutil.Process(server.pid).parent()
    workers = [child.pid for child in serve.children() if "import_worker" in " ".join(child.cmdline())]
    assert len(workers) <= 1, workers
    return workers[0] if workers else None


def partial_files(directory, image_id):
    return list(directory.glob(f".{image_id}.*.part")) if directory.exists() else []


def contents(directory):
    return sorted(path.name for path in directory.iterdir()) if directory.exists() else []


class TricklingSource(BaseHTTPRequestHandler):
    """Announces a large body, sends its first 2 MiB, then holds the connection until released."""

    release = threading.Event()

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(256 * MiB))
        self.end_headers()
        self.wfile.write(b"\0" * 2 * MiB)
        self.wfile.flush()
        self.release.wait(120)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def trickling_url():
    source = ThreadingHTTPServer(("127.0.0.1", 0), TricklingSource)
    source.daemon_threads = True
    threading.Thread(target=source.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{source.server_address[1]}/disk.raw"
    TricklingSource.release.set()
    source.shutdown()
    source.server_close()


def glance_direct_killed_mid_copy(server, image_id, tmp_path, _):
    """Stage 512 MiB, import, and wait until the worker has copied some of it into the store."""
    big = tmp_path / "big.raw"
    with open(big, "wb") as sparse:
        sparse.truncate(512 * MiB)
    stage(server, image_id, big)
    import_(server, image_id, {"name": "glance-direct"})
    # The worker reports each 64 MiB copied.
    wait_for(lambda: the_task(server, image_id)["message"].startswith("Copied"), "the import copying data")
    assert partial_files(server.data_dir / "images", image_id)


def web_download_killed_mid_download(server, image_id, _, url):
    """Import from a source that stops sending after 2 MiB; wait until that reached staging."""
    import_(server, image_id, {"name": "web-download", "uri": url})
    wait_for(lambda: partial_files(server.data_dir / "staging", image_id), "the download reaching staging")


@dataclass
class Crash:
    server: LiveServer  # the service started again after the crash
    image_id: str
    task_id: str
    task: dict  # what the API shows once recovery has run
    image: dict
    staging: list  # the files of the staging directory and of the store then
    store: list
    imported_again: dict  # the image after a new stage + import
    data: bytes  # ... its data, and what it downloads
    downloaded: bytes


@pytest.fixture(scope="module", params=[glance_direct_killed_mid_copy, web_download_killed_mid_download],
                ids=["glance-direct", "web-download"])
def crash(request, tmp_path_factory, trickling_url):
    tmp_path = tmp_path_factory.mktemp("crash")
    # The web-download source is on loopback, which users' URLs may not name unless the operator allows it.
    server = LiveServer(tmp_path / "server", workers=1, extra_env={
        "IMPORT_ALLOW_PRIVATE_NETWORKS": "true", "IMPORT_ALLOWED_PORTS": str(urlsplit(trickling_url).port)})
    with server:
        image_id = ok(server, "POST", "/v2/images", {"name": "killed-mid-import", "disk_format": "raw",
                                                     "container_format": "bare"})["id"]
        request.param(server, image_id, tmp_path, trickling_url)
        running = the_task(server, image_id)
        assert running["status"] == "processing"
        assert ok(server, "GET", f"/v2/images/{image_id}")["status"] == "importing"
        kill_import_worker(server)
        yield recovered(server, image_id, running["id"], tmp_path)


def kill_import_worker(server):
    """SIGKILL the import worker; the supervisor starts another one and the API stays up."""
    killed = import_worker_of(server)
    assert killed is not None
    server.restarted_at = server.log_size()
    os.kill(killed, signal.SIGKILL)
    wait_for(lambda: "import_worker.0 exited with -9; restarting it" in server.log(since=server.restarted_at),
             "manage.py serve restarting its import worker", timeout=20)
    assert not server.crashed
    wait_for(lambda: import_worker_of(server) not in (None, killed), "a new import worker")


def recovered(server, image_id, task_id, tmp_path):
    # The new import worker fails the task, then removes the staged and partial data, then logs: once
    # logged, recovery is over.
    line = f"Import task {task_id} of image {image_id} failed: its worker"
    wait_for(lambda: line in server.log(since=server.restarted_at), "recovery logging the failed task", timeout=15)
    task, image = the_task(server, image_id), ok(server, "GET", f"/v2/images/{image_id}")
    staging, store = contents(server.data_dir / "staging"), contents(server.data_dir / "images")

    data = os.urandom(MiB + 17)
    (tmp_path / "again.raw").write_bytes(data)
    stage(server, image_id, tmp_path / "again.raw")
    import_(server, image_id, {"name": "glance-direct"})
    imported_again = wait_for(lambda: (body := ok(server, "GET", f"/v2/images/{image_id}"))["status"] not in
                              ("uploading", "importing") and body, "the second import ending")
    downloaded = ok(server, "GET", f"/v2/images/{image_id}/file") if imported_again["status"] == "active" else b""
    return Crash(server, image_id, task_id, task, image, staging, store, imported_again, data, downloaded)


def test_the_task_fails_saying_its_worker_stopped(crash):
    assert (crash.task["id"], crash.task["status"], crash.task["message"], crash.task["result"]) == (
        crash.task_id, "failure", INTERRUPTED, None)


def test_the_image_is_back_to_queued_without_data_or_import_lock(crash):
    assert (crash.image["status"], crash.image["checksum"], crash.image["os_hash_value"]) == ("queued", None, None)
    assert "os_glance_import_task" not in crash.image
    assert not [name for name in crash.staging + crash.store if crash.image_id in name]


def test_the_image_can_be_staged_and_imported_again(crash):
    md5, sha512 = hashlib.md5(crash.data).hexdigest(), hashlib.sha512(crash.data).hexdigest()
    image = crash.imported_again
    assert (image["status"], image["size"], image["checksum"], image["os_hash_value"]) == (
        "active", len(crash.data), md5, sha512)
    assert (hashlib.md5(crash.downloaded).hexdigest(), hashlib.sha512(crash.downloaded).hexdigest()) == (md5, sha512)
    tasks = ok(crash.server, "GET", f"/v2/images/{crash.image_id}/tasks")["tasks"]
    assert [(task["id"] == crash.task_id, task["status"]) for task in tasks] == [(True, "failure"), (False, "success")]


def test_nothing_is_left_of_the_partial_data_the_worker_was_writing(crash):
    assert (crash.staging, crash.store) == ([], [])
