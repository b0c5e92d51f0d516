"""Soak: mixed traffic from many clients for a fixed time, with half-open connections held open all along.

Starts the service as `make run` does (manage.py serve: HAProxy + gunicorn) in a
throwaway data directory, loads the vendor namespaces, then runs --clients threads
for --minutes, each looping over a weighted mix: image list (with filters and a
page), show, create + upload (64 KiB - 1 MiB) + patch, download, delete, metadef
namespace list and show. --half-open sockets that sent half a request head stay
open the whole time (they are re-opened when HAProxy drops them). Every 60 s it
prints requests, errors by status and each gunicorn worker's RSS; the summary line
says whether there was any 5xx and how much the workers grew.

  .venv/bin/python bench/soak.py --minutes 30 --clients 32 --half-open 64
"""
import argparse
import collections
import http.client
import json
import os
import random
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_images import _rss_kib  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402

KiB = 1024
JSON = {"Content-Type": "application/json"}
PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_status = collections.Counter()
        self.by_operation = collections.Counter()
        self.errors = collections.Counter()

    def record(self, operation, status):
        with self.lock:
            self.by_status[status] += 1
            self.by_operation[operation] += 1
            if status >= 500 or status == 0:
                self.errors[f"{operation} {status}"] += 1


class Client(threading.Thread):
    """One keep-alive connection looping over the mix until `deadline`."""

    def __init__(self, url, stats, deadline, seed):
        super().__init__(daemon=True)
        self.parts, self.stats, self.deadline = urlsplit(url), stats, deadline
        self.random = random.Random(seed)
        self.mine, self.connection = [], None

    def call(self, operation, method, path, body=None, headers=None):
        for _ in range(2):  # once more on a fresh connection if the server closed a kept-alive one
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(self.parts.hostname, self.parts.port, timeout=60)
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                data = response.read()
                if response.will_close:
                    self.connection.close()
                    self.connection = None
                self.stats.record(operation, response.status)
                return response.status, data
            except (http.client.HTTPException, OSError):
                self.connection = None
        self.stats.record(operation, 0)
        return 0, b""

    def run(self):
        operations = [(self.list_images, 40), (self.show, 20), (self.create_upload, 10), (self.download, 10),
                      (self.delete, 5), (self.metadefs, 15)]
        actions, weights = zip(*operations)
        while time.monotonic() < self.deadline:
            self.random.choices(actions, weights)[0]()

    def list_images(self):
        query = self.random.choice(["?limit=20", "?limit=5&sort=name:asc", "?visibility=public&limit=10",
                                    "?disk_format=raw&limit=10", "?limit=2&status=active"])
        self.call("list", "GET", "/v2/images" + query)

    def show(self):
        if self.mine:
            self.call("show", "GET", f"/v2/images/{self.random.choice(self.mine)}")

    def create_upload(self):
        status, data = self.call("create", "POST", "/v2/images", json.dumps(
            {"name": f"soak-{self.random.random():.6f}", "disk_format": "raw", "container_format": "bare"}), JSON)
        if status != 201:
            return
        image_id = json.loads(data)["id"]
        self.call("upload", "PUT", f"/v2/images/{image_id}/file", os.urandom(self.random.randint(64, 1024) * KiB),
                  {"Content-Type": "application/octet-stream"})
        self.call("patch", "PATCH", f"/v2/images/{image_id}",
                  json.dumps([{"op": "add", "path": "/soak", "value": "yes"}]), PATCH)
        self.mine.append(image_id)

    def download(self):
        if self.mine:
            self.call("download", "GET", f"/v2/images/{self.random.choice(self.mine)}/file")

    def delete(self):
        if len(self.mine) > 5:
            self.call("delete", "DELETE", f"/v2/images/{self.mine.pop(0)}")

    def metadefs(self):
        path = self.random.choice(["/v2/metadefs/namespaces?limit=10", "/v2/metadefs/namespaces/OS::Compute::Libvirt",
                                   "/v2/metadefs/namespaces?resource_types=OS::Nova::Flavor"])
        self.call("metadefs", "GET", path)


class HalfOpen(threading.Thread):
    """`count` sockets that sent half a request head, kept open (re-opened when dropped)."""

    def __init__(self, url, count, deadline):
        super().__init__(daemon=True)
        parts = urlsplit(url)
        self.address, self.count, self.deadline = (parts.hostname, parts.port), count, deadline
        self.reopened = 0

    def open_one(self):
        sock = socket.create_connection(self.address)
        sock.sendall(b"GET /v2/images HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: never-finished")
        sock.setblocking(False)
        return sock

    def run(self):
        socks = [self.open_one() for _ in range(self.count)]
        while time.monotonic() < self.deadline:
            time.sleep(1)
            for index, sock in enumerate(socks):
                try:
                    if sock.recv(1, socket.MSG_PEEK) == b"":
                        raise ConnectionError
                except BlockingIOError:
                    continue
                except OSError:
                    pass
                sock.close()
                socks[index] = self.open_one()
                self.reopened += 1
        for sock in socks:
            sock.close()


def worker_rss_mib(server):
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return {pid: _rss_kib(pid) / 1024 for pid in children}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--half-open", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as data_dir, LiveServer(Path(data_dir), workers=args.workers) as server:
        server.manage("load_metadefs", "fixtures/metadefs")
        return soak(server, args)


def soak(server, args):
    deadline = time.monotonic() + args.minutes * 60
    stats = Stats()
    half_open = HalfOpen(server.url, args.half_open, deadline)
    half_open.start()
    clients = [Client(server.url, stats, deadline, seed) for seed in range(args.clients)]
    start_rss = worker_rss_mib(server)
    print(f"{args.clients} clients, {args.half_open} half-open connections, {args.minutes} min against {server.url}; "
          f"worker RSS MiB at start: {sorted(round(v, 1) for v in start_rss.values())}", flush=True)
    for client in clients:
        client.start()
    started, warm_rss = time.monotonic(), None
    while any(client.is_alive() for client in clients):
        time.sleep(min(60, max(0.1, deadline - time.monotonic() + 1)))
        rss = worker_rss_mib(server)
        warm_rss = warm_rss or rss  # after the first minute: imports and caches are in
        print(f"{(time.monotonic() - started) / 60:5.1f} min: {sum(stats.by_status.values())} requests, "
              f"status {dict(sorted(stats.by_status.items()))}, worker RSS MiB {sorted(round(v, 1) for v in rss.values())}",
              flush=True)
    half_open.join()
    return summarize(stats, warm_rss, worker_rss_mib(server), half_open, time.monotonic() - started)


def summarize(stats, start_rss, end_rss, half_open, elapsed):
    """`start_rss` is taken after the first minute, so growth is what the rest of the run added."""
    total = sum(stats.by_status.values())
    server_errors = sum(count for status, count in stats.by_status.items() if status >= 500 or status == 0)
    same = set(start_rss) & set(end_rss)
    growth = max((end_rss[pid] - start_rss[pid] for pid in same), default=float("nan"))
    print(f"operations: {dict(stats.by_operation)}; errors: {dict(stats.errors) or 'none'}; "
          f"half-open re-opened {half_open.reopened} times; {len(same)}/{len(start_rss)} workers lived throughout")
    print(f"summary: {total} requests in {elapsed / 60:.1f} min ({total / elapsed:.0f}/s), {server_errors} 5xx or "
          f"no answer ({'OK' if server_errors == 0 else 'MISSED'}); largest worker RSS growth after the first "
          f"minute {growth:.1f} MiB")
    return 0 if server_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
