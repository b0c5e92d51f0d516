"""Several gunicorn workers writing the SQLite catalog at once never fail.

Glance answers 500 "database is locked" here; this service takes the write lock
when a transaction starts and waits for it (project/database.py).
"""
import json
import threading
from collections import Counter
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest

from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e

WRITERS = 8
NAMESPACES_EACH = 15


def writer(url, index, statuses):
    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    for number in range(NAMESPACES_EACH):
        name = f"writer-{index}-{number}"
        body = {"namespace": name, "properties": {f"p{k}": {"title": "P", "type": "string"} for k in range(5)},
                "tags": [{"name": f"t{k}"} for k in range(5)],
                "resource_type_associations": [{"name": "OS::Shared::Type"}]}
        for method, path, payload in (("POST", "/v2/metadefs/namespaces", body),
                                      ("POST", f"/v2/metadefs/namespaces/{name}/tags/extra", None),
                                      ("DELETE", f"/v2/metadefs/namespaces/{name}/properties", None)):
            connection.request(method, path, body=json.dumps(payload) if payload else None, headers=headers)
            response = connection.getresponse()
            statuses[(method, response.status)] += 1
            response.read()
    connection.close()


def test_parallel_writers_all_succeed(tmp_path):
    with LiveServer(tmp_path, workers=4) as server:
        statuses = Counter()
        threads = [threading.Thread(target=writer, args=(server.url, i, statuses)) for i in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        total = WRITERS * NAMESPACES_EACH
        assert statuses == Counter({("POST", 201): 2 * total, ("DELETE", 204): total}), server.log()


# Every write to one namespace's contents, and the namespace's own PUT and DELETE, from several clients.
CONTENTS_WRITES = [
    ("POST", "/v2/metadefs/namespaces", {"namespace": "contested"}),
    ("PUT", "", {"namespace": "contested", "description": "d"}),
    ("DELETE", "", None),
    ("POST", "/tags/t0", None),
    ("POST", "/tags", {"tags": [{"name": "t0"}, {"name": "t1"}]}),
    ("PUT", "/tags/t0", {"name": "t2"}),
    ("DELETE", "/tags/t0", None),
    ("DELETE", "/tags", None),
    ("POST", "/properties", {"name": "p", "title": "p", "type": "string"}),
    ("PUT", "/properties/p", {"name": "p", "title": "q", "type": "string"}),
    ("DELETE", "/properties/p", None),
    ("POST", "/objects", {"name": "o"}),
    ("PUT", "/objects/o", {"name": "o", "description": "d"}),
    ("DELETE", "/objects", None),
    ("POST", "/resource_types", {"name": "OS::Glance::Image", "prefix": "x_"}),
    ("DELETE", "/resource_types/OS::Glance::Image", None),
]


def contender(url, seed, statuses):
    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    for step in range(120):
        method, path, payload = CONTENTS_WRITES[(seed * 7 + step * 5) % len(CONTENTS_WRITES)]
        full = path if path.startswith("/v2/") else f"/v2/metadefs/namespaces/contested{path}"
        connection.request(method, full, body=json.dumps(payload) if payload else None, headers=headers)
        response = connection.getresponse()
        statuses[response.status] += 1
        response.read()
    connection.close()


def test_writers_racing_on_one_namespace_get_answers_never_errors(tmp_path):
    """Creating contents while another client deletes the namespace or its contents is a 404 or a 409
    (Glance's answers), never a 500 (a foreign-key failure, a deadlock on MariaDB)."""
    with LiveServer(tmp_path, workers=3) as server:
        statuses = Counter()
        threads = [threading.Thread(target=contender, args=(server.url, seed, statuses)) for seed in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert set(statuses) <= {200, 201, 204, 404, 409}, (statuses, server.log()[-5000:])
        assert statuses[201] and statuses[204], statuses
