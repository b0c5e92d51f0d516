"""deploy/cluster's services: how each starts, stops and is broken on purpose."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from cluster_parts import (PYTHON, ROOT, ClusterError, alive, env_file, free_ports, http_status, log, run, stop_pid,
                           wait_until)
import cluster_mariadb as mariadb
import cluster_front as front

sys.path.insert(0, str(ROOT))  # project.env: the service's own settings, which a node must not inherit

SHARED_SWIFT_VENV = Path(os.environ.get("SWIFT_VENV", "/tmp/glance-swift/venv"))
SHARED_KEYSTONE_VENV = Path(os.environ.get("KEYSTONE_VENV", "/tmp/glance-keystone/venv"))
FAULTS = {
    "kill": "SIGKILL a service's whole process group (a node: its HAProxy, gunicorn and import workers)",
    "down": "stop a service cleanly (SIGTERM)",
    "up": "start a stopped or killed service again",
    "drain": "a node's /healthcheck answers 503 DISABLED BY FILE: the front stops sending it requests",
    "undrain": "remove a node's disable file: the front sends it requests again",
}


def plan(layout, options):
    """Ports and options, written to DIR/cluster.json before anything starts (stop reads it)."""
    layout.home.mkdir(parents=True, exist_ok=True)
    nodes = [f"node{number}" for number in range(1, options.nodes + 1)]
    ports = {name: free_ports(1) for name in ("mariadb", "swift", "memcached", "keystone", *nodes)}
    ports["swift_storage"] = free_ports(3)
    ports["front"] = options.port or free_ports(1)
    state = {"nodes": len(nodes), "node_names": nodes, "auth": options.auth, "ports": ports,
             "workers": options.workers, "threads": options.threads, "task_workers": options.task_workers,
             "upload_lease": options.upload_lease,
             "file_store": str((options.file_store or layout.home / "file-store").resolve()),
             "front_url": f"http://127.0.0.1:{ports['front']}"}
    layout.write_state(state)
    return state


def start_all(layout, processes, state):
    mariadb.start(layout, processes, state, initialise=True)
    mariadb.create_database(state)
    swift_start(layout, state)
    if state["auth"] == "keystone":
        keystone_start(layout, state)
    write_env(layout, state)
    prepare_database(layout, state)
    for name in state["node_names"]:
        node_start(layout, processes, state, name, wait=False)
    for name in state["node_names"]:
        node_wait(processes, state, name)
    front.start(layout, processes, state)


def stop_all(layout, processes, state, remove):
    front.stop(processes)
    for name in state["node_names"]:
        processes.stop(name)
    if state["auth"] == "keystone":
        keystone_stop(layout)
    swift_stop(layout)
    mariadb.stop(processes)
    if remove:
        shutil.rmtree(layout.home, ignore_errors=True)


def status_rows(layout, processes, state):
    views = front.node_states(layout)
    rows = [("front", _up(processes.running("front"), state["front_url"]))]
    for name in state["node_names"]:
        port = state["ports"][name]
        health = http_status("127.0.0.1", port, "/healthcheck")
        rows.append((name, _up(processes.running(name), f"http://127.0.0.1:{port} healthcheck {health}, "
                                                        f"front sees it {views.get(name, '?')}")))
    rows.append(("mariadb", _up(processes.running("mariadb"), f"127.0.0.1:{state['ports']['mariadb']}")))
    rows.append(("swift-proxy", _up(alive(_swift_pid(layout, "proxy")), f"127.0.0.1:{state['ports']['swift']}")))
    if state["auth"] == "keystone":
        rows.append(("keystone", _up(alive(_keystone_pid(layout)), f"127.0.0.1:{state['ports']['keystone']}")))
    return rows


def _up(running, text):
    return f"{'up' if running else 'DOWN'}  {text}"


def act(layout, processes, state, command, service):
    if service in state["node_names"]:
        return _node_act(layout, processes, state, command, service)
    if command in ("drain", "undrain"):
        raise ClusterError(f"only a node can be drained, not {service!r}")
    actions = {"front": (lambda: processes.kill("front"), lambda: front.stop(processes),
                         lambda: front.start(layout, processes, state)),
               "mariadb": (lambda: processes.kill("mariadb"), lambda: mariadb.stop(processes),
                           lambda: mariadb.start(layout, processes, state, initialise=False)),
               "swift-proxy": (lambda: swift_proxy_stop(layout, signal.SIGKILL), lambda: swift_proxy_stop(layout),
                               lambda: swift_proxy_start(layout, state)),
               "keystone": (lambda: keystone_stop(layout, only_keystone=True), lambda: keystone_stop(layout, True),
                            lambda: keystone_start(layout, state))}
    if service not in actions:
        raise ClusterError(f"unknown service {service!r}: {', '.join([*state['node_names'], *actions])}")
    kill, down, up = actions[service]
    {"kill": kill, "down": down, "up": up}[command]()


def _node_act(layout, processes, state, command, name):
    disable_file = layout.node_dir(name) / "disabled"
    if command == "kill":
        processes.kill(name)
    elif command == "down":
        processes.stop(name)
    elif command == "up":
        if processes.running(name):
            raise ClusterError(f"{name} is running")
        node_start(layout, processes, state, name, wait=True)
    elif command == "drain":
        disable_file.write_text("drained by deploy/cluster\n")
    else:
        disable_file.unlink(missing_ok=True)


# --- the API nodes


def node_env(layout, state, name):
    """What a node runs with: its own data, cache, disable file and name; the shared database and stores."""
    data = layout.node_dir(name)
    swift = _read_env(layout.home / "swift" / "swift.env")
    stores = {
        "swift": {"type": "swift", "description": "Swift (default)", "auth_url": swift["SWIFT_AUTH_URL"],
                  "user": swift["SWIFT_USER"], "key": swift["SWIFT_KEY"]},
        "s3": {"type": "s3", "description": "Swift's S3 API", "endpoint_url": swift["S3_ENDPOINT_URL"],
               "access_key": swift["S3_ACCESS_KEY"], "secret_key": swift["S3_SECRET_KEY"],
               # Not "glance": S3 buckets are containers of the same Swift account, which the swift store's is.
               "region": swift["S3_REGION"], "bucket": "glance-s3"},
        "file": {"type": "file", "description": "a directory every node shares", "directory": state["file_store"]},
    }
    values = {"GLANCE_DATA_DIR": data, "NODE_NAME": name, "IMAGE_CACHE_DIR": data / "cache",
              "HEALTHCHECK_DISABLE_FILE": data / "disabled", "DATABASE_URL": mariadb.url(state),
              "IMAGE_STORES": json.dumps(stores), "IMAGE_DEFAULT_STORE": "swift",
              "TASK_WORKERS": state["task_workers"], "UPLOAD_LEASE_SECONDS": state.get("upload_lease", 300),
              "AUTH_STRATEGY": state["auth"],
              "SECRET_KEY": "deploy-cluster-not-secret", "DJANGO_SETTINGS_MODULE": "project.settings"}
    if state["auth"] == "keystone":
        values.update(_read_env(layout.home / "keystone" / "keystone.env"))
        values["KEYSTONE_MEMCACHED_SERVERS"] = f"127.0.0.1:{state['ports']['memcached']}"
    return {name: str(value) for name, value in values.items()}


def _process_env(overrides):
    """The caller's environment without any setting of the service's own: only the node's apply."""
    from project.env import VARIABLES

    inherited = {key: value for key, value in os.environ.items() if key not in {var.name for var in VARIABLES}}
    return {**inherited, **overrides}


def prepare_database(layout, state):
    env = _process_env(node_env(layout, state, state["node_names"][0]))
    log("migrating the database and loading the vendor namespaces")
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env, "manage.py migrate")
    run([PYTHON, "manage.py", "load_metadefs", "fixtures/metadefs"], env, "manage.py load_metadefs")
    first = layout.node_dir(state["node_names"][0])
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], {**env, "GLANCE_DATA_DIR": str(first)},
        "manage.py collectstatic")
    Path(state["file_store"]).mkdir(parents=True, exist_ok=True)
    for name in state["node_names"]:
        (layout.node_dir(name) / "cache").mkdir(parents=True, exist_ok=True)
        if name != state["node_names"][0] and not (layout.node_dir(name) / "static").exists():
            (layout.node_dir(name) / "static").symlink_to(first / "static")  # the same files for every node
        (layout.node_dir(name) / "node.env").write_text(env_file(node_env(layout, state, name)))


def node_start(layout, processes, state, name, wait):
    port = state["ports"][name]
    argv = [PYTHON, "manage.py", "serve", "--bind", f"127.0.0.1:{port}", "--workers", state["workers"],
            "--threads", state["threads"]]
    processes.spawn(name, argv, env=_process_env(node_env(layout, state, name)))
    if wait:
        node_wait(processes, state, name)


def node_wait(processes, state, name):
    port = state["ports"][name]
    wait_until(lambda: http_status("127.0.0.1", port, "/healthcheck") == 200,
               f"{name} did not answer 200 at http://127.0.0.1:{port}/healthcheck", 120, (processes, name))


# --- Swift (with its memcached) and Keystone, through the CI start scripts


def _swift_env(layout, state):
    ports = state["ports"]
    return {**os.environ, "SWIFT_HOME": str(layout.home / "swift"), "SWIFT_PORT": str(ports["swift"]),
            "SWIFT_STORAGE_PORT": str(ports["swift_storage"]), "MEMCACHED_PORT": str(ports["memcached"]),
            "SWIFT_VENV": str(SHARED_SWIFT_VENV),
            # A storage server busy with many uploads on a small machine answers late, not never.
            "SWIFT_NODE_TIMEOUT": os.environ.get("SWIFT_NODE_TIMEOUT", "60")}


def swift_start(layout, state):
    log(f"starting Swift on 127.0.0.1:{state['ports']['swift']} (and memcached on {state['ports']['memcached']})")
    run([ROOT / ".ci" / "swift" / "start"], _swift_env(layout, state), ".ci/swift/start")


def swift_stop(layout):
    if (layout.home / "swift").exists():
        run([ROOT / ".ci" / "swift" / "stop"], {**os.environ, "SWIFT_HOME": str(layout.home / "swift")},
            ".ci/swift/stop")


def _swift_pid(layout, server):
    path = layout.home / "swift" / f"{server}.pid"
    return int(path.read_text()) if path.exists() else None


def swift_proxy_stop(layout, signum=signal.SIGTERM):
    pid = _swift_pid(layout, "proxy")
    if signum == signal.SIGKILL and alive(pid):
        os.kill(pid, signal.SIGKILL)
    stop_pid(pid, timeout=15)


def swift_proxy_start(layout, state):
    """The proxy alone, as .ci/swift/start runs it (the storage servers and their data stay up)."""
    home = layout.home / "swift"
    if alive(_swift_pid(layout, "proxy")):
        raise ClusterError("the Swift proxy is running")
    with open(home / "log" / "proxy.log", "ab") as output:
        process = subprocess.Popen([str(SHARED_SWIFT_VENV / "bin" / "swift-proxy-server"),
                                    str(home / "etc" / "proxy-server.conf"), "--verbose"], stdin=subprocess.DEVNULL,
                                   stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    (home / "proxy.pid").write_text(str(process.pid))
    port = state["ports"]["swift"]
    wait_until(lambda: http_status("127.0.0.1", port, "/healthcheck") == 200, "the Swift proxy did not answer", 60)


def _keystone_env(layout, state):
    return {**os.environ, "KEYSTONE_HOME": str(layout.home / "keystone"), "KEYSTONE_PORT": str(state["ports"]["keystone"]),
            "MEMCACHED_PORT": str(state["ports"]["memcached"]), "KEYSTONE_VENV": str(SHARED_KEYSTONE_VENV),
            "KEYSTONE_DATABASE_URL": mariadb.keystone_url(state)}


def keystone_start(layout, state):
    log(f"starting Keystone on 127.0.0.1:{state['ports']['keystone']}")
    run([ROOT / ".ci" / "keystone" / "start", state["front_url"]], _keystone_env(layout, state), ".ci/keystone/start")


def _keystone_pid(layout):
    path = layout.home / "keystone" / "keystone.pid"
    return int(path.read_text()) if path.exists() else None


def keystone_stop(layout, only_keystone=False):
    """Keystone and its memcached by .ci/keystone/stop, or (a fault) only Keystone's gunicorn."""
    if only_keystone:
        stop_pid(_keystone_pid(layout), timeout=15)
        time.sleep(0.5)  # gunicorn removes its pid file on the way out
        return
    if (layout.home / "keystone").exists():
        run([ROOT / ".ci" / "keystone" / "stop"], {**os.environ, "KEYSTONE_HOME": str(layout.home / "keystone")},
            ".ci/keystone/stop")


def _read_env(path):
    import shlex
    values = {}
    for line in Path(path).read_text().splitlines():  # `export NAME=value` (swift.env) or `NAME=value` (keystone.env)
        name, _, value = line.removeprefix("export ").partition("=")
        if name and not name.startswith("#"):
            values[name] = " ".join(shlex.split(value)) if value else ""
    return values


def write_env(layout, state):
    """DIR/cluster.env: the front's URL, each node's, the database's and the stores', for clients and tests."""
    values = {"GLANCE_CLUSTER_DIR": layout.home, "GLANCE_URL": state["front_url"], "AUTH_STRATEGY": state["auth"],
              "GLANCE_NODES": ",".join(state["node_names"])}
    for name in state["node_names"]:
        values[f"{name.upper()}_URL"] = f"http://127.0.0.1:{state['ports'][name]}"
        values[f"{name.upper()}_DATA_DIR"] = layout.node_dir(name)
    values.update({"DATABASE_URL": mariadb.url(state), "MARIADB_PORT": state["ports"]["mariadb"],
                   "MEMCACHED_PORT": state["ports"]["memcached"], "FILE_STORE_DIR": state["file_store"],
                   "FRONT_STATS_SOCKET": front.stats_socket(layout)})
    values.update(_read_env(layout.home / "swift" / "swift.env"))
    if state["auth"] == "keystone":
        values["KEYSTONE_HOME"] = layout.home / "keystone"
        values["KEYSTONE_AUTH_URL"] = f"http://127.0.0.1:{state['ports']['keystone']}/v3"
    layout.env_path.write_text(env_file(values))
