"""What token validation costs: list requests/second in noauth vs keystone mode.

The same list request (GET /v2/metadefs/namespaces, Glance's vendor namespaces loaded) is sent
by a few client threads over keep-alive connections (a fixed number), against the service
under gunicorn in three configurations:

  noauth               trusted headers, no token
  keystone+memcached   auth_token, the token's validation cached in memcached (shared)
  keystone+in-process  auth_token, each worker caching validations in its own memory

In keystone mode one token is used throughout, so after its first validation every request
is a cache hit: this measures the per-request cost of auth_token itself, not Keystone's.

usage: .venv/bin/python bench/bench_auth.py [--requests 2000] [--clients 4] [--workers 2]
Needs the Keystone of .ci/keystone/start running (it provides the users and memcached).
"""
import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench._load import HEADER, measure  # noqa: E402
from tests.support.env_files import password_session, read_env_file  # noqa: E402
from tests.support.live_server import ROOT, LiveServer  # noqa: E402

KEYSTONE_HOME = Path(os.environ.get("KEYSTONE_HOME", "/tmp/glance-keystone"))
PATH = "/v2/metadefs/namespaces?limit=20"


def user_token(env_file):
    return password_session(read_env_file(env_file)).get_token()


def keystone_env(memcached):
    env = read_env_file(KEYSTONE_HOME / "keystone.env")
    return {**env, "KEYSTONE_MEMCACHED_SERVERS": env["KEYSTONE_MEMCACHED_SERVERS"] if memcached else ""}


def measure_mode(name, extra_env, headers, args):
    with tempfile.TemporaryDirectory(prefix="bench-auth-") as data_dir:
        with LiveServer(data_dir, workers=args.workers, extra_env={"LOG_LEVEL": "WARNING", **extra_env}) as server:
            server.manage("load_metadefs", str(ROOT / "fixtures" / "metadefs"))
            # The warm-up inside measure() also makes the token's first (uncached) validation.
            result = measure(server, [PATH], headers=headers, requests=args.requests, concurrency=args.clients)
    print(f"{name:20} {result.row()}", flush=True)
    return result.rps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not (KEYSTONE_HOME / "keystone.env").exists():
        raise SystemExit(f"no {KEYSTONE_HOME / 'keystone.env'}: run .ci/keystone/start first")

    token = {"X-Auth-Token": user_token(KEYSTONE_HOME / "env" / "alpha-member.env"), "Accept": "application/json"}
    print(f"GET {PATH}: {args.clients} clients, {args.requests} requests, {args.workers} gunicorn workers")
    print(f"{'':20} {HEADER}")
    base = measure_mode("noauth", {"AUTH_STRATEGY": "noauth"},
                   {"X-Project-Id": "alpha", "X-Roles": "member", "Accept": "application/json"}, args)
    for name, memcached in (("keystone+memcached", True), ("keystone+in-process", False)):
        rate = measure_mode(name, keystone_env(memcached), token, args)
        print(f"{'':20} {rate / base:8.0%} of noauth's req/s")


if __name__ == "__main__":
    main()
