"""Load generation shared by the benchmarks: keep-alive GETs from N threads, timed.

`measure` sends a fixed number of requests (bounded in count, as every load here
must be) and reports throughput, latency percentiles and the server's CPU time
per request, which stays meaningful when other work shares the machine.
"""
import http.client
import os
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    requests: int
    failures: int
    rps: float
    p50: float
    p99: float
    cpu_ms: float

    def row(self):
        return f"{self.requests:>8} {self.rps:>7.0f} {self.p50:>7.1f} {self.p99:>7.1f} {self.cpu_ms:>8.2f}"


HEADER = f"{'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms':>8}"


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


def _client(url, paths, headers, latencies, failures):
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    for path in paths:
        started = time.perf_counter()
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200 or not body:
            failures.append(response.status)
    connection.close()


def measure(server, paths, *, requests, concurrency, headers=None, warmup=50):
    """`requests` GETs of `paths` (cycled) over `concurrency` connections to a LiveServer."""
    _client(server.url, [paths[i % len(paths)] for i in range(warmup)], headers, [], [])
    shares = [[paths[(i + k * concurrency) % len(paths)] for k in range(requests // concurrency)]
              for i in range(concurrency)]
    latencies, failures = [], []
    threads = [threading.Thread(target=_client, args=(server.url, share, headers, latencies, failures))
               for share in shares]
    cpu_before, started = process_tree_cpu_seconds(server.pid), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu_after = time.perf_counter() - started, process_tree_cpu_seconds(server.pid)
    cuts = statistics.quantiles(latencies, n=100)
    cpu_ms = (cpu_after - cpu_before) * 1000 / len(latencies) if cpu_before is not None else float("nan")
    return Result(len(latencies), len(failures), len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000, cpu_ms)
