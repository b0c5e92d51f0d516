"""Schemathesis against a live server and its own /v2/openapi.json: coverage, fuzzing and stateful
phases (create -> upload -> patch -> tag -> share -> delete through the description's links), within the
budget of tests/e2e/schemathesis.toml: the stateful phase in a run of its own with one worker. Zero server errors, zero answers the description does not allow.
"""
import re
import subprocess

import pytest

from tests.support.live_server import ROOT, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.schemathesis]

CONFIG = ROOT / "tests" / "e2e" / "schemathesis.toml"
SCHEMATHESIS = ROOT / ".venv" / "bin" / "schemathesis"


@pytest.fixture(scope="module")
def fuzzed_service(tmp_path_factory):
    """A server of its own (the run leaves hundreds of odd images and namespaces behind). web-download
    URLs may name only a host that does not exist: generated URLs are refused without a DNS lookup."""
    with LiveServer(tmp_path_factory.mktemp("schemathesis"), workers=2,
                    extra_env={"IMPORT_ALLOWED_HOSTS": "example.invalid"}) as server:
        yield server


def _run(service, tmp_path, *options):
    run = subprocess.run([str(SCHEMATHESIS), "--config-file", str(CONFIG), "--no-color", "run",
                          f"{service.url}/v2/openapi.json", "--report", "junit", "--report-dir", str(tmp_path),
                          *options], cwd=ROOT, capture_output=True, text=True, timeout=300)
    output = run.stdout + run.stderr
    print(output[-6000:])
    assert run.returncode == 0, f"schemathesis failed:\n{output[-20000:]}\n--- server log ---\n" \
                                f"{service.log()[-5000:]}"
    summary = re.search(r"Test cases:\n\s+(.+)", output)
    assert summary and re.fullmatch(r"\d+ generated, \d+ passed", summary.group(1).strip()), summary
    return output


def test_schemathesis_finds_nothing(fuzzed_service, tmp_path):
    stateless = _run(fuzzed_service, tmp_path / "stateless", "--phases", "examples,coverage,fuzzing")
    assert "Tested: 84" in stateless
    stateful = _run(fuzzed_service, tmp_path / "stateful", "--phases", "stateful", "--workers", "1")
    assert re.search(r"Stateful.*\n\s+Scenarios:\s+[1-9]", stateful)
    server_errors = re.findall(r"glance\.access .* status=5\d\d .*", fuzzed_service.log())
    assert not server_errors, "\n".join(server_errors[:20])
