"""GET /v2/images at scale: every documented filter and sort key, with and without a marker,
as an admin and as a member project, against a live server on a catalog of IMAGES images.

    .venv/bin/python bench/bench_list_scale.py [--backend sqlite|mariadb] [--images 100000]
                                               [--requests 100] [--only REGEX] [--explain] [--dir DIR]
                                               [--save FILE]

The catalog (bench/_catalog.py: 1,000 projects, three properties per image, tags, memberships,
a realistic visibility mix) goes straight into a freshly migrated database, which is then
analysed; `manage.py serve` (HAProxy + gunicorn) serves it. On MariaDB the database is a
throwaway one on DATABASE_URL's server (default mysql://root@127.0.0.1:3306), dropped at the end.
Each query is sent REQUESTS times by one client (keep-alive, after a warm-up); the table shows
p50/p99 latency, SQL queries per request and rows returned (both measured once in-process,
bench/_plans.py). --explain prints the page query's plan for each scenario over the target.
Target: p99 < 50 ms for every row.
"""
import argparse
import http.client
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._load import process_tree_cpu_seconds  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402

TARGET_P99_MS = 50
MEMBER = "project-0007"
ROLES = {"admin": {"X-Roles": "admin", "X-Project-Id": "project-0001"},
         "member": {"X-Roles": "member", "X-Project-Id": MEMBER}}
MARIADB_URL = "mysql://root@127.0.0.1:3306/unused"
LIMIT = 20
# The marker of a "with marker" run is the image at this position of the unmarked list.
MARKER_DEPTH = 100


def queries(summary):
    """Every documented sort key and filter (Glance's api-ref), and a few combinations."""
    name, ids, middle = summary["names"][0], summary["ids"], quote(summary["middle"])
    sorts = [f"sort={key}:{direction}" for key, direction in (
        ("name", "asc"), ("name", "desc"), ("status", "asc"), ("container_format", "asc"),
        ("disk_format", "desc"), ("size", "asc"), ("size", "desc"), ("id", "asc"), ("created_at", "asc"),
        ("updated_at", "desc"))] + ["sort_key=name&sort_dir=asc&sort_key=size&sort_dir=desc"]
    filters = [
        f"name={quote(name)}", f"name=in:{quote(name)},{quote(summary['names'][1])}", "status=active",
        "status=queued", "visibility=public", "visibility=private", "visibility=shared", "visibility=community",
        "visibility=all", "visibility=shared&member_status=pending", "member_status=all", "owner=project-0042",
        f"owner={MEMBER}", "tag=tag-07", "tag=tag-07&tag=tag-08", f"checksum={summary['checksum']}",
        f"os_hash_value={summary['os_hash_value']}", "os_hidden=true", "protected=true",
        "size_min=17179000000", "size_min=1", "size_max=2000000", "size_min=1000000000&size_max=2000000000",
        "disk_format=raw", "disk_format=in:iso,vmdk", "container_format=ovf", f"created_at=gt:{middle}",
        f"created_at=lte:{middle}", f"updated_at=gte:{middle}", "created_at=neq:2024-06-01T00:00:00Z",
        f"id=in:{','.join(ids[:5])}", "min_ram=2048", "p1=5", "os_distro=ubuntu", "p1=5&os_distro=ubuntu",
    ]
    combos = ["p1=5&sort=name:asc", "status=active&sort=size:desc", "visibility=shared&sort=name:asc",
              "tag=tag-07&sort=created_at:asc", "visibility=public&sort=updated_at:desc"]
    return ["", *sorts, *filters, *combos]


def fetch(connection, path, headers):
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path} ({headers}): {response.status} {body[:300]!r}")
    return json.loads(body)


def scenarios(connection, summary, roles=ROLES, strict=True):
    """(query, role, marker?, path, headers) for every query, role and marker choice; not `strict`: a query
    the server refuses gets no marker row (its unmarked row reports the refusal)."""
    rows = []
    for query in queries(summary):
        base = f"/v2/images?{query + '&' if query else ''}limit={LIMIT}"
        for role, headers in roles.items():
            rows.append((query or "(none)", role, "", base, headers))
            try:
                deep = fetch(connection, f"/v2/images?{query + '&' if query else ''}limit={MARKER_DEPTH}", headers)
            except RuntimeError:
                if strict:
                    raise
                continue
            images = deep["images"]
            if images:
                # The 100th image, or the middle one of a shorter list.
                marker = images[-1 if len(images) == MARKER_DEPTH else len(images) // 2]["id"]
                rows.append((query or "(none)", role, "yes", f"{base}&marker={marker}", headers))
    return rows


def database_pid():
    """mariadbd's process id (its CPU time counts too), or None."""
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() in ("mariadbd", "mysqld"):
                return int(entry.name)
        except OSError:
            continue
    return None


def cpu_seconds(pids):
    return sum(process_tree_cpu_seconds(pid) or 0 for pid in pids)


def timed(connection, path, headers, count, pids):
    """p50, p99 (ms) of `count` sequential GETs, and the server's (and database's) CPU ms per request."""
    latencies, cpu_before = [], cpu_seconds(pids)
    for _ in range(count):
        started = time.perf_counter()
        fetch(connection, path, headers)
        latencies.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49], cuts[98], (cpu_seconds(pids) - cpu_before) * 1000 / count


def in_process_details(server, rows):
    """Queries per request and page-query plans, from one in-process run of every scenario."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=server.data_dir, delete=False) as handle:
        json.dump([(path, headers) for _, _, _, path, headers in rows], handle)
    output = server.manage("shell", "-c", f"from bench._plans import report; report({handle.name!r})")
    return json.loads(output.splitlines()[-1])


def load_catalog(server, images):
    server.data_dir.mkdir(parents=True, exist_ok=True)
    server.database.create()
    server.manage("migrate", "--noinput", "-v0")
    output = server.manage("shell", "-c", f"from bench._catalog import load; load({images})").splitlines()
    print("\n".join(output[:-1]), flush=True)
    return json.loads(output[-1])


HEADER = f"{'query':<58} {'role':<6} {'marker':<6} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms':>7} {'SQL/req':>7} {'rows':>5}"


def connect(server):
    return http.client.HTTPConnection(*urlsplit(server.url).netloc.split(":"), timeout=60)


def run(server, summary, args):
    rows = [row for row in scenarios(connect(server), summary) if not args.only or re.search(args.only, row[0])]
    details = in_process_details(server, rows)
    # A fresh connection: HAProxy closes one left idle while the details were taken.
    connection = connect(server)
    print(f"\n{HEADER}\n{'-' * len(HEADER)}", flush=True)
    results, pids = [], [server.pid] + ([database_pid()] if args.backend == "mariadb" else [])
    for (query, role, marker, path, headers), detail in zip(rows, details):
        returned = len(fetch(connection, path, headers)["images"])
        for _ in range(5):
            fetch(connection, path, headers)
        p50, p99, cpu = timed(connection, path, headers, args.requests, [pid for pid in pids if pid])
        results.append((query, role, marker, p50, p99, detail))
        flag = "  <-- over" if p99 >= TARGET_P99_MS else ""
        print(f"{query[:58]:<58} {role:<6} {marker:<6} {p50:>7.1f} {p99:>7.1f} {cpu:>7.1f} {detail['queries']:>7} "
              f"{returned:>5}{flag}", flush=True)
    return results


def report_slow(results, explain):
    slow = [row for row in results if row[4] >= TARGET_P99_MS]
    if explain:
        for query, role, marker, _, p99, detail in (results if explain == "all" else slow):
            print(f"\n{query} ({role}{', marker' if marker else ''}): p99 {p99:.1f} ms\n  {detail['sql']}")
            print("\n".join(f"    {line}" for line in detail["plan"]))
    worst = max(results, key=lambda row: row[4])
    print(f"\nsummary: {len(results)} scenarios, {len(slow)} with p99 >= {TARGET_P99_MS} ms; worst "
          f"{worst[0]!r} ({worst[1]}{', marker' if worst[2] else ''}) p99 {worst[4]:.1f} ms; "
          f"load average {os.getloadavg()[0]:.1f}")
    return 1 if slow else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "mariadb"), default="sqlite")
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per scenario")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--only", help="run only the queries matching this regular expression")
    parser.add_argument("--explain", nargs="?", const="slow", choices=("slow", "all"),
                        help="print the page query's plan for slow (default) or all scenarios")
    parser.add_argument("--dir", default=None, help="where the server's data directory goes")
    parser.add_argument("--save", help="write the p50/p99 of every row to this JSON file "
                                       "(bench/bench_list_glance.py --compare prints them beside Glance's)")
    args = parser.parse_args()
    if args.backend == "mariadb":
        if not os.environ.get("DATABASE_URL", "").startswith("mysql"):
            os.environ["DATABASE_URL"] = MARIADB_URL
    else:
        os.environ.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory(prefix="bench-list-", dir=args.dir) as data_dir:
        server = LiveServer(Path(data_dir) / "server", workers=args.workers)
        try:
            started = time.perf_counter()
            summary = load_catalog(server, args.images)
            print(f"catalog of {args.images} images on {args.backend} ready in {time.perf_counter() - started:.0f}s")
            server.start(timeout=120)
            results = run(server, summary, args)
        finally:
            server.stop()
    if args.save:
        Path(args.save).write_text(json.dumps([row[:5] for row in results]))
    return report_slow(results, args.explain)


if __name__ == "__main__":
    sys.exit(main())
