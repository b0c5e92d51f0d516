"""`manage.py replicate livecopy` between two local instances of the service: MB/s, peak memory, a no-op rerun.

    .venv/bin/python bench/bench_replicate.py [--big-mib 512] [--small 50]

The source gets one image of BIG MiB and SMALL images of 64 KiB (raw, random data). Printed: the
first livecopy's wall time and MB/s next to a plain download + upload of the big image through the
same servers (curl-free: Python's http.client, so the reference is the servers' own speed), the
replicator's peak RSS (it must not grow with the image: data streams), and the second run's time,
which moves no data. MB here is 10^6 bytes, MiB 2^20.
"""
import argparse
import http.client
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.http_calls import ok  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402
from tests.support.replication import replicate_argv, replicate_env  # noqa: E402

MiB = 1024 * 1024


def make_image(server, name, size):
    image = ok(server, "POST", "/v2/images", {"name": name, "disk_format": "raw", "container_format": "bare"})
    with tempfile.TemporaryFile() as data:
        for _ in range(0, size, MiB):
            data.write(os.urandom(min(MiB, size - data.tell())))
        data.seek(0)
        ok(server, "PUT", f"/v2/images/{image['id']}/file", data=data,
           headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)}, blocksize=MiB)
    return image["id"]


def reference_copy(source, target, image_id, size):
    """Seconds for a plain streamed GET from the source into a PUT to the target (no replicator)."""
    body = {"name": "reference", "disk_format": "raw", "container_format": "bare"}
    created = ok(target, "POST", "/v2/images", body)
    started = time.monotonic()
    src, dst = urlsplit(source.url), urlsplit(target.url)
    download = http.client.HTTPConnection(src.hostname, src.port, timeout=300)
    download.request("GET", f"/v2/images/{image_id}/file")
    upload = http.client.HTTPConnection(dst.hostname, dst.port, timeout=300, blocksize=MiB)
    upload.request("PUT", f"/v2/images/{created['id']}/file", body=download.getresponse(),
                   headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)})
    assert upload.getresponse().status == 204
    return time.monotonic() - started, created["id"]


def timed_livecopy(source, target, scratch, chunksize):
    """(seconds, peak RSS in MiB, summary line) of one livecopy run in a child process."""
    started = time.monotonic()
    argv = replicate_argv("livecopy", "-c", chunksize, source.url, target.url)
    result = subprocess.run(argv, env=replicate_env(scratch), cwd=Path(__file__).resolve().parent.parent,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return time.monotonic() - started, peak, result.stdout.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--big-mib", type=int, default=512)
    parser.add_argument("--small", type=int, default=50)
    parser.add_argument("--chunksize", type=int, default=65536, help="the replicator's --chunksize")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        root = Path(root)
        with LiveServer(root / "source", workers=2) as source, LiveServer(root / "target", workers=2) as target:
            big = make_image(source, "big", args.big_mib * MiB)
            for number in range(args.small):
                make_image(source, f"small-{number}", 64 * 1024)
            reference, reference_id = reference_copy(source, target, big, args.big_mib * MiB)
            ok(target, "DELETE", f"/v2/images/{reference_id}")
            total = args.big_mib * MiB + args.small * 64 * 1024
            first, peak, summary = timed_livecopy(source, target, root, args.chunksize)
            second, _, second_summary = timed_livecopy(source, target, root, args.chunksize)
    print(f"reference: {args.big_mib} MiB GET->PUT in {reference:.1f}s = "
          f"{args.big_mib * MiB / reference / 1e6:.0f} MB/s")
    print(f"livecopy:  {1 + args.small} images, {total / 1e6:.0f} MB in {first:.1f}s wall (with the command's "
          f"start-up) = {total / first / 1e6:.0f} MB/s; replicator peak RSS {peak:.0f} MiB")
    print(f"           {summary}")
    print(f"rerun:     {second:.1f}s ({second_summary})")


if __name__ == "__main__":
    main()
