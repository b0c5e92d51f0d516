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
