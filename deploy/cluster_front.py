"""deploy/cluster's front: one HAProxy balancing over the nodes' own HAProxies, by their /healthcheck."""
import csv
import io
import socket

from cluster_parts import http_status, log, wait_until

# Each node's HAProxy already holds slow clients and bounds request heads (project/serving/haproxy.py); the
# front's timeouts are the same so that it never cuts off what a node would let through.
TEMPLATE = """\
global
    maxconn 4096
    tune.bufsize 131072
    log stderr format short local0 warning
    stats socket {stats_socket} mode 600 level admin

defaults
    mode http
    log global
    option http-keep-alive
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout client 300s
    timeout connect 2s
    timeout server 600s
    timeout queue 60s
    option splice-auto
    # A node that refuses the connection (killed, restarting) before the check notices: try another one.
    # Only connection failures are retried: a request a node may have begun to act on is never sent twice.
    retries 2
    option redispatch 1
    retry-on conn-failure

frontend api
    bind 127.0.0.1:{port}
    default_backend nodes

backend nodes
    # Uploads hold a connection for long: the node with the fewest gets the next request.
    balance leastconn
    # HTTP/1.1 with a Host: Django refuses a request without one (400), and HAProxy's default check is HTTP/1.0 bare.
    option httpchk GET /healthcheck HTTP/1.1
    http-check send hdr Host 127.0.0.1
    http-check expect status 200
    # Which node answered, for the operator trying it (and the tests that drain one).
    http-response set-header X-Served-By %[srv_name]
    default-server inter 1s fall 2 rise 2
    # When every node fails its check at once, the fault is one they share (the database, the default store):
    # the nodes still answer what they can (cached downloads, reads) and say what is wrong in Glance's words,
    # so the front sends them requests anyway rather than answer its own bare 503.
    option allbackups
{servers}
"""


FALLBACK = "-fallback"


def stats_socket(layout):
    return layout.home / "front.sock"


def config(layout, state):
    servers = "\n".join(f"    server {name} 127.0.0.1:{state['ports'][name]} check\n"
                        f"    server {name}{FALLBACK} 127.0.0.1:{state['ports'][name]} backup"
                        for name in state["node_names"])
    return TEMPLATE.format(stats_socket=stats_socket(layout), port=state["ports"]["front"], servers=servers)


def start(layout, processes, state):
    path = layout.home / "front.cfg"
    path.write_text(config(layout, state))
    port = state["ports"]["front"]
    log(f"starting the front HAProxy on 127.0.0.1:{port}")
    processes.spawn("front", ["haproxy", "-W", "-db", "-f", path])
    wait_until(lambda: http_status("127.0.0.1", port, "/healthcheck") == 200,
               f"the front did not answer 200 at http://127.0.0.1:{port}/healthcheck", 30, (processes, "front"))
    # Until its checks pass (`rise`), the front may send everything to the first node it saw up.
    wait_until(lambda: set(node_states(layout).values()) == {"UP"}, "the front did not see every node up", 30)


def stop(processes):
    processes.stop("front")


def node_states(layout):
    """The front's view of each node (UP, DOWN, MAINT, "UP 1/2"...), from HAProxy's stats socket."""
    try:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(2)
            connection.connect(str(stats_socket(layout)))
            connection.sendall(b"show stat\n")
            text = b"".join(iter(lambda: connection.recv(65536), b"")).decode()
    except OSError:
        return {}
    rows = csv.DictReader(io.StringIO(text.removeprefix("# ")))
    return {row["svname"]: row["status"] for row in rows if row["pxname"] == "nodes"
            and row["svname"] not in ("FRONTEND", "BACKEND") and not row["svname"].endswith(FALLBACK)}
