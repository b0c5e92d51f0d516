"""Client traffic against a deploy/cluster front: threads acting as users of many projects, each looping over
a weighted mix of operations, recording status and latency per operation and, in a Ledger, what they were told.

The fault tests run a few clients for a few seconds around each fault; bench/bench_cluster.py runs the full mix
(64 clients, 5 minutes) and prints the numbers.
"""
import collections
import contextlib
import hashlib
import http.client
import json
import os
import random
import select
import statistics
import threading
import time
from urllib.parse import urlsplit

from tests.support.cluster_audit import Expected

MiB = 1024 * 1024
PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}
LIST_QUERIES = ["?limit=20", "?limit=5&status=active", "?limit=10&sort_key=name&sort_dir=asc",
                "?limit=10&visibility=shared", "?limit=10&member_status=all", "?limit=3&disk_format=raw"]
_BLOCK = os.urandom(MiB)
# The status recorded for a download whose 200 answer carried other bytes than the image's (a short one is 0).
CORRUPT = 1


def _pieces(size, step):
    """`size` bytes in pieces of at most `step` (at most 1 MiB): unique to one image (a random head), cheap to
    make (the shared random block over and over after it)."""
    head, sent = os.urandom(64)[:size], 0
    yield head
    sent, twice = len(head), memoryview(_BLOCK * 2)
    while sent < size:
        length = min(step, size - sent, MiB)
        offset = (sent - len(head)) % MiB
        yield bytes(twice[offset:offset + length])
        sent += length


def image_data(size):
    return b"".join(_pieces(size, MiB))


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = collections.defaultdict(list)
        self.statuses = collections.Counter()
        self.exceptions = collections.Counter()  # what the requests without an answer (status 0) met

    def record(self, operation, status, seconds):
        with self.lock:
            self.latencies[operation].append(seconds)
            self.statuses[(operation, status)] += 1

    def failure(self, operation, exc):
        with self.lock:
            self.exceptions[f"{operation}: {type(exc).__name__}: {exc}"[:160]] += 1

    def errors(self):
        """{(operation, status): count} of every answer that was not a success (0: no answer at all)."""
        return {key: count for key, count in self.statuses.items() if not 200 <= key[1] < 300}

    def server_errors(self):
        return {key: count for key, count in self.statuses.items() if key[1] >= 500 or key[1] == 0}

    def table(self, elapsed):
        lines = [f"{'operation':<16} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}"]
        for operation, values in sorted(self.latencies.items()):
            cuts = statistics.quantiles(values, n=100) if len(values) > 1 else [values[0] * 1000] * 99
            lines.append(f"{operation:<16} {len(values):>7} {len(values) / elapsed:>7.1f} {cuts[49] * 1000:>8.1f} "
                         f"{cuts[98] * 1000:>8.1f}")
        return "\n".join(lines)


class Client(threading.Thread):
    """One user of one project, looping over the traffic's mix until told to stop."""

    def __init__(self, traffic, number):
        super().__init__(daemon=True, name=f"client-{number}")
        self.traffic, self.random = traffic, random.Random(number)
        self.project = traffic.project_ids[number % len(traffic.project_ids)]
        self.headers = traffic.credentials(self.project, f"user-{number}")
        self.mine, self.connection = [], None
        self.shared = set()  # (image, project): sharing it again is a 409, as in Glance

    def run(self):
        operations, weights = zip(*self.traffic.mix.items())
        while not self.traffic.stopping.is_set():
            operation = self.random.choices(operations, weights)[0]
            getattr(self, operation)()

    def request(self, operation, method, path, body=None, *, data=None, headers=None, read=True):
        """(status, content); status 0 when the connection failed. Every request is timed and counted."""
        headers = {**self.headers, **(headers or {})}
        if body is not None:
            data, headers = json.dumps(body).encode(), {"Content-Type": "application/json", **headers}
        started = time.perf_counter()
        try:
            status, content = self._send(method, path, data, headers, read)
        except (OSError, http.client.HTTPException) as exc:
            self._close()
            status, content = 0, None
            self.traffic.stats.failure(operation, exc)
        self.traffic.stats.record(operation, status, time.perf_counter() - started)
        return status, content

    def _send(self, method, path, data, headers, read):
        if self.connection is not None and _dropped(self.connection):
            self._close()  # the front closed it while idle (keep-alive timeout): what urllib3 checks too
        if self.connection is None:
            parts = urlsplit(self.traffic.url)
            self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.traffic.timeout)
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        content = read(response) if callable(read) else response.read()
        if response.will_close:
            self._close()
        if isinstance(content, bytes) and content and response.getheader("Content-Type", "").startswith(
                "application/json"):
            content = json.loads(content)
        return response.status, content

    def _close(self):
        if self.connection is not None:
            self.connection.close()
        self.connection = None

    # --- the operations

    def list(self):
        status, page = self.request("list", "GET", "/v2/images" + self.random.choice(LIST_QUERIES))
        if status == 200 and page.get("next"):
            self.request("list", "GET", page["next"])

    def show(self):
        image_id = self._some_image()
        if image_id:
            self.request("show", "GET", f"/v2/images/{image_id}")

    def metadefs(self):
        if self.random.random() < 0.5:
            self.request("metadefs", "GET", "/v2/metadefs/namespaces?limit=20")
        else:
            self.request("metadefs", "GET", "/v2/metadefs/namespaces/OS::Compute::Hypervisor")

    def upload(self):
        status, image = self.request("create", "POST", "/v2/images", {
            "name": f"load-{self.name}-{self.random.randrange(10 ** 9)}", "disk_format": "raw",
            "container_format": "bare"})
        if status != 201:
            return
        size = self.random.randint(*self.traffic.sizes)
        store = self.random.choice(self.traffic.stores)
        md5, sha512 = hashlib.md5(), hashlib.sha512()
        self.traffic.ledger.upload_failed(image["id"])  # until the service says otherwise
        status, _ = self.request("upload", "PUT", f"/v2/images/{image['id']}/file",
                                 data=self._chunks(size, (md5, sha512)),
                                 headers={"Content-Type": "application/octet-stream", "Content-Length": str(size),
                                          "X-Image-Meta-Store": store})
        if status == 204:
            self.traffic.ledger.confirm_upload(image["id"], Expected(size, md5.hexdigest(), sha512.hexdigest(), store))
            self.mine.append(image["id"])
            self.request("patch", "PATCH", f"/v2/images/{image['id']}", data=json.dumps(
                [{"op": "add", "path": "/load_patched", "value": "yes"}]).encode(), headers=PATCH)

    def _chunks(self, size, hashes):
        """image_data(size) made as it is sent (64 MiB uploads from 64 clients are never all in memory)."""
        for chunk in _pieces(size, self.traffic.chunk):
            if self.traffic.trickle:
                time.sleep(self.traffic.trickle)
            for digest in hashes:
                digest.update(chunk)
            yield chunk

    def download(self):
        image_id = self._some_image()
        if image_id is None:
            return
        expected = self.traffic.ledger.active.get(image_id)
        status, digest = self.request("download", "GET", f"/v2/images/{image_id}/file", read=_md5_of_body)
        if status == 200 and expected and digest != expected.md5:
            self.traffic.stats.record("download", CORRUPT, 0)

    def delete(self):
        if not self.mine:
            return
        image_id = self.mine.pop(self.random.randrange(len(self.mine)))
        status, _ = self.request("delete", "DELETE", f"/v2/images/{image_id}")
        if status == 204:
            self.traffic.ledger.removed(image_id)
        elif status == 0 or status >= 500:
            self.traffic.ledger.delete_uncertain(image_id)

    def share(self):
        """The owner adds another project as a member, which accepts (as Glance's sharing works)."""
        if not self.mine:
            return
        image_id = self.random.choice(self.mine)
        other = self.random.choice(self.traffic.project_ids)
        if other == self.project or (image_id, other) in self.shared:
            return
        self.shared.add((image_id, other))
        status, _ = self.request("share", "POST", f"/v2/images/{image_id}/members", {"member": other})
        if status == 200:
            self.request("accept", "PUT", f"/v2/images/{image_id}/members/{other}", {"status": "accepted"},
                         headers=self.traffic.credentials(other, f"member-of-{other}"))

    def _some_image(self):
        return self.random.choice(self.mine) if self.mine else None


def _dropped(connection):
    """Whether the server closed this idle connection (it is readable: EOF, or an unexpected byte)."""
    if connection.sock is None:
        return True
    readable, _, _ = select.select([connection.sock], [], [], 0)
    return bool(readable)


def _md5_of_body(response):
    """The body's md5; IncompleteRead when it ends before its Content-Length (http.client's read(amt)
    returns the short body as if it were whole: a cut download, not other bytes)."""
    md5, received = hashlib.md5(), 0
    for chunk in iter(lambda: response.read(1 << 20), b""):
        md5.update(chunk)
        received += len(chunk)
    declared = response.getheader("Content-Length")
    if declared is not None and received != int(declared):
        raise http.client.IncompleteRead(b"", int(declared) - received)
    return md5.hexdigest()


class Traffic:
    """`clients` threads against `url` with `mix` ({operation: weight}); `with traffic.running():` runs them.

    The clients send trusted headers (X-Project-Id, noauth nodes) for `projects` projects, or with `tokens`
    ({project id: Keystone token of a member}, keystone nodes) each its project's token.
    """

    def __init__(self, url, ledger, *, clients=4, mix=None, sizes=(1 * MiB, 4 * MiB), stores=("swift",),
                 projects=8, tokens=None, trickle=0.0, chunk=256 * 1024, timeout=120):
        self.url, self.ledger, self.clients = url, ledger, clients
        self.mix = mix or {"list": 30, "show": 20, "upload": 25, "download": 15, "delete": 10}
        self.sizes, self.stores, self.tokens = sizes, list(stores), tokens
        self.project_ids = list(tokens) if tokens else [f"project-{number}" for number in range(projects)]
        self.trickle, self.chunk, self.timeout = trickle, chunk, timeout
        self.stats, self.stopping = Stats(), threading.Event()
        self.elapsed = 0.0

    def credentials(self, project, user):
        """The headers that make a request one of `project`'s members'."""
        if self.tokens:
            return {"X-Auth-Token": self.tokens[project]}
        return {"X-Project-Id": project, "X-User-Id": user, "X-Roles": "member,reader"}

    @contextlib.contextmanager
    def running(self):
        threads = [Client(self, number) for number in range(self.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self.stopping.set()
            for thread in threads:
                thread.join(self.timeout + 30)
            self.elapsed = time.perf_counter() - started
