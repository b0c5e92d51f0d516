"""bench/bench_list_scale.py's list queries against a real Glance 33 on the same catalog, for comparison.

    .venv/bin/python bench/bench_list_glance.py [--images 100000] [--requests 20] [--only REGEX]
                                                [--compare FILE] [--dir DIR]

Glance 33 (.ci/glance/start: uWSGI, SQLite, the CI's virtualenv in /tmp/glance-glance33/venv, installed
on first use) is started on its own port and data directory with the "trusted" paste flavor, so the
admin and member roles of bench_list_scale.py are the same identity headers; bench/_glance_catalog.py
writes the same seeded catalog into its tables. Each row is timed as bench_list_scale.py times it
(one keep-alive client, after a warm-up); a query Glance refuses shows its status instead. With
`--compare FILE` (bench_list_scale.py --save FILE, same --images) this service's p50/p99 are printed
beside Glance's. Glance is stopped and its directory removed at the end.
"""
import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_list_scale import ROLES, TARGET_P99_MS, fetch, scenarios, timed  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GLANCE_VENV = os.environ.get("GLANCE_VENV", "/tmp/glance-glance33/venv")
# The identity headers Glance's context middleware believes under the trusted flavor.
GLANCE_ROLES = {role: {**headers, "X-Identity-Status": "Confirmed", "X-User-Id": f"bench-{role}"}
                for role, headers in ROLES.items()}
HEADER = (f"{'query':<58} {'role':<6} {'marker':<6} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms':>7} {'rows':>5}"
          f" {'ours p50':>8} {'ours p99':>8}")


def start_glance(home, port):
    env = {**os.environ, "GLANCE_HOME": str(home), "GLANCE33_PORT": str(port), "GLANCE_FLAVOR": "trusted",
           "GLANCE_VENV": GLANCE_VENV}
    subprocess.run([str(ROOT / ".ci/glance/start")], env=env, check=True)
    return env


def load_catalog(home, images):
    """The catalog in Glance's database (through this project's manage.py, whose own database is untouched)."""
    env = {**os.environ, "GLANCE_DATA_DIR": str(home / "unused")}
    env.pop("DATABASE_URL", None)
    code = f"from bench._glance_catalog import load; load({images}, {str(home / 'glance.sqlite')!r})"
    output = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "-c", code], env=env, check=True,
                            capture_output=True, text=True).stdout.splitlines()
    print("\n".join(output[:-1]), flush=True)
    return json.loads(output[-1])


def ours(path):
    """(query, role, marker) -> (p50, p99) from a bench_list_scale.py --save file."""
    if not path:
        return {}
    return {tuple(row[:3]): tuple(row[3:5]) for row in json.loads(Path(path).read_text())}


def run(port, summary, args):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    rows = [row for row in scenarios(connection, summary, GLANCE_ROLES, strict=False)
            if not args.only or re.search(args.only, row[0])]
    pid = int((args.home / "glance.pid").read_text())
    compared, results = ours(args.compare), []
    print(f"\n{HEADER}\n{'-' * len(HEADER)}", flush=True)
    for query, role, marker, path, headers in rows:
        mine = compared.get((query, role, marker))
        mine_text = f" {mine[0]:>8.1f} {mine[1]:>8.1f}" if mine else ""
        try:
            returned = len(fetch(connection, path, headers)["images"])
        except RuntimeError as refused:
            print(f"{query[:58]:<58} {role:<6} {marker:<6} refused: {str(refused)[:60]}{mine_text}", flush=True)
            continue
        for _ in range(3):
            fetch(connection, path, headers)
        p50, p99, cpu = timed(connection, path, headers, args.requests, [pid])
        results.append((query, role, marker, p50, p99))
        print(f"{query[:58]:<58} {role:<6} {marker:<6} {p50:>7.1f} {p99:>7.1f} {cpu:>7.1f} {returned:>5}{mine_text}",
              flush=True)
    return results, compared


def summarize(results, compared):
    slow = [row for row in results if row[4] >= TARGET_P99_MS]
    line = f"summary: Glance 33, {len(results)} scenarios answered, {len(slow)} with p99 >= {TARGET_P99_MS} ms"
    if results:
        worst = max(results, key=lambda row: row[4])
        line += f"; worst {worst[0]!r} ({worst[1]}{', marker' if worst[2] else ''}) p99 {worst[4]:.1f} ms"
    both = [(row[4], compared[row[:3]][1]) for row in results if row[:3] in compared]
    if both:
        faster = sum(1 for theirs, mine in both if mine < theirs)
        line += f"; this service's p99 lower on {faster} of {len(both)} compared rows"
    print(f"\n{line}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per scenario")
    parser.add_argument("--only", help="run only the queries matching this regular expression")
    parser.add_argument("--compare", help="a bench_list_scale.py --save file of the same catalog size")
    parser.add_argument("--port", type=int, default=9495)
    parser.add_argument("--dir", default=None, help="where Glance's directory goes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-glance-", dir=args.dir) as home:
        args.home = Path(home)
        env = start_glance(args.home, args.port)
        try:
            summary = load_catalog(args.home, args.images)
            results, compared = run(args.port, summary, args)
        finally:
            subprocess.run([str(ROOT / ".ci/glance/stop")], env=env, check=False)
    summarize(results, compared)
    return 0


if __name__ == "__main__":
    sys.exit(main())
