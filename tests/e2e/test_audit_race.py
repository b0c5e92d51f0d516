"""Two auditors with --fix at once (two nodes' timers) against the running service, then the real client."""
import json
import os
import subprocess
import time

import pytest
import requests

from tests.e2e.conftest import Cli
from tests.e2e.test_glanceclient_metadefs import record
from tests.support.live_server import PYTHON, ROOT, LiveServer

pytestmark = pytest.mark.e2e
ORPHANS = 30
DATA = b"audited data " * 10000


def upload(server, name):
    image = requests.post(f"{server.url}/v2/images", json={"name": name, "disk_format": "raw",
                                                           "container_format": "bare"}).json()
    requests.put(f"{server.url}/v2/images/{image['id']}/file", data=DATA,
                 headers={"Content-Type": "application/octet-stream"}).raise_for_status()
    return image["id"]


def test_two_auditors_remove_each_orphan_once_and_glanceclient_reads_the_marked_image(tmp_path, client_env):
    with LiveServer(tmp_path / "server") as server:
        store = tmp_path / "server" / "images"
        good, bad = upload(server, "good"), upload(server, "bad")
        (store / bad).write_bytes(DATA[::-1])
        past = time.time() - 7 * 24 * 3600
        for n in range(ORPHANS):
            (store / f"orphan-{n}").write_bytes(b"left behind")
            os.utime(store / f"orphan-{n}", (past, past))
        auditors = [subprocess.Popen([str(PYTHON), "manage.py", "audit", "--fix", "--json", "--store", "file"],
                                     cwd=ROOT, env=server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True) for _ in range(2)]
        results = [auditor.communicate(timeout=300) for auditor in auditors]
        # 2: both found the corrupt copy (the exit status a timer alerts on); neither failed
        assert [auditor.returncode for auditor in auditors] == [2, 2], results
        findings = [finding for out, _ in results for finding in json.loads(out)["findings"]]
        removed = [finding["url"] for finding in findings if finding["action"] == "removed"]
        assert len(removed) == len(set(removed)) == ORPHANS
        assert sorted(path.name for path in store.iterdir()) == sorted([good, bad])
        assert {finding["action"] for finding in findings if finding["kind"] == "corrupt"} <= {
            "marked corrupt", "marked corrupt already"}

        glance = Cli("glance", ["--os-image-url", server.url, "--os-auth-token", "e2e-token"], client_env)
        shown = record(glance("image-show", bad).stdout)
        assert (shown["status"], shown["os_glance_audit_failed"][:24]) == ("active", "corrupt in store file si")
        # The corrupt copy is not served: 204, as Glance answers when a store has no data for an image.
        result = glance("image-download", "--file", tmp_path / "bad.raw", bad, expect_failure=True)
        assert result.stderr == f"Image {bad} has no data.\n"
        glance("image-download", "--file", tmp_path / "good.raw", good)  # verified against os_hash_value
        assert (tmp_path / "good.raw").read_bytes() == DATA
