"""Image data throughput, server memory and catalog latency under gunicorn, as `make run` serves it.

    .venv/bin/python bench/bench_images.py [--size-mib 1024] [--records 10000] [--requests 1000]
                                           [--concurrency 1 8] [--workers 2] [--dir DIR]

1. The machine's limit without HTTP: md5 + sha512 over SIZE and writing it (1 MiB chunks,
   then fsync) to the disk the server's store is on; hashing and writing alone for reference.
2. Upload of SIZE over loopback (chunked body from a generator) and download (streamed to
   /dev/null; then once more hashing it, to check the md5), with the peak growth of the
   gunicorn workers' RSS over their baseline (sampled from /proc every 50 ms).
3. SQL-inserted image records (RECORDS, with properties, tags and memberships), then
   GET /v2/images?limit=20 and GET /v2/images/{id} over HTTP: req/s, p50/p99 latency.

Targets: upload >= 80% of the no-HTTP limit; download >= 1 GB/s; RSS growth < 64 MiB;
list p99 < 20 ms (one client). MB here is 10^6 bytes, MiB 2^20.
"""
import argparse
import hashlib
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._load import HEADER, measure  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402

MiB = 1024 * 1024
MB = 1_000_000
CHUNK = MiB
TARGET_UPLOAD_SHARE = 0.8
TARGET_DOWNLOAD_MBPS = 1000
TARGET_RSS_MIB = 64
TARGET_LIST_P99_MS = 20
RSS_INTERVAL = 0.05


def payload(size):
    """`size` bytes in 1 MiB chunks cycling over 16 random blocks (generated once, outside any timing)."""
    blocks = [os.urandom(CHUNK) for _ in range(16)]
    full, rest = divmod(size, CHUNK)
    return [blocks[i % len(blocks)] for i in range(full)] + ([blocks[0][:rest]] if rest else [])


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


# --- 1. the limit without HTTP ----------------------------------------------------------

def hash_chunks(chunks):
    md5, sha512 = hashlib.md5(usedforsecurity=False), hashlib.sha512()
    for chunk in chunks:
        md5.update(chunk)
        sha512.update(chunk)
    return md5.hexdigest()


def write_chunks(chunks, path, hash_too):
    md5, sha512 = hashlib.md5(usedforsecurity=False), hashlib.sha512()
    with open(path, "wb") as out:
        for chunk in chunks:
            if hash_too:
                md5.update(chunk)
                sha512.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    path.unlink()
    return md5.hexdigest()


def local_limits(chunks, directory):
    size = sum(map(len, chunks))
    rate = {}
    elapsed, md5 = timed(hash_chunks, chunks)
    rate["md5+sha512 only"] = size / elapsed / MB
    elapsed, _ = timed(write_chunks, chunks, directory / "limit.bin", False)
    rate["write+fsync only"] = size / elapsed / MB
    elapsed, _ = timed(write_chunks, chunks, directory / "limit.bin", True)
    rate["md5+sha512+write+fsync"] = size / elapsed / MB
    return rate, md5


# --- 2. data over HTTP ----------------------------------------------------------------------

class RssSampler(threading.Thread):
    """Peak growth of the gunicorn workers' summed RSS over what it was when sampling started."""

    def __init__(self, master_pid):
        super().__init__(daemon=True)
        self.master_pid = master_pid
        self.baseline = self.peak = self._total()
        self._done = threading.Event()

    def _total(self):
        children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children").read_text().split()
        return sum(_rss_kib(pid) for pid in children)

    def run(self):
        while not self._done.wait(RSS_INTERVAL):
            self.peak = max(self.peak, self._total())

    def growth_mib(self):
        self._done.set()
        self.join()
        return (self.peak - self.baseline) / 1024


def _rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def connect(server):
    host, port = server.url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=600)


def request_json(connection, method, path, document=None):
    body = json.dumps(document) if document is not None else None
    connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, json.loads(response.read() or "null")


def upload(server, chunks):
    connection = connect(server)
    status, image = request_json(connection, "POST", "/v2/images",
                                 {"name": "bench", "disk_format": "raw", "container_format": "bare"})
    assert status == 201, image
    sampler = RssSampler(server.pid)
    sampler.start()
    started = time.perf_counter()
    connection.request("PUT", f"/v2/images/{image['id']}/file", body=iter(chunks),
                       headers={"Content-Type": "application/octet-stream"}, encode_chunked=True)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    assert response.status == 204, response.status
    status, stored = request_json(connection, "GET", f"/v2/images/{image['id']}")
    connection.close()
    return elapsed, sampler.growth_mib(), stored


def download(server, image_id, digest=None):
    """Stream the image's data to /dev/null (hashing it with `digest` if given); bytes, seconds, RSS growth."""
    connection, buffer = connect(server), bytearray(CHUNK)
    view, received = memoryview(buffer), 0
    sampler = RssSampler(server.pid)
    sampler.start()
    started = time.perf_counter()
    connection.request("GET", f"/v2/images/{image_id}/file")
    response = connection.getresponse()
    assert response.status == 200, response.status
    with open(os.devnull, "wb") as sink:
        while count := response.readinto(buffer):
            sink.write(view[:count])
            if digest is not None:
                digest.update(view[:count])
            received += count
    elapsed = time.perf_counter() - started
    connection.close()
    return received, elapsed, sampler.growth_mib()


def data_results(server, chunks, expected_md5):
    size = sum(map(len, chunks))
    elapsed, upload_rss, image = upload(server, chunks)
    assert (image["size"], image["checksum"]) == (size, expected_md5), image
    results = {"upload": (size / elapsed / MB, upload_rss, "size and md5 reported by the server match")}
    received, elapsed, download_rss = download(server, image["id"])
    assert received == size, received
    results["download"] = (size / elapsed / MB, download_rss, "size matches")
    digest = hashlib.md5(usedforsecurity=False)
    received, elapsed, rss = download(server, image["id"], digest)
    assert (received, digest.hexdigest()) == (size, expected_md5)
    results["download + md5 in the client"] = (size / elapsed / MB, rss, "size and md5 match")
    return results, image["id"]


# --- 3. the catalog ---------------------------------------------------------------------------

SEED = """
import random, uuid
from django.db import transaction
from images.models import Image, ImageLocation, ImageMember, ImageProperty, ImageTag
random.seed(7)
N = {records}
visibilities = ["public"] * 20 + ["shared"] * 60 + ["private"] * 15 + ["community"] * 5
images = [Image(id=str(uuid.uuid4()), name=f"image-{{n:05d}}", status="active", disk_format="qcow2",
                container_format="bare", size=random.randrange(1 << 20, 1 << 32), checksum=uuid.uuid4().hex,
                os_hash_algo="sha512", os_hash_value=uuid.uuid4().hex * 4, owner=f"project-{{n % 50:02d}}",
                visibility=random.choice(visibilities))
          for n in range(N)]
with transaction.atomic():
    Image.objects.bulk_create(images, batch_size=500)
    ImageLocation.objects.bulk_create(
        [ImageLocation(image=i, store="file", url=f"file:///nowhere/{{n}}") for n, i in enumerate(images)],
        batch_size=500)
    ImageProperty.objects.bulk_create(
        [ImageProperty(image=i, name=name, value=value) for i in images
         for name, value in (("hw_disk_bus", "scsi"), ("os_distro", "ubuntu"), ("os_version", "24.04"))],
        batch_size=500)
    ImageTag.objects.bulk_create([ImageTag(image=i, value=f"tag-{{n % 7}}") for n, i in enumerate(images)],
                                 batch_size=500)
    ImageMember.objects.bulk_create(
        [ImageMember(image=i, member=f"project-{{(n + 1) % 50:02d}}", status="accepted")
         for n, i in enumerate(images) if i.visibility == "shared"], batch_size=500)
print(" ".join(random.sample([i.id for i in images], 200)))
"""


def catalog_scenarios(sample_ids):
    member = {"X-Project-Id": "project-07", "X-Roles": "member"}
    return [
        ("GET /v2/images?limit=20 (admin)", ["/v2/images?limit=20"], {}),
        ("GET /v2/images?limit=20 (member)", ["/v2/images?limit=20"], member),
        ("GET /v2/images/{id} (admin)", [f"/v2/images/{i}" for i in sample_ids], {}),
    ]


# --- report ---------------------------------------------------------------------------------

def print_table(title, header, rows):
    print(f"\n{title}")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(row, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="image size for the data runs")
    parser.add_argument("--records", type=int, default=10_000, help="image records for the catalog runs")
    parser.add_argument("--requests", type=int, default=1000, help="requests per scenario and concurrency")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--dir", default=None, help="where the server's data (and the limit's file) go")
    args = parser.parse_args()

    chunks = payload(args.size_mib * MiB)
    with tempfile.TemporaryDirectory(prefix="bench-images-", dir=args.dir) as data_dir:
        limits, md5 = local_limits(chunks, Path(data_dir))
        with LiveServer(Path(data_dir) / "server", workers=args.workers) as server:
            print(f"manage.py serve: HAProxy + gunicorn {args.workers} workers at {server.url}; "
                  f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; data in {data_dir}")
            print_table(f"No HTTP: {args.size_mib} MiB in 1 MiB chunks", f"{'':<32} {'MB/s':>8}",
                        [f"{name:<32} {rate:>8.0f}" for name, rate in limits.items()])
            transfers, image_id = data_results(server, chunks, md5)
            print_table(f"Over HTTP (loopback): {args.size_mib} MiB",
                        f"{'':<32} {'MB/s':>8} {'peak worker RSS growth MiB':>27}  check",
                        [f"{name:<32} {rate:>8.0f} {rss:>27.1f}  {check}"
                         for name, (rate, rss, check) in transfers.items()])
            request_json(connect(server), "DELETE", f"/v2/images/{image_id}")
            started = time.perf_counter()
            # The last line: Django's shell may print its own notes first.
            sample_ids = server.manage("shell", "-c", SEED.format(records=args.records)).splitlines()[-1].split()
            print(f"\n{args.records} image records inserted in {time.perf_counter() - started:.1f}s "
                  f"(3 properties and a tag each, shared ones with a member)")
            catalog = run_catalog(server, sample_ids, args)
            print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return summarize(limits, transfers, catalog)


def run_catalog(server, sample_ids, args):
    header = f"{'scenario':<36} {'conc':>4} {HEADER}"
    print_table("Catalog over HTTP", header, [])
    results = {}
    for name, paths, headers in catalog_scenarios(sample_ids):
        for concurrency in args.concurrency:
            result = results[name, concurrency] = measure(server, paths, headers=headers, requests=args.requests,
                                                          concurrency=concurrency)
            failed = f"  ({result.failures} not 200!)" if result.failures else ""
            print(f"{name:<36} {concurrency:>4} {result.row()}{failed}", flush=True)
    return results


def summarize(limits, transfers, catalog):
    # The target is the disk: md5 and the multihash run beside the write, on threads of their own.
    limit = limits["write+fsync only"]
    upload_rate, download_rate = transfers["upload"][0], transfers["download"][0]
    rss = max(rss for _, rss, _ in transfers.values())
    list_p99 = catalog["GET /v2/images?limit=20 (admin)", 1].p99
    failures = sum(result.failures for result in catalog.values())
    checks = [
        (f"upload {upload_rate:.0f} MB/s = {upload_rate / limit:.0%} of the no-HTTP {limit:.0f} MB/s "
         f"(target >= {TARGET_UPLOAD_SHARE:.0%})", upload_rate >= TARGET_UPLOAD_SHARE * limit),
        (f"download {download_rate:.0f} MB/s (target >= {TARGET_DOWNLOAD_MBPS})", download_rate >= TARGET_DOWNLOAD_MBPS),
        (f"RSS growth {rss:.1f} MiB (target < {TARGET_RSS_MIB})", rss < TARGET_RSS_MIB),
        (f"list p99 {list_p99:.1f} ms at 1 client (target < {TARGET_LIST_P99_MS})", list_p99 < TARGET_LIST_P99_MS),
        (f"{failures} failed requests", failures == 0),
    ]
    print("\nsummary: " + "; ".join(f"{text} {'OK' if met else 'MISSED'}" for text, met in checks))
    return 0 if all(met for _, met in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
