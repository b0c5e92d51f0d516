"""The service running for real (gunicorn, its own SQLite database) and its clients' CLIs.

Nothing here touches pytest-django's test database: the tests talk to a subprocess over
HTTP, exactly as a user's client would.
"""
import hashlib
import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.disk_images import qcow2_with_data
from tests.support.live_server import ROOT, LiveServer

VENV_BIN = ROOT / ".venv" / "bin"
_SERVER = pytest.StashKey[LiveServer]()
_LOG_OFFSET = pytest.StashKey[int]()


# Not called `live_server`: pytest-django gives any test using a fixture of that name
# its transactional test database, which these tests must not touch.
@pytest.fixture(scope="session")
def live_service(request, tmp_path_factory):
    """The service as `make run` serves it (HAProxy + gunicorn, 2 workers) on a free loopback port; `.url`, `.env`, `.manage()`."""
    server = LiveServer(tmp_path_factory.mktemp("live-server"), workers=2).start()
    request.config.stash[_SERVER] = server
    yield server
    crashed = server.crashed
    server.stop()
    if crashed:
        pytest.fail(f"gunicorn died during the session:\n{server.log()}", pytrace=False)


def pytest_runtest_setup(item):
    server = item.config.stash.get(_SERVER, None)
    item.stash[_LOG_OFFSET] = server.log_size() if server else 0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test's report carries what the server logged meanwhile (requests, tracebacks)."""
    report = (yield).get_result()
    server = item.config.stash.get(_SERVER, None)
    if server is not None and report.failed and "live_service" in item.fixturenames:
        report.sections.append(("gunicorn log", server.log(since=item.stash.get(_LOG_OFFSET, 0))))


@dataclass
class CliResult:
    argv: list
    returncode: int
    stdout: str
    stderr: str

    def describe(self):
        return (f"$ {shlex.join(self.argv)}\nexit status {self.returncode}\n"
                f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}")


class Cli:
    """One client program with its connection options; calling it runs a command.

    A command is expected to succeed unless `expect_failure=True`; either way a wrong
    outcome fails the test with the full command line and output.
    """

    def __init__(self, program, options, env):
        self.program = str(VENV_BIN / program)
        self.options = list(options)
        self.env = env

    def __call__(self, *args, expect_failure=False, input=None):
        argv = [self.program, *self.options, *map(str, args)]
        # stdin is always given: an inherited terminal or pipe changes what some
        # commands do (glance md-namespace-import reads a non-tty stdin).
        completed = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=120,
                                   input=input, stdin=None if input is not None else subprocess.DEVNULL)
        result = CliResult(argv, completed.returncode, completed.stdout, completed.stderr)
        if expect_failure and result.returncode == 0:
            pytest.fail(f"expected the command to fail:\n{result.describe()}", pytrace=False)
        if not expect_failure and result.returncode != 0:
            pytest.fail(f"command failed:\n{result.describe()}", pytrace=False)
        return result


@pytest.fixture(scope="session")
def client_env(tmp_path_factory):
    """Environment for client programs: a private HOME (glanceclient caches schemas in
    ~/.glanceclient) and none of the caller's OS_* settings, so a developer's cloud
    credentials cannot redirect the tests."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("OS_")}
    env["HOME"] = str(tmp_path_factory.mktemp("client-home"))
    return env


@pytest.fixture(scope="session")
def glance(live_service, client_env):
    """python-glanceclient's `glance` CLI pointed at the live server; no Keystone needed
    because an image URL plus a token makes glanceclient skip authentication."""
    return Cli("glance", ["--os-image-url", live_service.url, "--os-auth-token", "e2e-token"], client_env)


@pytest.fixture(scope="session")
def openstack(live_service, client_env):
    """python-openstackclient's `openstack` CLI pointed at the live server without Keystone:
    keystoneauth's `none` plugin sends a dummy token to a fixed endpoint (every service's)."""
    return Cli("openstack", ["--os-auth-type", "none", "--os-endpoint", live_service.url,
                             "--os-image-api-version", "2"], client_env)


@dataclass
class ImageFile:
    path: Path
    data: bytes
    md5: str
    sha512: str


@pytest.fixture
def image_file(tmp_path):
    """A real qcow2 of a few MB (random content), with the digests the server must report: the service
    inspects uploads, so data sent as qcow2 must be qcow2 (as raw, any bytes pass)."""
    path = tmp_path / "image.qcow2"
    data = qcow2_with_data(path, 3 * 1024 * 1024 + 12345)
    return ImageFile(path, data, hashlib.md5(data).hexdigest(), hashlib.sha512(data).hexdigest())
