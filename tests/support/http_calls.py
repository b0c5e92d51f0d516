"""One request to a LiveServer with the standard library: what end-to-end tests use when no client is the subject."""
import http.client
import json
from urllib.parse import urlsplit


def call(server, method, path, body=None, *, data=None, headers=None, blocksize=8192):
    """(status, content) of one request: `body` is sent as JSON, `data` as it is (bytes or a file);
    content is parsed JSON, raw bytes, or None when empty."""
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60, blocksize=blocksize)
    try:
        if body is not None:
            data, headers = json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
        if content and response.getheader("Content-Type", "").startswith("application/json"):
            content = json.loads(content)
        return response.status, content or None
    finally:
        connection.close()


def ok(server, method, path, body=None, **kwargs):
    """The content of a request that must succeed; the assertion shows the end of the server's log."""
    status, content = call(server, method, path, body, **kwargs)
    assert status < 300, f"{method} {path} answered {status}: {content}\n{server.log()[-3000:]}"
    return content
