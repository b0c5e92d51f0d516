"""The real one-node Ceph cluster of .ci/ceph/start, for the rbd store tests and benchmark.

The cluster is found through $CEPH_HOME/ceph.env (written by the start script). When it does not
answer the tests are skipped, unless CEPH_REQUIRED=1 (`make test` sets it): then the start script is
run here (it installs Debian's packages and links the bindings into this virtualenv when missing),
a failure to start fails the session, and what it started is stopped at the end.
"""
import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.support.env_files import read_env_file
from tests.support.live_server import ROOT

CEPH_HOME = Path(os.environ.get("CEPH_HOME", "/tmp/glance-ceph"))
START = ROOT / ".ci" / "ceph" / "start"
STOP = ROOT / ".ci" / "ceph" / "stop"


def cluster_answers(env_file):
    """Whether the cluster of `env_file` takes a command (its monitor is up) within a few seconds."""
    if not env_file.exists():
        return False
    conf = read_env_file(env_file)["CEPH_CONF"]
    try:
        return subprocess.run(["ceph", "-c", conf, "--connect-timeout", "5", "osd", "stat"], capture_output=True,
                              timeout=15).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def run_script(path):
    result = subprocess.run([str(path)], capture_output=True, text=True, timeout=900,
                            env={**os.environ, "CEPH_HOME": str(CEPH_HOME), "CEPH_VENV": sys.prefix})
    if result.returncode:
        pytest.fail(f"{path} exited {result.returncode}:\n{result.stdout}{result.stderr}", pytrace=False)


@pytest.fixture(scope="session")
def ceph_env(request):
    """ceph.env's variables (CEPH_CONF, CEPH_POOL, CEPH_FSID) for a cluster that answers."""
    env_file = CEPH_HOME / "ceph.env"
    if not cluster_answers(env_file):
        if os.environ.get("CEPH_REQUIRED", "0") in ("", "0"):
            pytest.skip(f"Ceph is not running (no answer per {env_file}); start it with .ci/ceph/start, "
                        "or set CEPH_REQUIRED=1 to have the tests start it")
        run_script(START)
        request.addfinalizer(lambda: run_script(STOP))
        # The start script may have just put the bindings on this virtualenv's path (a .pth file):
        # read the .pth files again, as a new interpreter would.
        site.addsitedir(sysconfig.get_paths()["purelib"])
    return read_env_file(env_file)
