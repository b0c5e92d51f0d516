"""Run HAProxy in front of gunicorn as one service: start both, stop both, and exit when either exits."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from project.serving import haproxy
from project.serving.restarts import Restarts

GUNICORN_CONFIG = Path(__file__).resolve().parent / "gunicorn.conf.py"
ROOT = GUNICORN_CONFIG.parents[2]


class ServeError(RuntimeError):
    pass


def metrics_start(data_dir):
    """Every worker process (gunicorn's, the import workers) writes its metrics to files in one
    directory that a scrape adds up (prometheus-client's multiprocess mode); it is emptied at each start,
    as the counters restart. With METRICS_BIND, this process answers scrapes on that address too."""
    from django.conf import settings

    directory = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(data_dir / "prometheus")))
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    if settings.METRICS_BIND:
        from project.observability.exporter import serve_metrics

        serve_metrics(settings.METRICS_BIND)


def haproxy_bind(bind):
    """`fd://N` (an inherited listening socket, as gunicorn writes it) or host:port, in HAProxy's words."""
    return f"fd@{bind.removeprefix('fd://')}" if bind.startswith("fd://") else bind


class Service:
    """gunicorn on a unix socket in `data_dir`, HAProxy listening on `bind` in front of it."""

    def __init__(self, data_dir, *, bind, workers, threads, task_workers=0):
        self.data_dir, self.bind, self.workers, self.threads = Path(data_dir), bind, workers, threads
        self.task_workers = task_workers
        self.socket = self.data_dir / "gunicorn.sock"
        self.processes = {}
        self.restarts = Restarts()

    def start(self):
        if shutil.which("haproxy") is None:
            raise ServeError("haproxy is not installed (apt-get install haproxy; `make run` installs it).")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        metrics_start(self.data_dir)
        self.processes["gunicorn"] = self._gunicorn()
        self._wait_for_socket(timeout=60)
        config = self.data_dir / "haproxy.cfg"
        config.write_text(haproxy.config(bind=haproxy_bind(self.bind), socket=self.socket,
                                         slots=self.workers * self.threads))
        inherited = [int(self.bind.removeprefix("fd://"))] if self.bind.startswith("fd://") else []
        self.processes["haproxy"] = subprocess.Popen(["haproxy", "-W", "-db", "-f", str(config)], pass_fds=inherited)
        for number in range(self.task_workers):
            self._start_import_worker(f"import_worker.{number}")
        print(f"Serving on {self.bind}: HAProxy in front of gunicorn ({self.workers} workers x {self.threads} "
              f"threads, {self.socket}), {self.task_workers} import worker(s)", flush=True)

    def _gunicorn(self):
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "project.wsgi:application", "--config",
             str(GUNICORN_CONFIG), "--bind", f"unix:{self.socket}", "--workers", str(self.workers),
             "--threads", str(self.threads),
             # A worker takes no more connections than it has threads: one whose threads are all held
             # (slow uploads) leaves new requests to the others instead of queueing them behind its own.
             "--worker-connections", str(self.threads), "--pid", str(self.data_dir / "gunicorn.pid")], cwd=ROOT)

    def _start_import_worker(self, name):
        self.processes[name] = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "import_worker"], cwd=ROOT)
        self.restarts.started_now(name)

    def _restart_import_workers(self, ended):
        """An import worker that dies is started again (project/serving/restarts.py says when), and fails
        (and undoes) the import it ran when it starts: the API stays up."""
        for name in [name for name in ended if name.startswith("import_worker")]:
            ended.remove(name)
            if not self.restarts.waiting(name):
                delay = self.restarts.exited(name)
                print(f"{name} exited with {self.processes[name].returncode}; restarting it in {delay:g} s",
                      flush=True)
        for name in self.restarts.ready():
            self._start_import_worker(name)

    def _wait_for_socket(self, timeout):
        deadline = time.monotonic() + timeout
        while not self.socket.exists():
            if self.processes["gunicorn"].poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ServeError(f"gunicorn did not start listening on {self.socket}.")
            time.sleep(0.05)

    def wait(self):
        """Until a signal, or HAProxy or gunicorn exits; returns the exit status to leave with."""
        stopping = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.append(True))
        while not stopping:
            ended = [name for name, process in self.processes.items() if process.poll() is not None]
            self._restart_import_workers(ended)
            if ended:  # HAProxy or gunicorn ending ends the service
                print(f"{ended[0]} exited with {self.processes[ended[0]].returncode}; stopping", flush=True)
                self.stop()
                return 1
            time.sleep(0.2)
        self.stop()
        return 0

    def stop(self, timeout=20):
        # HAProxy first: no new requests reach gunicorn while it finishes the ones it has. An import
        # worker finishes the import it runs; one killed after the timeout has it failed on the next start.
        for name in ("haproxy", "gunicorn", *[name for name in self.processes if name.startswith("import_worker")]):
            process = self.processes.get(name)
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    os.kill(process.pid, signal.SIGKILL)
                    process.wait()
