"""One deploy/cluster deployment for the session: three nodes behind the front HAProxy, a private MariaDB and
Swift, the shared `file` store on a 32 MiB tmpfs (when this runs as root) so that it can fill up.

These tests are left out of a plain `pytest` (pytest.ini: -m "not cluster"); run them with
`.venv/bin/python -m pytest -m cluster tests/cluster` (.ci/run does, after the MariaDB suite);
GLANCE_CLUSTER_REUSE=DIR runs them against a cluster already started in DIR (file-store test skipped).
"""
import os
import time
import subprocess

import pytest

from tests.support.cluster import Cluster, read_env

FILE_STORE_SIZE = "32m"
# The nodes' UPLOAD_LEASE_SECONDS: short, so that a killed node's uploads are undone by the others within the test.
LEASE = 10


@pytest.fixture(scope="session")
def small_file_store(tmp_path_factory):
    """A directory on a tmpfs of FILE_STORE_SIZE, or None when mounting is not allowed here."""
    directory = tmp_path_factory.mktemp("file-store")
    if os.geteuid() != 0:
        yield None
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={FILE_STORE_SIZE}", "tmpfs", str(directory)],
                             capture_output=True, text=True)
    yield directory if mounted.returncode == 0 else None
    if mounted.returncode == 0:
        subprocess.run(["umount", "-l", str(directory)], check=False)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, small_file_store):
    reuse = os.environ.get("GLANCE_CLUSTER_REUSE")
    if reuse:  # a cluster a developer started (deploy/cluster start --dir DIR): faster to iterate on a test
        deployment = Cluster(reuse)
        deployment.env = read_env(deployment.home / "cluster.env")
        deployment.small_file_store = None
        yield deployment
        return
    options = ["--upload-lease", str(LEASE), *(["--file-store", str(small_file_store)] if small_file_store else [])]
    deployment = Cluster(tmp_path_factory.mktemp("cluster"), *options).start()
    deployment.small_file_store = small_file_store
    yield deployment
    deployment.stop()


def wait_for(check, what, timeout):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout}s")
        time.sleep(0.3)


def nothing_receiving(cluster):
    """No image left `saving` or `uploading` (recovery has returned interrupted uploads to queued)."""
    from tests.support.cluster_audit import database_rows

    images, _ = database_rows(cluster.env["DATABASE_URL"])
    return not [image_id for image_id, row in images.items() if row[0] in ("saving", "uploading")]


def assert_reconciled(cluster, ledger):
    from tests.support.cluster_audit import reconcile

    wait_for(lambda: nothing_receiving(cluster), "interrupted uploads were not returned to queued", 60)
    assert reconcile(cluster.env, ledger) == []


def assert_all_succeed(cluster, seconds=3, clients=3):
    """After the fault: a few seconds of traffic in which every request succeeds."""
    from tests.support.cluster_audit import Ledger
    from tests.support.cluster_traffic import Traffic

    ledger = Ledger()
    traffic = Traffic(cluster.url, ledger, clients=clients)
    with traffic.running():
        time.sleep(seconds)
    assert traffic.stats.errors() == {}
    return ledger
