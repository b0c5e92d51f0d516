"""The replicator's cron line and systemd units in README's "Periodic jobs": valid units, and command lines the
command accepts (they reach no real region here, so they end in the connection error, exit status 1, not in a
usage error, status 2)."""
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
SECTION = README[README.index("### Replication between regions"):]
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def units():
    """{file name: text} of the ```ini block that holds the replicate service and timer."""
    block = SECTION[SECTION.index("```ini\n") + len("```ini\n"):]
    block = block[:block.index("```")]
    parts = re.split(r"^# /etc/systemd/system/(\S+)\n", block, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def localised(text, tmp_path):
    return (text.replace("/srv/glance/.venv/bin/python", PYTHON).replace("/srv/glance", str(ROOT))
            .replace("/etc/glance/replicator.pass", str(tmp_path / "replicator.pass"))
            .replace("${CREDENTIALS_DIRECTORY}", str(tmp_path)).replace("User=glance", "User=root"))


def test_readme_has_the_service_and_its_timer():
    assert sorted(units()) == ["glance-replicate.service", "glance-replicate.timer"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_units_verify(tmp_path):
    (tmp_path / "replicator.pass").write_text("secret\n")
    for name, text in units().items():
        (tmp_path / name).write_text(localised(text, tmp_path))
    for name in units():
        result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)], capture_output=True, text=True)
        problems = [line for line in (result.stdout + result.stderr).splitlines() if "glance" in line]
        assert result.returncode == 0 and not problems, result.stdout + result.stderr


def command_lines(tmp_path):
    service = units()["glance-replicate.service"].replace("\\\n", " ")
    exec_start = re.search(r"^ExecStart=(.*)$", service, flags=re.MULTILINE).group(1)
    cron = re.search(r"^0 \* \* \* \*\s+cd /srv/glance && (.*)$", SECTION, flags=re.MULTILINE).group(1)
    return [shlex.split(localised(line, tmp_path)) for line in (exec_start, cron)]


def test_the_command_lines_parse_and_name_the_unreachable_side(tmp_path):
    (tmp_path / "replicator.pass").write_text("secret\n")
    for argv in command_lines(tmp_path):
        argv[0] = PYTHON if argv[0].endswith("python") else argv[0]
        result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120,
                                env={"PATH": "/usr/bin:/bin", "GLANCE_DATA_DIR": str(tmp_path)})
        assert result.returncode == 1, result.stdout + result.stderr
        assert "source https://image.one:9292: GET /v2/images failed" in result.stderr
