"""What token validation costs: list requests/second in noauth vs keystone mode.

The same list request (GET /v2/metadefs/namespaces, Glance's vendor namespaces loaded) is sent
by a few client threads over keep-alive connections for a fixed time, against the service
under gunicorn in three configurations:

  noauth               trusted headers, no token
  keystone+memcached   auth_token, the token's validation cached in memcached (shared)
  keystone+in-process  auth_token, each worker caching validations in its own memory

In keystone mode one token is used throughout, so after its first validation every request
is a cache hit: this measures the per-request cost of auth_token itself, not Keystone's.

usage: .venv/bin/python bench/bench_auth.py [--seconds 10] [--clients 4] [--workers 2]
Needs the Keystone of .ci/keystone/start running (it provides the users and memcached).
"""
import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from http import client as http_client
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from keystoneauth1 import session as ks_session  # noqa: E402
from keystoneauth1.identity import v3  # noqa: E402

from bench._server import ROOT, LiveServer  # noqa: E402

KEYSTONE_HOME = Path(os.environ.get("KEYSTONE_HOME", "/tmp/glance-keystone"))
PATH = "/v2/metadefs/namespaces?limit=20"


def read_env_file(path):
    pairs = (line.removeprefix("export ").partition("=") for line in path.read_text().splitlines())
    return {name: value for name, _, value in pairs if name}


def user_token(env_file):
    env = read_env_file(env_file)
    auth = v3.Password(auth_url=env["OS_AUTH_URL"], username=env["OS_USERNAME"], password=env["OS_PASSWORD"],
                       project_name=env["OS_PROJECT_NAME"], user_domain_name=env["OS_USER_DOMAIN_NAME"],
                       project_domain_name=env["OS_PROJECT_DOMAIN_NAME"])
    return ks_session.Session(auth=auth).get_token()


def keystone_env(memcached):
    env = read_env_file(KEYSTONE_HOME / "keystone.env")
    return {**env, "KEYSTONE_MEMCACHED_SERVERS": env["KEYSTONE_MEMCACHED_SERVERS"] if memcached else ""}


def hammer(url, headers, seconds, clients):
    """Requests/second and latencies of `clients` threads each looping for `seconds`."""
    host, port = url.removeprefix("http://").split(":")
    latencies, failures, lock = [], [], threading.Lock()
    deadline = time.monotonic() + seconds

    def loop():
        connection = http_client.HTTPConnection(host, int(port), timeout=30)
        mine = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection.request("GET", PATH, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                failures.append(response.status)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. HTTP {failures[0]}")
    latencies.sort()
    return len(latencies) / elapsed, statistics.median(latencies), latencies[int(len(latencies) * 0.95)]


def workers_cpu_seconds(master_pid):
    """User+system CPU time of the gunicorn master's children (its workers) so far."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:  # fields[1] is ppid; utime and stime follow at 11, 12
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(name, extra_env, headers, args):
    with tempfile.TemporaryDirectory(prefix="bench-auth-") as data_dir:
        with LiveServer(data_dir, workers=args.workers, extra_env={"LOG_LEVEL": "WARNING", **extra_env}) as server:
            server.manage("load_metadefs", str(ROOT / "fixtures" / "metadefs"))
            hammer(server.url, headers, 1.5, args.clients)  # warm-up: imports, first validation
            cpu_before = workers_cpu_seconds(server.pid)
            rate, p50, p95 = hammer(server.url, headers, args.seconds, args.clients)
            # Server CPU per request is steadier than req/s on a machine shared with other work.
            cpu_per_request = (workers_cpu_seconds(server.pid) - cpu_before) / (rate * args.seconds)
    print(f"{name:20} {rate:6.0f} req/s   p50 {p50 * 1000:5.1f} ms   p95 {p95 * 1000:5.1f} ms   "
          f"server CPU {cpu_per_request * 1000:5.2f} ms/request", flush=True)
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not (KEYSTONE_HOME / "keystone.env").exists():
        raise SystemExit(f"no {KEYSTONE_HOME / 'keystone.env'}: run .ci/keystone/start first")

    token = {"X-Auth-Token": user_token(KEYSTONE_HOME / "env" / "alpha-member.env"), "Accept": "application/json"}
    print(f"GET {PATH}: {args.clients} clients, {args.seconds:g} s, {args.workers} gunicorn workers")
    base = measure("noauth", {"AUTH_STRATEGY": "noauth"},
                   {"X-Project-Id": "alpha", "X-Roles": "member", "Accept": "application/json"}, args)
    for name, memcached in (("keystone+memcached", True), ("keystone+in-process", False)):
        rate = measure(name, keystone_env(memcached), token, args)
        print(f"{'':20} {rate / base:6.0%} of noauth's req/s")


if __name__ == "__main__":
    main()
