"""Image data through the service for each store type, next to the store's own speed with its native client.

    .venv/bin/python bench/bench_stores.py [--size-mib 1024] [--stores file swift s3] [--workers 2]

For each store: the same SIZE of data written and read back with the store's own client on this
machine (swift: python-swiftclient; s3: boto3, multipart; file, which has no client: write + fsync
and a read from the page cache, for reference), then
uploaded and downloaded through the API (`manage.py serve`, that store the default), checking the
md5 the server reports and the bytes read back, and sampling the gunicorn workers' RSS. Swift and
S3 are the Swift all-in-one of .ci/swift/start (its env file, $SWIFT_HOME/swift.env); it is started
when it does not answer.

Targets: the service within 20% of the native client (upload and download), worker RSS growth
< 64 MiB. MB here is 10^6 bytes, MiB 2^20.
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

from bench.bench_images import MB, MiB, download, payload, upload  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402

TARGET_OVERHEAD = 0.20
TARGET_RSS_MIB = 64


def swift_env():
    """swift.env's variables; Swift is started (and left running) when it does not answer."""
    import subprocess

    from tests.support.env_files import read_env_file
    from tests.support.swift_server import START, SWIFT_HOME, proxy_answers

    env_file = SWIFT_HOME / "swift.env"
    if not (env_file.exists() and proxy_answers(read_env_file(env_file)["SWIFT_AUTH_URL"])):
        subprocess.run([str(START)], check=True)
    return read_env_file(env_file)


class MachineCpu:
    """CPU seconds the whole machine spent (every process: client, service, the store's servers) between
    `start` and `seconds`: on a small machine, the part of the story that MB/s alone hides."""

    def __init__(self):
        self.started = self._busy()

    @staticmethod
    def _busy():
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]
        return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")

    def seconds(self):
        return self._busy() - self.started


# --- native clients ---------------------------------------------------------------------------

def native_file(chunks, directory):
    path = directory / "native.bin"
    started, cpu = time.perf_counter(), MachineCpu()
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    wrote, wrote_cpu = time.perf_counter() - started, cpu.seconds()
    started = time.perf_counter()
    with open(path, "rb") as data:
        while data.read(MiB):
            pass
    read = time.perf_counter() - started
    path.unlink()
    return wrote, read, wrote_cpu


def native_swift(chunks, env):
    from swiftclient.client import Connection

    connection = Connection(authurl=env["SWIFT_AUTH_URL"], user=env["SWIFT_USER"], key=env["SWIFT_KEY"])
    connection.put_container("bench-native-swift")
    started, cpu = time.perf_counter(), MachineCpu()
    connection.put_object("bench-native-swift", "object", contents=iter(chunks), chunk_size=MiB)
    wrote, wrote_cpu = time.perf_counter() - started, cpu.seconds()
    started = time.perf_counter()
    _, body = connection.get_object("bench-native-swift", "object", resp_chunk_size=MiB)
    for _ in body:
        pass
    read = time.perf_counter() - started
    connection.delete_object("bench-native-swift", "object")
    return wrote, read, wrote_cpu


def native_s3(chunks, env):
    import boto3
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config

    client = boto3.client("s3", endpoint_url=env["S3_ENDPOINT_URL"], aws_access_key_id=env["S3_ACCESS_KEY"],
                          aws_secret_access_key=env["S3_SECRET_KEY"], region_name=env.get("S3_REGION", "us-east-1"),
                          config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    try:
        client.create_bucket(Bucket="bench-native-s3")
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    reader = ChunkReader(chunks)
    config = TransferConfig(multipart_chunksize=64 * MiB, max_concurrency=1)
    started, cpu = time.perf_counter(), MachineCpu()
    client.upload_fileobj(reader, "bench-native-s3", "object", Config=config)
    wrote, wrote_cpu = time.perf_counter() - started, cpu.seconds()
    started = time.perf_counter()
    body = client.get_object(Bucket="bench-native-s3", Key="object")["Body"]
    while body.read(MiB):
        pass
    read = time.perf_counter() - started
    client.delete_object(Bucket="bench-native-s3", Key="object")
    return wrote, read, wrote_cpu


class ChunkReader:
    """The payload as a file object (what boto3's managed upload reads), without quadratic copying."""

    def __init__(self, chunks):
        self.chunks, self.pending = iter(chunks), b""

    def read(self, size=-1):
        parts, wanted = [], size if size >= 0 else float("inf")
        while wanted > 0:
            piece = self.pending or next(self.chunks, b"")
            if not piece:
                break
            taken = piece[:int(min(wanted, len(piece)))]
            self.pending = piece[len(taken):]
            parts.append(taken)
            wanted -= len(taken)
        return b"".join(parts)


# --- through the service ----------------------------------------------------------------------

def store_config(kind, env, directory):
    if kind == "file":
        return {"type": "file", "directory": str(directory / "images")}
    if kind == "swift":
        return {"type": "swift", "auth_url": env["SWIFT_AUTH_URL"], "user": env["SWIFT_USER"],
                "key": env["SWIFT_KEY"], "container": "bench-glance-swift"}
    return {"type": "s3", "endpoint_url": env["S3_ENDPOINT_URL"], "access_key": env["S3_ACCESS_KEY"],
            "secret_key": env["S3_SECRET_KEY"], "region": env.get("S3_REGION", "us-east-1"),
            "bucket": "bench-glance-s3"}


def through_service(kind, env, chunks, md5, directory, workers):
    stores = json.dumps({kind: store_config(kind, env, directory)})
    with LiveServer(directory / f"server-{kind}", workers=workers,
                    extra_env={"IMAGE_STORES": stores, "IMAGE_DEFAULT_STORE": kind}) as server:
        size, cpu = sum(map(len, chunks)), MachineCpu()
        wrote, upload_rss, image = upload(server, chunks)
        wrote_cpu = cpu.seconds()
        assert (image["size"], image["checksum"]) == (size, md5), image
        received, read, download_rss = download(server, image["id"])
        assert received == size, received
        digest = hashlib.md5(usedforsecurity=False)  # a second, untimed read checks the bytes themselves
        received, _, _ = download(server, image["id"], digest)
        assert (received, digest.hexdigest()) == (size, md5), "the bytes read back differ"
    return wrote, read, wrote_cpu, max(upload_rss, download_rss)


def report(kind, size, native, service, rss):
    rows = []
    for what, native_s, service_s in (("upload", native[0], service[0]), ("download", native[1], service[1])):
        native_rate, service_rate = size / native_s / MB, size / service_s / MB
        overhead = 1 - service_rate / native_rate
        verdict = "ok" if overhead <= TARGET_OVERHEAD else "MISSED"
        if kind == "file":  # no client of its own: the disk's speed, for reference (the service also hashes)
            verdict = "reference only"
        rows.append(f"{kind:6} {what:9} native {native_rate:8.0f} MB/s   service {service_rate:8.0f} MB/s   "
                    f"overhead {overhead * 100:5.1f}% ({verdict}, target <= {TARGET_OVERHEAD:.0%})")
    gib = size / 1024 ** 3
    rows.append(f"{kind:6} upload CPU (whole machine): native {native[2] / gib:.1f} s/GiB, service "
                f"{service[2] / gib:.1f} s/GiB (the service adds md5 + sha512 and the relaying)")
    rows.append(f"{kind:6} gunicorn worker RSS growth {rss:.1f} MiB "
                f"({'ok' if rss < TARGET_RSS_MIB else 'MISSED'}, target < {TARGET_RSS_MIB} MiB); md5 checked")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--stores", nargs="+", default=["file", "swift", "s3"], choices=["file", "swift", "s3"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    chunks = payload(args.size_mib * MiB)
    size = sum(map(len, chunks))
    md5 = hashlib.md5(b"".join(chunks), usedforsecurity=False).hexdigest()
    env = swift_env() if {"swift", "s3"} & set(args.stores) else {}
    print(f"{args.size_mib} MiB per run; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-stores-", dir=args.dir) as data_dir:
        directory = Path(data_dir)
        natives = {"file": lambda: native_file(chunks, directory), "swift": lambda: native_swift(chunks, env),
                   "s3": lambda: native_s3(chunks, env)}
        for kind in args.stores:
            native = natives[kind]()
            *service, rss = through_service(kind, env, chunks, md5, directory, args.workers)
            for row in report(kind, size, native, service, rss):
                print(row, flush=True)


if __name__ == "__main__":
    main()
