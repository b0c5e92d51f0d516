"""deploy/cluster driven from Python: the fault tests (tests/cluster) and bench/bench_cluster.py start, break
and stop the deployment through the same script an operator runs."""
import http.client
import json
import shlex
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.live_server import ROOT

SCRIPT = ROOT / "deploy" / "cluster"
ADMIN = {"X-Project-Id": "cluster-admin", "X-User-Id": "cluster-admin", "X-Roles": "admin,member,reader"}


class ClusterError(RuntimeError):
    pass


def read_env(path):
    """An env file of `export NAME=value` lines (values shell-quoted) as a dict."""
    values = {}
    for line in Path(path).read_text().splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        if name:
            values[name] = " ".join(shlex.split(value))
    return values


class Cluster:
    """One deploy/cluster deployment in `home`: `.url` (the front), `.env` (DIR/cluster.env), `.node_url(name)`."""

    def __init__(self, home, *args):
        self.home, self.args = Path(home), list(args)
        self.env = {}

    def script(self, *args, timeout=600):
        result = subprocess.run([str(SCRIPT), *args, "--dir", str(self.home)], capture_output=True, text=True,
                                timeout=timeout)
        if result.returncode:
            raise ClusterError(f"deploy/cluster {' '.join(args)} exited {result.returncode}:\n"
                               f"{result.stdout}{result.stderr}")
        return result.stdout + result.stderr

    def start(self):
        self.script("start", *self.args)
        self.env = read_env(self.home / "cluster.env")
        return self

    def stop(self, keep=False):
        if (self.home / "cluster.json").exists():
            self.script("stop", *(["--keep"] if keep else []))

    @property
    def url(self):
        return self.env["GLANCE_URL"]

    @property
    def nodes(self):
        return self.env["GLANCE_NODES"].split(",")

    def node_url(self, name):
        return self.env[f"{name.upper()}_URL"]

    def node_env(self, name):
        return read_env(self.home / name / "node.env")

    def front_states(self):
        """The front's view of each node: {"node1": "UP", ...} (HAProxy's stats socket)."""
        import socket

        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(self.env["FRONT_STATS_SOCKET"])
            connection.sendall(b"show servers state nodes\n")
            text = b"".join(iter(lambda: connection.recv(65536), b"")).decode()
        rows = [line.split() for line in text.splitlines()[2:] if line.strip()]
        # srv_op_state: 0 stopped (down), 2 running; 1 and 3 are the way between.
        return {row[3]: {"0": "DOWN", "2": "UP"}.get(row[5], "GOING") for row in rows
                if not row[3].endswith("-fallback")}  # deploy/cluster_front.py: the nodes as backups

    def wait_front_sees(self, node, state, timeout=30):
        deadline = time.monotonic() + timeout
        while self.front_states().get(node) != state:
            if time.monotonic() > deadline:
                raise AssertionError(f"the front did not see {node} {state} within {timeout}s: {self.front_states()}")
            time.sleep(0.2)

    def log(self, name):
        path = self.home / "log" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def call(self, method, path, body=None, *, data=None, headers=None, url=None, timeout=60):
        """(status, headers, content) of one request to the front (or `url`); content is parsed JSON or bytes."""
        parts = urlsplit(url or self.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        try:
            headers = {**ADMIN, **(headers or {})}
            if body is not None:
                data, headers = json.dumps(body).encode(), {"Content-Type": "application/json", **headers}
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            content = response.read()
            if content and response.getheader("Content-Type", "").startswith("application/json"):
                content = json.loads(content)
            return response.status, response.headers, content
        finally:
            connection.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
