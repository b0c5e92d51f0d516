"""The rbd store against the real one-node Ceph of .ci/ceph/start: fixtures and the `rbd` command line.

Tests share the cluster's pool and tell their images apart by id (a fresh uuid each); whatever a
test leaves in the pool under its ids (snapshots, clones) is removed when it ends. The `rbd`
command, not the driver, says what the pool holds.
"""
import json
import subprocess
import uuid

import pytest

from tests.support.ceph_server import ceph_env  # noqa: F401  (a fixture)

MiB = 1024 * 1024


def rbd_cli(env, *args, check=True):
    """`rbd -c <ceph.conf> args...`; its stdout (JSON decoded when --format json is asked)."""
    result = subprocess.run(["rbd", "-c", env["CEPH_CONF"], *args], capture_output=True, text=True, timeout=120,
                            check=False)
    if check and result.returncode:
        raise AssertionError(f"rbd {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return json.loads(result.stdout) if "json" in args and result.returncode == 0 else result.stdout


def images_in_pool(env):
    return set(rbd_cli(env, "ls", "--format", "json", env["CEPH_POOL"]))


def snapshots(env, name):
    return [(snap["name"], snap.get("protected")) for snap in
            rbd_cli(env, "snap", "ls", "--format", "json", f"{env['CEPH_POOL']}/{name}")]


def remove_everything_named(env, names):
    """Clones first (they hang from the snapshots), then snapshots and images; absent ones are fine."""
    pool = env["CEPH_POOL"]
    present = images_in_pool(env)
    for name in sorted(present & names, key=lambda name: "-child" not in name):
        for snap, protected in snapshots(env, name):
            if protected == "true":
                rbd_cli(env, "snap", "unprotect", f"{pool}/{name}@{snap}", check=False)
        rbd_cli(env, "snap", "purge", f"{pool}/{name}", check=False)
        rbd_cli(env, "rm", f"{pool}/{name}", check=False)


@pytest.fixture
def new_id(ceph_env):  # noqa: F811
    """Image ids of this test's own: each call a fresh one; their RBD images and '<id>-child' clones go at the end."""
    ids = []

    def fresh():
        image_id = str(uuid.uuid4())
        ids.append(image_id)
        return image_id
    yield fresh
    remove_everything_named(ceph_env, set(ids) | {f"{image_id}-child" for image_id in ids})


@pytest.fixture
def make_rbd_store(ceph_env):  # noqa: F811
    from images.stores.rbd import RbdStore

    def make(store_id="ceph", **options):
        return RbdStore(store_id, **{"pool": ceph_env["CEPH_POOL"], "ceph_conf": ceph_env["CEPH_CONF"],
                                     "connect_timeout": 10, **options})
    return make


def clone(env, name, child):
    pool = env["CEPH_POOL"]
    rbd_cli(env, "clone", f"{pool}/{name}@snap", f"{pool}/{child}")
