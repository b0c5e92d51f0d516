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
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import ROOT, LiveServer  # noqa: E402

SCENARIOS = [
    ("namespace list", "/v2/metadefs/namespaces"),
    ("list ?resource_types=OS::Nova::Flavor", "/v2/metadefs/namespaces?resource_types=OS::Nova::Flavor"),
    ("namespace OS::Compute::LibvirtImage", "/v2/metadefs/namespaces/OS::Compute::LibvirtImage"),
]
TARGET_LIST_SINGLE_CLIENT = 130
WARMUP_REQUESTS = 50
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_tree_cpu_seconds(pid):
    """User+system CPU of `pid` and its direct children (Linux /proc); None elsewhere."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for member in [str(pid), *children]:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLOCK_TICKS
    except OSError:
        return None


def client(port, path, count, latencies, failures):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200 or not body:
            failures.append(response.status)
    connection.close()


def measure(server, port, path, requests, concurrency):
    """Run `requests` GETs split over `concurrency` connections; wall time covers them all."""
    client(port, path, WARMUP_REQUESTS, [], [])
    shares = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]
    latencies, failures = [], []
    threads = [threading.Thread(target=client, args=(port, path, share, latencies, failures)) for share in shares]
    cpu_before, started = process_tree_cpu_seconds(server.pid), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu_after = time.perf_counter() - started, process_tree_cpu_seconds(server.pid)
    cuts = statistics.quantiles(latencies, n=100)
    cpu_ms = (cpu_after - cpu_before) * 1000 / len(latencies) if cpu_before is not None else float("nan")
    return {"requests": len(latencies), "failures": len(failures), "rps": len(latencies) / elapsed,
            "p50": cuts[49] * 1000, "p99": cuts[98] * 1000, "cpu_ms": cpu_ms}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per scenario and concurrency")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-metadefs-") as data_dir, \
            LiveServer(data_dir, workers=args.workers) as server:
        server.manage("load_metadefs", str(ROOT / "fixtures" / "metadefs"))
        port = int(server.url.rsplit(":", 1)[1])
        print(f"gunicorn {args.workers} workers (project/gunicorn.conf.py) at {server.url}; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        header = (f"{'scenario':<40} {'conc':>4} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
                  f"{'server CPU ms/req':>17}")
        print(header)
        print("-" * len(header))
        results = {}
        for name, path in SCENARIOS:
            for concurrency in args.concurrency:
                result = results[name, concurrency] = measure(server, port, path, args.requests, concurrency)
                failed = f"  ({result['failures']} not 200!)" if result["failures"] else ""
                print(f"{name:<40} {concurrency:>4} {result['requests']:>8} {result['rps']:>7.0f} "
                      f"{result['p50']:>7.1f} {result['p99']:>7.1f} {result['cpu_ms']:>17.1f}{failed}", flush=True)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return summarize(results)


def summarize(results):
    failures = sum(result["failures"] for result in results.values())
    single = results.get((SCENARIOS[0][0], 1))
    if single is None:
        print(f"summary: no single-client run of the namespace list; {failures} failed requests")
        return 1 if failures else 0
    met = single["rps"] >= TARGET_LIST_SINGLE_CLIENT
    verdict = "FAILED REQUESTS" if failures else ("OK" if met else "BELOW TARGET")
    print(f"summary: namespace list, 1 client: {single['rps']:.0f} req/s, p50 {single['p50']:.1f} ms, "
          f"server CPU {single['cpu_ms']:.1f} ms/req (target >= {TARGET_LIST_SINGLE_CLIENT} req/s); "
          f"{failures} failed requests; {verdict}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
