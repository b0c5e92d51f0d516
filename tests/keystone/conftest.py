"""The service in AUTH_STRATEGY=keystone against the real Keystone of .ci/keystone/start.

Keystone is found through $KEYSTONE_HOME/keystone.env (written by the start script). When it
is not answering the tests are skipped, unless KEYSTONE_REQUIRED=1: then the start
script is run here (`make test` sets it), and a failure to start fails the session.
"""
from http import client as http_client
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.env_files import answers, password_session, read_env_file
from tests.support.live_server import ROOT, LiveServer
from tests.e2e.conftest import Cli, client_env  # noqa: F401  (client_env is a fixture)

KEYSTONE_HOME = Path(os.environ.get("KEYSTONE_HOME", "/tmp/glance-keystone"))
START = ROOT / ".ci" / "keystone" / "start"
STOP = ROOT / ".ci" / "keystone" / "stop"
# Short, so the revocation test can wait it out.
TOKEN_CACHE_TIME = 5
_SERVER = pytest.StashKey[LiveServer]()


def _run_start(*args):
    result = subprocess.run([str(START), *args], capture_output=True, text=True, timeout=900,
                            env={**os.environ, "KEYSTONE_HOME": str(KEYSTONE_HOME)})
    if result.returncode:
        pytest.fail(f"{START} {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}",
                    pytrace=False)


@pytest.fixture(scope="session")
def keystone_env(request):
    """keystone.env: our service's settings (AUTH_STRATEGY=keystone, KEYSTONE_AUTH_URL, the
    service user, memcached) for a Keystone that answers. A Keystone these tests started
    (KEYSTONE_REQUIRED, as `make test` sets it) is stopped again when they end."""
    env_file = KEYSTONE_HOME / "keystone.env"
    running = env_file.exists() and answers(read_env_file(env_file)["KEYSTONE_AUTH_URL"])
    if not running:
        if os.environ.get("KEYSTONE_REQUIRED", "0") in ("", "0"):
            pytest.skip(f"Keystone is not running (no answer per {env_file}); start it with "
                        f".ci/keystone/start, or set KEYSTONE_REQUIRED=1 to have the tests start it")
        _run_start()
        request.addfinalizer(lambda: subprocess.run([str(STOP)], env={**os.environ, "KEYSTONE_HOME": str(KEYSTONE_HOME)},
                                                    check=False, timeout=60))
    return read_env_file(env_file)


@pytest.fixture(scope="session")
def keystone_service(request, keystone_env, tmp_path_factory):
    """Our service under gunicorn validating tokens with Keystone; the catalog's image
    endpoints point at it, so clients that only know OS_AUTH_URL find it."""
    server = LiveServer(tmp_path_factory.mktemp("keystone-live"), workers=2, extra_env={
        **keystone_env, "KEYSTONE_TOKEN_CACHE_TIME": str(TOKEN_CACHE_TIME)}).start()
    request.config.stash[_SERVER] = server
    try:
        _run_start(server.url)
        yield server
    finally:
        server.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test's report carries the server's log tail (requests, auth_token's verdicts)."""
    report = (yield).get_result()
    server = item.config.stash.get(_SERVER, None)
    if server is not None and report.failed:
        report.sections.append(("gunicorn log (tail)", server.log()[-6000:]))


@dataclass
class Identity:
    """One Keystone user, as the env file .ci/keystone/start wrote for it."""
    name: str
    os_env: dict

    def session(self):
        return password_session(self.os_env)

    def new_token(self):
        return self.session().get_token()

    def project_id(self):
        return self.session().get_project_id()


@pytest.fixture(scope="session")
def identities(keystone_env):
    return {path.stem: Identity(path.stem, read_env_file(path)) for path in (KEYSTONE_HOME / "env").glob("*.env")}


@pytest.fixture(scope="session")
def tokens(identities):
    """One token per user for the session (tests that revoke get their own)."""
    return {name: identity.new_token() for name, identity in identities.items()}


@dataclass
class Reply:
    status: int
    headers: http_client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)


class Http:
    """Plain HTTP to the live service: the caller's token or none, JSON error bodies."""

    def __init__(self, base_url):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port

    def __call__(self, method, path, token=None, body=None, headers=None, data=None):
        """`body` is sent as JSON; `data` (bytes) as it is, with the Content-Type `headers` give."""
        sent = {"Accept": "application/json", **(headers or {})}
        if token is not None:
            sent["X-Auth-Token"] = token
        if body is not None:
            sent["Content-Type"] = "application/json"
            body = json.dumps(body)
        elif data is not None:
            body = data
        connection = http_client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()


@pytest.fixture(scope="session")
def http(keystone_service):
    return Http(keystone_service.url)


@pytest.fixture(scope="session")
def os_cli(keystone_service, client_env, identities):  # noqa: F811  (client_env is the imported fixture)
    """`os_cli(program, user)`: a client CLI whose only configuration is that user's OS_* variables."""
    def make(program, user):
        return Cli(program, [], {**client_env, **identities[user].os_env})
    return make
