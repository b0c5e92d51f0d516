"""What METADEF_ENFORCEMENT costs an image PATCH, with the vendor namespaces loaded.

    .venv/bin/python bench/bench_enforcement.py [--requests 1000]

Two servers as `make run` serves them (1 gunicorn worker, so the numbers are per worker), the same
catalog in both (fixtures/metadefs, every namespace associated with OS::Glance::Image enforced in
the second): one client PATCHes an image's governed property back and forth (hw_vif_model,
hw_disk_bus) and an ungoverned one. Prints p50/mean latency and server CPU per request for each
mode and the difference. Target: at most 2 ms more per PATCH with enforcement on.
"""
import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._load import process_tree_cpu_seconds  # noqa: E402
from tests.support.live_server import LiveServer  # noqa: E402

TARGET_MS = 2.0
PATCH = "application/openstack-images-v2.1-json-patch"
ENFORCE_ALL = ("from metadefs.models import Namespace; Namespace.objects.filter("
               "resource_type_associations__resource_type__name='OS::Glance::Image').update(enforced=True)")
CHANGES = [("hw_vif_model", "virtio"), ("hw_vif_model", "e1000"), ("hw_disk_bus", "scsi"), ("colour", "blue")]


def run(server, requests):
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("POST", "/v2/images", body=json.dumps({"name": "bench"}),
                       headers={"Content-Type": "application/json"})
    image_id = json.loads(connection.getresponse().read())["id"]
    latencies, cpu_before = [], process_tree_cpu_seconds(server.pid)
    for n in range(requests):
        name, value = CHANGES[n % len(CHANGES)]
        body = json.dumps([{"op": "add", "path": f"/{name}", "value": f"{value}"}])
        started = time.perf_counter()
        connection.request("PATCH", f"/v2/images/{image_id}", body=body, headers={"Content-Type": PATCH})
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, response.status
    cpu_ms = (process_tree_cpu_seconds(server.pid) - cpu_before) * 1000 / requests
    connection.close()
    return statistics.median(latencies), statistics.fmean(latencies), cpu_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-enforcement-") as data_dir:
        for mode in ("off", "enforce"):
            with LiveServer(Path(data_dir) / mode, workers=1, extra_env={"METADEF_ENFORCEMENT": mode}) as server:
                server.manage("load_metadefs", "fixtures/metadefs")
                server.manage("shell", "-c", ENFORCE_ALL)
                run(server, 50)  # warm-up: connections, caches, the rules
                results[mode] = run(server, args.requests)
    print(f"{args.requests} PATCH requests per mode, one client, one gunicorn worker")
    print(f"{'mode':8} {'p50 ms':>7} {'mean ms':>8} {'CPU ms':>7}")
    for mode, (p50, mean, cpu) in results.items():
        print(f"{mode:8} {p50:7.2f} {mean:8.2f} {cpu:7.2f}")
    extra = results["enforce"][2] - results["off"][2]
    verdict = "ok" if extra <= TARGET_MS else "MISSED"
    print(f"enforcement costs {extra:.2f} ms of server CPU per PATCH ({verdict}, target <= {TARGET_MS} ms); "
          f"p50 {results['enforce'][0] - results['off'][0]:+.2f} ms")


if __name__ == "__main__":
    main()
