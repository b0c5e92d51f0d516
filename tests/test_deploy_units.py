"""The systemd units README points operators at: valid units, and every periodic job's command line runs."""
import configparser
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"
SERVICES = sorted(UNITS.glob("*.service"))
TIMERS = sorted(UNITS.glob("*.timer"))


def unit(path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    # ExecStart may be given more than once (run in order): keep the last section's lines as a list.
    lines = []
    for raw in path.read_text().splitlines():
        if raw.startswith("ExecStart="):
            lines.append(raw.split("=", 1)[1])
    parser.read_string(path.read_text().replace("ExecStart=", "#ExecStart="))
    return parser, lines


def localised(text, env_file):
    return (text.replace("/srv/glance/.venv/bin/python", str(ROOT / ".venv" / "bin" / "python"))
            .replace("/srv/glance", str(ROOT)).replace("/etc/glance/glance.env", str(env_file))
            .replace("User=glance", "User=root"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("path", SERVICES + TIMERS, ids=lambda path: path.name)
def test_units_verify(path, tmp_path):
    env_file = tmp_path / "glance.env"
    env_file.write_text(f"GLANCE_DATA_DIR={tmp_path}\n")
    for source in UNITS.iterdir():
        (tmp_path / source.name).write_text(localised(source.read_text(), env_file))
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / path.name)], capture_output=True, text=True)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if path.stem in line or "glance" in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


@pytest.mark.parametrize("timer", TIMERS, ids=lambda path: path.name)
def test_every_timer_starts_a_oneshot_service(timer):
    parser, _ = unit(UNITS / f"{timer.stem}.service")
    assert parser["Service"]["Type"] == "oneshot"
    assert "Install" in unit(timer)[0] and unit(timer)[0]["Install"]["WantedBy"] == "timers.target"


@pytest.mark.parametrize("service", [path for path in SERVICES if (UNITS / f"{path.stem}.timer").exists()],
                         ids=lambda path: path.name)
def test_each_periodic_jobs_command_runs(service, tmp_path):
    _, commands = unit(service)
    # What the jobs' units say they are for: a node with a cache, delayed delete on.
    env = {"GLANCE_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "IMAGE_CACHE_DIR": str(tmp_path / "cache"),
           "DELAYED_DELETE": "true"}
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                   check=True)
    for line in commands:
        argv = shlex.split(localised(line, tmp_path / "glance.env"))
        result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{line}: {result.stdout}{result.stderr}"
        assert result.stdout.strip(), f"{line} printed no summary"
