"""The env files the local servers' start scripts write (.ci/keystone/start, .ci/swift/start), and whether those
servers answer."""
from http import client as http_client
from urllib.parse import urlsplit


def read_env_file(path):
    """`export NAME=value` lines as a dict."""
    values = {}
    for line in path.read_text().splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        if name:
            values[name] = value
    return values


def answers(url):
    """Whether a GET of `url` answers 200."""
    parts = urlsplit(url)
    try:
        connection = http_client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        connection.request("GET", parts.path or "/")
        return connection.getresponse().status == 200
    except OSError:
        return False
