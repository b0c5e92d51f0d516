"""Load on a whole deployment (deploy/cluster: three nodes behind the front HAProxy, MariaDB, Swift), then a
reconciliation of what the clients were told against the database and the stores.

N clients (users of many projects) for D seconds, each looping over the mix: 60% image list (filters, paging)
and show, 10% metadefs reads, 10% create + upload (1-64 MiB, into Swift; some into S3) + patch, 10% download,
5% delete, 5% share + accept. Prints requests/s and p50/p99 per operation, answers other than 2xx by status,
CPU per request on each node (its gunicorn master and workers, from /proc/<pid>/stat, over the requests its
access log shows), then the reconciliation: every image a client was told exists is there with its size and
checksums and the data read back from its store (swiftclient, boto3) matches; every deleted image is gone from
every store; nothing is orphaned. No 5xx is expected.

  .venv/bin/python bench/bench_cluster.py                     # 64 clients, 300 s, a cluster of its own
  .venv/bin/python bench/bench_cluster.py --auth keystone     # the same with Keystone tokens
  .venv/bin/python bench/bench_cluster.py --seconds 30 --clients 16 --reuse /tmp/glance-cluster
"""
import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._load import process_tree_cpu_seconds  # noqa: E402
from tests.support.cluster import Cluster, read_env  # noqa: E402
from tests.support.cluster_audit import Ledger, reconcile  # noqa: E402
from tests.support.cluster_keystone import member_tokens  # noqa: E402
from tests.support.cluster_traffic import MiB, Traffic  # noqa: E402

# The service's own line per request (project/observability, gunicorn writes none):
# INFO glance.access [req-...] client=127.0.0.1 project=... method=GET path=/v2/images route=... status=200 ...
ACCESS_LINE = re.compile(r"^INFO glance\.access .* path=(\S+) ", re.MULTILINE)
MIX = {"list": 40, "show": 20, "metadefs": 10, "upload": 10, "download": 10, "delete": 5, "share": 5}


def node_counters(cluster):
    """{node: (CPU seconds of gunicorn's master and workers, requests in its access log)}."""
    counters = {}
    for node in cluster.nodes:
        pid = int((cluster.home / node / "gunicorn.pid").read_text())
        log = cluster.log(node)
        served = len([path for path in ACCESS_LINE.findall(log) if path != "/healthcheck"])
        counters[node] = (process_tree_cpu_seconds(pid), served)
    return counters


def cpu_report(before, after):
    lines = [f"{'node':<8} {'requests':>9} {'CPU s':>8} {'CPU ms/request':>15}"]
    for node in sorted(after):
        cpu = after[node][0] - before[node][0]
        served = after[node][1] - before[node][1]
        lines.append(f"{node:<8} {served:>9} {cpu:>8.1f} {cpu * 1000 / max(served, 1):>15.2f}")
    return "\n".join(lines)


def run(cluster, options):
    ledger = Ledger()
    tokens = member_tokens(cluster, options.projects) if options.auth == "keystone" else None
    traffic = Traffic(cluster.url, ledger, clients=options.clients, mix=MIX, projects=options.projects, tokens=tokens,
                      sizes=(options.min_mib * MiB, options.max_mib * MiB), stores=["swift"] * 4 + ["s3"],
                      chunk=1024 * 1024, timeout=300)
    print(f"{options.clients} clients of {options.projects} projects for {options.seconds} s against {cluster.url} "
          f"({len(cluster.nodes)} nodes, {'Keystone tokens' if tokens else 'trusted headers'})", flush=True)
    before = node_counters(cluster)
    with traffic.running():
        for elapsed in range(0, options.seconds, 30):
            time.sleep(min(30, options.seconds - elapsed))
            done = sum(traffic.stats.statuses.values())
            print(f"  {elapsed + min(30, options.seconds - elapsed):>4} s: {done} requests, "
                  f"{sum(traffic.stats.server_errors().values())} 5xx or no answer", flush=True)
    after = node_counters(cluster)
    total = sum(traffic.stats.statuses.values())
    print(f"\n{total} requests in {traffic.elapsed:.0f} s: {total / traffic.elapsed:.1f} requests/s")
    print(traffic.stats.table(traffic.elapsed))
    print("answers other than 2xx:", dict(sorted(traffic.stats.errors().items())) or "none")
    for failure, count in traffic.stats.exceptions.most_common(10):
        print(f"  no answer, {count}x: {failure}")
    print(cpu_report(before, after))
    return ledger, traffic


def audit(cluster, ledger):
    started = time.perf_counter()
    problems = reconcile(cluster.env, ledger)
    print(f"\nreconciliation ({time.perf_counter() - started:.0f} s): {len(ledger.active)} images told active, "
          f"{len(ledger.deleted)} deleted, {len(ledger.failed_uploads)} failed uploads; "
          f"{len(problems)} problem(s)")
    for problem in problems[:50]:
        print("  " + problem)
    return problems


def parse():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--projects", type=int, default=16)
    parser.add_argument("--min-mib", type=int, default=1)
    parser.add_argument("--max-mib", type=int, default=64)
    parser.add_argument("--reuse", type=Path, help="a cluster already started (deploy/cluster start --dir DIR)")
    parser.add_argument("--auth", choices=("noauth", "keystone"), default="noauth",
                        help="trusted headers, or Keystone tokens of one member per project (with --reuse: the "
                             "cluster's own --auth)")
    return parser.parse_args()


def main():
    options = parse()
    if options.reuse:
        cluster = Cluster(options.reuse)
        cluster.env = read_env(options.reuse / "cluster.env")
    else:
        print("starting deploy/cluster (about a minute)", flush=True)
        cluster = Cluster(Path(tempfile.mkdtemp(prefix="bench-cluster-")), "--auth", options.auth).start()
    try:
        ledger, traffic = run(cluster, options)
        problems = audit(cluster, ledger)
    finally:
        if not options.reuse:
            cluster.stop()
    server_errors = sum(traffic.stats.server_errors().values())
    print(f"\nsummary: {sum(traffic.stats.statuses.values()) / traffic.elapsed:.1f} requests/s, "
          f"{server_errors} 5xx or unanswered, {len(problems)} reconciliation problem(s)")
    sys.exit(1 if server_errors or problems else 0)


if __name__ == "__main__":
    main()
