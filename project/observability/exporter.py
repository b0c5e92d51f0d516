"""METRICS_BIND: the node's metrics on an address of their own (no identity asked: keep it private)."""
from prometheus_client import start_http_server

from project.observability.metrics import scrape_registry


def serve_metrics(bind):
    """Answer scrapes on `bind` (host:port) from a daemon thread, with every worker's values."""
    host, _, port = bind.rpartition(":")
    start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1", registry=scrape_registry())
