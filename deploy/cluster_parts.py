"""deploy/cluster's building blocks: where things are, processes by pid file, ports, waiting."""
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"


class ClusterError(RuntimeError):
    pass


def log(message):
    print(f"cluster: {message}", file=sys.stderr, flush=True)


class Layout:
    """The paths of one cluster's directory."""

    def __init__(self, home):
        self.home = Path(home)
        self.state_path = self.home / "cluster.json"
        self.env_path = self.home / "cluster.env"
        self.logs = self.home / "log"
        self.pids = self.home / "pids"

    def node_dir(self, name):
        return self.home / name

    def read_state(self):
        if not self.state_path.exists():
            raise ClusterError(f"no cluster in {self.home} (deploy/cluster start --dir {self.home})")
        return json.loads(self.state_path.read_text())

    def write_state(self, state):
        self.state_path.write_text(json.dumps(state, indent=2))


def _state_of(pid):
    """The process's state letter from /proc (Z: a zombie nobody reaped yet, which counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def alive(pid):
    return pid is not None and _state_of(pid) not in (None, "Z", "X")


class Processes:
    """Processes started in a session of their own (their children share its process group), by name."""

    def __init__(self, layout):
        self.layout = layout

    def log_path(self, name):
        return self.layout.logs / f"{name}.log"

    def spawn(self, name, argv, env=None, cwd=ROOT):
        self.layout.logs.mkdir(parents=True, exist_ok=True)
        self.layout.pids.mkdir(parents=True, exist_ok=True)
        with open(self.log_path(name), "ab") as output:
            process = subprocess.Popen([str(part) for part in argv], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                       stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        (self.layout.pids / f"{name}.pid").write_text(str(process.pid))
        return process.pid

    def pid(self, name):
        path = self.layout.pids / f"{name}.pid"
        return int(path.read_text()) if path.exists() else None

    def running(self, name):
        return alive(self.pid(name))

    def kill(self, name):
        """SIGKILL to the whole process group: nothing of it gets to clean up."""
        signal_group(self.pid(name), signal.SIGKILL)
        wait_gone(self.pid(name), timeout=10)

    def stop(self, name, timeout=30):
        pid = self.pid(name)
        stop_pid(pid, timeout, group=True)
        (self.layout.pids / f"{name}.pid").unlink(missing_ok=True)


def signal_group(pid, signum):
    if alive(pid):
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:
            pass


def stop_pid(pid, timeout, group=False):
    """SIGTERM, then SIGKILL after `timeout` seconds."""
    if not alive(pid):
        return
    send = (lambda signum: signal_group(pid, signum)) if group else (lambda signum: os.kill(pid, signum))
    send(signal.SIGTERM)
    if not wait_gone(pid, timeout):
        log(f"pid {pid} did not stop within {timeout}s; killing it")
        send(signal.SIGKILL)
        wait_gone(pid, 10)


def wait_gone(pid, timeout):
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def free_ports(count):
    """`count` consecutive free loopback ports (Swift's storage servers take three in a row)."""
    for _ in range(200):
        first = random.randrange(20000, 60000 - count)
        if all(_free(port) for port in range(first, first + count)):
            return first
    raise ClusterError(f"found no {count} free consecutive ports")


def _free(port):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def http_status(url_host, port, path, timeout=5):
    try:
        connection = http.client.HTTPConnection(url_host, port, timeout=timeout)
        connection.request("GET", path)
        status = connection.getresponse().status
        connection.close()
        return status
    except OSError:
        return None


def wait_until(check, what, timeout, process=None):
    """Poll `check()` until true; fail naming `what` (and the log of `process`, a (Processes, name)) after `timeout`."""
    deadline = time.monotonic() + timeout
    while not check():
        if process is not None and not process[0].running(process[1]):
            raise ClusterError(f"{what}: the process exited; the end of its log:\n{tail(process[0].log_path(process[1]))}")
        if time.monotonic() > deadline:
            logged = f"; the end of its log:\n{tail(process[0].log_path(process[1]))}" if process else ""
            raise ClusterError(f"{what} within {timeout}s{logged}")
        time.sleep(0.2)


def tail(path, lines=30):
    path = Path(path)
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"


def run(argv, env=None, what=None):
    result = subprocess.run([str(part) for part in argv], env=env, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        raise ClusterError(f"{what or argv[0]} exited {result.returncode}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def env_file(values):
    from shlex import quote
    return "".join(f"export {name}={quote(str(value))}\n" for name, value in values.items())
