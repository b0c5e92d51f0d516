"""A real OpenStack Glance 33 (.ci/glance/start: noauth, SQLite, file store, under uWSGI) for the replicator.

Found through $GLANCE_HOME/glance.env (written by the start script). When it does not answer the tests
are skipped, unless GLANCE_REQUIRED=1 (`make test` sets it): then the start script is run here, a failure
to start fails the session, and what it started is stopped at the end.
"""
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.env_files import answers, read_env_file
from tests.support.live_server import ROOT

GLANCE_HOME = Path(os.environ.get("GLANCE_HOME", "/tmp/glance-glance33"))
START = ROOT / ".ci" / "glance" / "start"
STOP = ROOT / ".ci" / "glance" / "stop"


def _script(path):
    result = subprocess.run([str(path)], capture_output=True, text=True, timeout=900,
                            env={**os.environ, "GLANCE_HOME": str(GLANCE_HOME)})
    if result.returncode:
        pytest.fail(f"{path} exited {result.returncode}:\n{result.stdout}{result.stderr}", pytrace=False)


@pytest.fixture(scope="session")
def glance33_url(request):
    """The URL of a Glance 33 that answers GET /v2/images."""
    env_file = GLANCE_HOME / "glance.env"
    running = env_file.exists() and answers(read_env_file(env_file)["GLANCE33_URL"] + "/v2/images")
    if not running:
        if os.environ.get("GLANCE_REQUIRED", "0") in ("", "0"):
            pytest.skip(f"Glance 33 is not running (no answer per {env_file}); start it with .ci/glance/start, "
                        "or set GLANCE_REQUIRED=1 to have the tests start it")
        _script(START)
        request.addfinalizer(lambda: _script(STOP))
    return read_env_file(env_file)["GLANCE33_URL"]
