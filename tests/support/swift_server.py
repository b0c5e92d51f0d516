"""The real Swift (with s3api) of .ci/swift/start, for the swift and s3 store tests.

Swift is found through $SWIFT_HOME/swift.env (written by the start script). When its proxy does
not answer the tests are skipped, unless SWIFT_REQUIRED=1 (`make test` sets it): then the start
script is run here, a failure to start fails the session, and what it started is stopped at the end.
"""
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.env_files import answers, read_env_file
from tests.support.live_server import ROOT

SWIFT_HOME = Path(os.environ.get("SWIFT_HOME", "/tmp/glance-swift"))
START = ROOT / ".ci" / "swift" / "start"
STOP = ROOT / ".ci" / "swift" / "stop"


def proxy_answers(auth_url):
    parts = urlsplit(auth_url)
    return answers(f"{parts.scheme}://{parts.netloc}/healthcheck")


def _script(path):
    result = subprocess.run([str(path)], capture_output=True, text=True, timeout=900,
                            env={**os.environ, "SWIFT_HOME": str(SWIFT_HOME)})
    if result.returncode:
        pytest.fail(f"{path} exited {result.returncode}:\n{result.stdout}{result.stderr}", pytrace=False)


@pytest.fixture(scope="session")
def swift_env(request):
    """swift.env's variables (SWIFT_AUTH_URL, SWIFT_USER, SWIFT_KEY, S3_ENDPOINT_URL, S3_ACCESS_KEY, ...)
    for a Swift that answers."""
    env_file = SWIFT_HOME / "swift.env"
    running = env_file.exists() and proxy_answers(read_env_file(env_file)["SWIFT_AUTH_URL"])
    if not running:
        if os.environ.get("SWIFT_REQUIRED", "0") in ("", "0"):
            pytest.skip(f"Swift is not running (no answer per {env_file}); start it with .ci/swift/start, "
                        "or set SWIFT_REQUIRED=1 to have the tests start it")
        _script(START)
        request.addfinalizer(lambda: _script(STOP))
    return read_env_file(env_file)
