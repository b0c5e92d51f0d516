"""What the image cache buys for remote stores: downloads from Swift or S3 without the cache, the first
download with it (a miss, filling the cache as it streams), and the cached ones after.

    .venv/bin/python bench/bench_cache.py [--size-mib 512] [--stores swift s3] [--repeat 3]

For each store: one node (`manage.py serve`) with IMAGE_CACHE_DIR set and that store the default; an
image of SIZE uploaded, then read as a byte Range covering the whole image (Range requests bypass the
cache, as in Glance: the store's own rate through the service), then one whole download (a miss that
fills the cache as it streams), then `--repeat` whole downloads (hits); then, untimed, the md5 of what the
store and the cache serve is checked.
Prints MB/s (10^6 bytes) per row and the hits and misses the node's /metrics counted.
"""
import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_images import CHUNK, MB, MiB, connect, payload, upload  # noqa: E402
from bench.bench_stores import store_config, swift_env  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402


def timed_download(server, image_id, headers=None, check=False):
    """(seconds, md5 or None) of one download streamed through a 1 MiB buffer; hashing (`check`) would
    make the client's md5 the limit, so timed runs only count bytes."""
    connection, buffer = connect(server), bytearray(CHUNK)
    view, digest = memoryview(buffer), hashlib.md5(usedforsecurity=False)
    started = time.perf_counter()
    connection.request("GET", f"/v2/images/{image_id}/file", headers=headers or {})
    response = connection.getresponse()
    assert response.status in (200, 206), response.status
    while count := response.readinto(buffer):
        if check:
            digest.update(view[:count])
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, digest.hexdigest() if check else None


def cache_lookups(server):
    connection = connect(server)
    connection.request("GET", "/metrics", headers={"Accept": "text/plain"})
    text = connection.getresponse().read().decode()
    counts = {}
    for line in text.splitlines():
        if line.startswith("glance_image_cache_lookups_total{"):
            counts[line.split('result="')[1].split('"')[0]] = float(line.rsplit(" ", 1)[1])
    return counts


def run_store(kind, env, chunks, md5, directory, repeat):
    size = sum(map(len, chunks))
    extra = {"IMAGE_STORES": json.dumps({kind: store_config(kind, env, directory)}), "IMAGE_DEFAULT_STORE": kind,
             "IMAGE_CACHE_DIR": str(directory / f"cache-{kind}")}
    rows = []
    with LiveServer(directory / f"server-{kind}", workers=2, extra_env=extra) as server:
        _, _, image = upload(server, chunks)
        for label, headers in [("uncached (store)", {"Range": f"bytes=0-{size - 1}"}), ("first (miss + fill)", None),
                               *[(f"cached #{n + 1}", None) for n in range(repeat)]]:
            seconds, _ = timed_download(server, image["id"], headers)
            rows.append(f"{kind:6} {label:20} {size / seconds / MB:8.0f} MB/s")
        for label, headers in (("store", {"Range": f"bytes=0-{size - 1}"}), ("cache", None)):  # untimed checks
            assert timed_download(server, image["id"], headers, check=True)[1] == md5, f"{kind} {label}: bad bytes"
        rows.append(f"{kind:6} cache lookups on the node: {cache_lookups(server)}")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--stores", nargs="+", default=["swift", "s3"], choices=["swift", "s3", "file"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    chunks = payload(args.size_mib * MiB)
    md5 = hashlib.md5(b"".join(chunks), usedforsecurity=False).hexdigest()
    env = swift_env() if {"swift", "s3"} & set(args.stores) else {}
    print(f"{args.size_mib} MiB image; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as data_dir:
        for kind in args.stores:
            for row in run_store(kind, env, chunks, md5, Path(data_dir), args.repeat):
                print(row, flush=True)


if __name__ == "__main__":
    main()
