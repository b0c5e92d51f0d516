"""Image data through the service into an rbd store, next to `rbd import` / `rbd export` on the same cluster.

    .venv/bin/python bench/bench_rbd.py [--size-mib 1024] [--workers 2] [--chunk-size-mib 8]

The same SIZE of data (1 MiB blocks of random bytes) is first imported into the pool with `rbd import`
from a file and exported with `rbd export` to /dev/null (the cluster's own client, librbd in C),
then uploaded and downloaded through the API (`manage.py serve` with an rbd store the default),
checking the md5 and sha512 the server reports and the md5 of the bytes read back, and sampling the
gunicorn workers' RSS (after a few small uploads have connected librados in the workers). The same
upload and download into a file store, last, shows what the service itself can relay on this machine
at this moment (hashing md5 and sha512, HTTP through HAProxy and gunicorn): the part of any gap to
librbd that is not the rbd store's. The cluster is the one-node Ceph of .ci/ceph/start (its env file,
$CEPH_HOME/ceph.env); it is started, and left running, when it does not answer.

Targets: the service within 20% of the native client (upload and download), worker RSS growth
< 64 MiB. MB here is 10^6 bytes, MiB 2^20.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_images import MB, MiB, connect, download, payload, upload  # noqa: E402
from bench.bench_stores import MachineCpu, report  # noqa: E402
from bench.bench_stores import through_service as through_file_store  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402


def ceph_env():
    """ceph.env's variables; the cluster is started (and left running) when it does not answer."""
    from tests.support.ceph_server import CEPH_HOME, START, cluster_answers
    from tests.support.env_files import read_env_file

    env_file = CEPH_HOME / "ceph.env"
    if not cluster_answers(env_file):
        subprocess.run([str(START)], check=True, env={**os.environ, "CEPH_VENV": sys.prefix})
    return read_env_file(env_file)


def rbd(env, *args, **kwargs):
    return subprocess.run(["rbd", "-c", env["CEPH_CONF"], "--no-progress", *args], check=True, **kwargs)


def native_rbd(chunks, env, directory, chunk_size_mib):
    """`rbd import` of the payload from a file (written beforehand, untimed), then `rbd export` to /dev/null."""
    source, name = directory / "native.bin", f"{env['CEPH_POOL']}/bench-native-{os.getpid()}"
    with open(source, "wb") as out:
        out.writelines(chunks)
    started, cpu = time.perf_counter(), MachineCpu()
    rbd(env, "import", "--object-size", f"{chunk_size_mib}M", str(source), name)
    wrote, wrote_cpu = time.perf_counter() - started, cpu.seconds()
    source.unlink()
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        rbd(env, "export", name, "-", stdout=sink)
    read = time.perf_counter() - started
    rbd(env, "rm", name, capture_output=True)  # memstore keeps it in memory: make room for the service's copy
    return wrote, read, wrote_cpu


def through_service(env, chunks, hashes, directory, workers, chunk_size_mib):
    store = {"type": "rbd", "pool": env["CEPH_POOL"], "ceph_conf": env["CEPH_CONF"], "chunk_size": chunk_size_mib}
    with LiveServer(directory / "server-rbd", workers=workers,
                    extra_env={"IMAGE_STORES": json.dumps({"ceph": store}), "IMAGE_DEFAULT_STORE": "ceph"}) as server:
        # A few small uploads first connect librados in the workers (its libraries and threads, ~20 MiB once):
        # the growth measured below is then what a transfer costs.
        for _ in range(workers):
            server_delete(server, upload(server, chunks[:4])[2]["id"])
        size, cpu = sum(map(len, chunks)), MachineCpu()
        wrote, upload_rss, image = upload(server, chunks)
        wrote_cpu = cpu.seconds()
        try:
            assert (image["size"], image["checksum"], image["os_hash_value"]) == (size, *hashes), image
            received, read, download_rss = download(server, image["id"])
            assert received == size, received
            digest = hashlib.md5(usedforsecurity=False)  # a second, untimed read checks the bytes themselves
            received, _, _ = download(server, image["id"], digest)
            assert (received, digest.hexdigest()) == (size, hashes[0]), "the bytes read back differ"
        finally:
            server_delete(server, image["id"])  # memstore holds it in memory
    return wrote, read, wrote_cpu, max(upload_rss, download_rss)


def server_delete(server, image_id):
    connection = connect(server)
    connection.request("DELETE", f"/v2/images/{image_id}")
    assert connection.getresponse().status == 204
    connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size-mib", type=int, default=8, help="the store's chunk_size (RBD object size)")
    parser.add_argument("--no-file-reference", dest="file_reference", action="store_false",
                        help="skip the same transfer into a file store")
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    chunks = payload(args.size_mib * MiB)
    size = sum(map(len, chunks))
    md5, sha512 = hashlib.md5(usedforsecurity=False), hashlib.sha512()
    for chunk in chunks:
        md5.update(chunk)
        sha512.update(chunk)
    env = ceph_env()
    print(f"{args.size_mib} MiB per run, RBD objects of {args.chunk_size_mib} MiB; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-rbd-", dir=args.dir) as data_dir:
        directory = Path(data_dir)
        native = native_rbd(chunks, env, directory, args.chunk_size_mib)
        *service, rss = through_service(env, chunks, (md5.hexdigest(), sha512.hexdigest()), directory, args.workers,
                                        args.chunk_size_mib)
        for row in report("rbd", size, native, service, rss):
            print(row.replace("md5 checked", "md5 and sha512 checked"), flush=True)
        if args.file_reference:
            *service, _ = through_file_store("file", {}, chunks, md5.hexdigest(), directory, args.workers)
            print(f"file   the service's own ceiling, same data into a file store: upload {size / service[0] / MB:.0f} "
                  f"MB/s, download {size / service[1] / MB:.0f} MB/s")


if __name__ == "__main__":
    main()
