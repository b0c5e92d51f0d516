"""deploy/cluster: the service as it is deployed, all on loopback, to try it and to break it.

    front HAProxy (option httpchk GET /healthcheck)
      -> node1..nodeN: `manage.py serve` each (node HAProxy, gunicorn, import workers), with its own
         GLANCE_DATA_DIR, NODE_NAME, IMAGE_CACHE_DIR, HEALTHCHECK_DISABLE_FILE and port
      -> a private MariaDB (mariadbd on its own port and datadir: it can be stopped without touching anyone's)
      -> a private Swift all-in-one (.ci/swift/start in DIR/swift): the default `swift` store, and `s3` through
         its s3api; its memcached is also the nodes' Keystone token cache
      -> with --auth keystone, a private Keystone (.ci/keystone/start in DIR/keystone, its tables in the MariaDB)
    plus a `file` store (--file-store: a directory every node shares, as an NFS mount would be).

Everything lives in DIR (default $GLANCE_CLUSTER_DIR or /tmp/glance-cluster): cluster.env (what clients and
tests read), nodeN/node.env (a node's settings, to run manage.py as that node), cluster.json, log/, pids/.
`stop` stops every process and removes DIR, the database with it. The fault commands (kill, down, up, drain,
undrain) act on one service: node1.., front, mariadb, swift-proxy, keystone.
"""
import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster_parts import ClusterError, Layout, Processes, log  # noqa: E402
import cluster_services as services  # noqa: E402


def start(layout, options):
    if layout.state_path.exists():
        raise ClusterError(f"a cluster already runs in {layout.home} (deploy/cluster stop --dir {layout.home})")
    started = time.monotonic()
    state = services.plan(layout, options)
    processes = Processes(layout)
    try:
        services.start_all(layout, processes, state)
    except BaseException:
        log("start failed; stopping what was started")
        services.stop_all(layout, processes, state, remove=False)
        raise
    log(f"ready in {time.monotonic() - started:.0f}s: {state['front_url']} "
        f"({state['nodes']} nodes, auth {state['auth']}); settings in {layout.env_path}")


def stop(layout, options):
    state = layout.read_state()
    services.stop_all(layout, Processes(layout), state, remove=not options.keep)
    log(f"stopped{'' if options.keep else f'; removed {layout.home}'}")


def status(layout, options):
    state = layout.read_state()
    rows = services.status_rows(layout, Processes(layout), state)
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        print(f"{name:<{width}}  {text}")
    return 0 if all(text.startswith("up") for _, text in rows) else 1


def fault(layout, options):
    state = layout.read_state()
    services.act(layout, Processes(layout), state, options.command, options.service)
    log(f"{options.command} {options.service}: done")


def parse(argv):
    parser = argparse.ArgumentParser(prog="deploy/cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--dir", type=Path, default=Path(os.environ.get("GLANCE_CLUSTER_DIR", "/tmp/glance-cluster")),
                       help="the cluster's directory (default $GLANCE_CLUSTER_DIR or /tmp/glance-cluster)")
    commands = parser.add_subparsers(dest="command", required=True)
    begin = commands.add_parser("start", parents=[where], help="start every service and write DIR/cluster.env")
    begin.add_argument("--nodes", type=int, default=3)
    begin.add_argument("--auth", choices=("noauth", "keystone"), default="noauth")
    begin.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    begin.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    begin.add_argument("--task-workers", type=int, default=1, help="import workers per node (TASK_WORKERS)")
    begin.add_argument("--upload-lease", type=int, default=300,
                       help="seconds before a node that stopped renewing its uploads has them undone (UPLOAD_LEASE_SECONDS)")
    begin.add_argument("--file-store", type=Path, help="directory of the shared `file` store (default DIR/file-store)")
    begin.add_argument("--port", type=int, default=0, help="the front's port (default: a free one)")
    end = commands.add_parser("stop", parents=[where], help="stop everything and remove DIR")
    end.add_argument("--keep", action="store_true", help="keep DIR (logs, data) for a look")
    commands.add_parser("status", parents=[where], help="each service: up or down, and the front's view of each node")
    for name, text in services.FAULTS.items():
        commands.add_parser(name, parents=[where], help=text).add_argument("service", help="node1.., front, mariadb, swift-proxy, keystone")
    return parser.parse_args(argv)


def main(argv=None):
    options = parse(argv)
    layout = Layout(options.dir.resolve())
    command = {"start": start, "stop": stop, "status": status}.get(options.command, fault)
    try:
        return command(layout, options) or 0
    except ClusterError as exc:
        log(f"error: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
