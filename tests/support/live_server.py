"""Run the real service under gunicorn in a throwaway data directory.

The test suite's own harness (tests/e2e, tests/keystone, tests/browser), also used by the
benchmarks in bench/, so both measure and exercise exactly what `make run` starts:
`manage.py serve` (HAProxy in front of gunicorn, project/serving/), real worker
processes, a fresh SQLite database, static files collected into its data directory.
"""
import http.client
import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"


class ServerError(RuntimeError):
    pass


class LiveServer:
    """HAProxy, one gunicorn master and its workers; `.url` and `.env` describe it to clients.

    `.env` is the environment the server runs with, so `manage()` (and any other
    subprocess given it) reads and writes the same database.
    """

    def __init__(self, data_dir, workers=2, extra_env=None, threads=None):
        self.data_dir = Path(data_dir)
        self.workers, self.threads = workers, threads
        self.log_path = self.data_dir / "gunicorn.log"
        self.database = ThrowawayDatabase.for_environment(self.data_dir)
        self.env = {
            **os.environ,
            "GLANCE_DATA_DIR": str(self.data_dir),
            "DATABASE_URL": self.database.url,
            "DJANGO_SETTINGS_MODULE": "project.settings",
            **(extra_env or {}),
        }
        self.url = None
        self._process = None

    def manage(self, *args):
        """Run a management command against the server's database; raise with its output if it fails."""
        result = subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True)
        if result.returncode:
            raise ServerError(f"manage.py {' '.join(args)} exited {result.returncode}:\n"
                              f"{result.stdout}{result.stderr}")
        return result.stdout

    def start(self, timeout=30):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.database.create()
        self.manage("migrate", "--noinput", "-v0")
        # As `make run` does: the admin's pages name hashed files that only collectstatic writes.
        self.manage("collectstatic", "--noinput", "-v0")
        # The listening socket is made here and inherited by gunicorn: the port is
        # known before the server starts and no other process can take it in between
        # (several test sessions may run side by side on one machine).
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        try:
            with open(self.log_path, "ab") as log:
                threads = ["--threads", str(self.threads)] if self.threads else []
                self._process = subprocess.Popen(
                    [str(PYTHON), "manage.py", "serve", "--workers", str(self.workers), *threads,
                     "--bind", f"fd://{listener.fileno()}"],
                    cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                    pass_fds=[listener.fileno()], start_new_session=True,
                )
        finally:
            listener.close()
        self.url = f"http://127.0.0.1:{port}"
        self._wait_until_ready(port, timeout)
        return self

    def _wait_until_ready(self, port, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerError(f"manage.py serve exited with {self._process.returncode}:\n{self.log()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/versions")
                status = connection.getresponse().status
                connection.close()
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise ServerError(f"GET /versions did not answer within {timeout}s:\n{self.log()}")

    def stop(self, timeout=15):
        """Stop gracefully; kill the server's own process group if it hangs."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self.database.drop()

    @property
    def pid(self):
        """The gunicorn master's process id (its workers are its children)."""
        pidfile = self.data_dir / "gunicorn.pid"
        return int(pidfile.read_text()) if self._process and pidfile.exists() else None

    @property
    def crashed(self):
        return self._process is not None and self._process.poll() is not None

    def log(self, since=0):
        """The server's output (access log and errors) from byte offset `since`."""
        if not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as log:
            log.seek(since)
            return log.read().decode("utf-8", "replace")

    def log_size(self):
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class ThrowawayDatabase:
    """The server's own database: SQLite in its data directory, or, when the suite
    runs against MariaDB (DATABASE_URL=mysql://...), a fresh database on that server
    created for it and dropped afterwards."""

    def __init__(self, url, mysql_name=None):
        self.url = url
        self.mysql_name = mysql_name

    @classmethod
    def for_environment(cls, data_dir):
        base = os.environ.get("DATABASE_URL", "")
        if not base.startswith("mysql"):
            return cls(f"sqlite:///{Path(data_dir) / 'glance.sqlite3'}")
        name = f"glance_live_{uuid.uuid4().hex[:12]}"
        return cls(urlunsplit(urlsplit(base)._replace(path=f"/{name}")), name)

    def _execute(self, statement):
        import MySQLdb

        parts = urlsplit(self.url)
        connection = MySQLdb.connect(host=parts.hostname, port=parts.port or 3306, user=parts.username or "root",
                                     password=parts.password or "")
        try:
            connection.cursor().execute(statement)
        finally:
            connection.close()

    def create(self):
        if self.mysql_name:
            # Binary collation: names are case-sensitive, as on SQLite and in Glance.
            self._execute(f"CREATE DATABASE IF NOT EXISTS {self.mysql_name} CHARACTER SET utf8mb4 "
                          "COLLATE utf8mb4_bin")

    def drop(self):
        if self.mysql_name:
            self._execute(f"DROP DATABASE IF EXISTS {self.mysql_name}")
