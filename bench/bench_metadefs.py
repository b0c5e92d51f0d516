"""Read throughput of the metadefs catalog under gunicorn, as `make run` serves it.

    .venv/bin/python bench/bench_metadefs.py [--requests 2000] [--concurrency 1 8] [--workers 2]

Starts the service on a fresh SQLite database, loads the vendor namespaces, then sends a
fixed number of GETs per scenario from N threads, each on its own keep-alive connection.
Target: >= 130 req/s for the namespace list from a single client.

Besides throughput and latency it prints the server's CPU time per request (gunicorn
master and workers, from /proc): on a shared machine req/s moves with everyone else's
load, the CPU cost of a request does not.
"""
import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._load import HEADER, measure  # noqa: E402
from tests.support.live_server import ROOT, LiveServer  # noqa: E402

SCENARIOS = [
    ("namespace list", "/v2/metadefs/namespaces"),
    ("list ?resource_types=OS::Nova::Flavor", "/v2/metadefs/namespaces?resource_types=OS::Nova::Flavor"),
    ("namespace OS::Compute::LibvirtImage", "/v2/metadefs/namespaces/OS::Compute::LibvirtImage"),
]
TARGET_LIST_SINGLE_CLIENT = 130


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per scenario and concurrency")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-metadefs-") as data_dir, \
            LiveServer(data_dir, workers=args.workers) as server:
        server.manage("load_metadefs", str(ROOT / "fixtures" / "metadefs"))
        print(f"manage.py serve: HAProxy + gunicorn {args.workers} workers at {server.url}; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        header = f"{'scenario':<40} {'conc':>4} {HEADER}"
        print(header)
        print("-" * len(header))
        results = {}
        for name, path in SCENARIOS:
            for concurrency in args.concurrency:
                result = results[name, concurrency] = measure(server, [path], requests=args.requests,
                                                              concurrency=concurrency)
                failed = f"  ({result.failures} not 200!)" if result.failures else ""
                print(f"{name:<40} {concurrency:>4} {result.row()}{failed}", flush=True)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return summarize(results)


def summarize(results):
    failures = sum(result.failures for result in results.values())
    single = results.get((SCENARIOS[0][0], 1))
    if single is None:
        print(f"summary: no single-client run of the namespace list; {failures} failed requests")
        return 1 if failures else 0
    met = single.rps >= TARGET_LIST_SINGLE_CLIENT
    verdict = "FAILED REQUESTS" if failures else ("OK" if met else "BELOW TARGET")
    print(f"summary: namespace list, 1 client: {single.rps:.0f} req/s, p50 {single.p50:.1f} ms, "
          f"server CPU {single.cpu_ms:.1f} ms/req (target >= {TARGET_LIST_SINGLE_CLIENT} req/s); "
          f"{failures} failed requests; {verdict}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
