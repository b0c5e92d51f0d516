"""The local HTTP server tests fetch from, checked with the standard library's client."""
import http.client

import pytest

DATA = bytes(range(256)) * 4


def request(server, path, method="GET", **headers):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        try:
            body = response.read()
        except http.client.IncompleteRead as cut:
            body = ("cut", cut.partial)
        return response.status, dict(response.getheaders()), body
    finally:
        connection.close()


@pytest.fixture
def served(http_server):
    http_server.add_file("dir/image.raw", DATA)
    return http_server


def test_files_whole_and_their_head(served):
    assert served.url("dir/image.raw") == f"http://127.0.0.1:{served.port}/dir/image.raw"
    status, headers, body = request(served, "/dir/image.raw")
    assert (status, headers["Content-Length"], body) == (200, "1024", DATA)
    status, headers, body = request(served, "/dir/image.raw", "HEAD")
    assert (status, headers["Content-Length"], body) == (200, "1024", b"")
    assert [(seen.method, seen.path) for seen in served.requests] == [("GET", "/dir/image.raw"),
                                                                      ("HEAD", "/dir/image.raw")]


@pytest.mark.parametrize("header, content_range, body", [
    ("bytes=0-9", "bytes 0-9/1024", DATA[:10]),
    ("bytes=1000-", "bytes 1000-1023/1024", DATA[1000:]),
    ("bytes=1000-5000", "bytes 1000-1023/1024", DATA[1000:]),
    ("bytes=-4", "bytes 1020-1023/1024", DATA[-4:]),
])
def test_byte_ranges(served, header, content_range, body):
    status, headers, got = request(served, "/dir/image.raw", Range=header)
    assert (status, headers["Content-Range"], headers["Content-Length"], got) == (206, content_range, str(len(body)), body)


def test_unsatisfiable_and_ignored_ranges(served):
    status, headers, _ = request(served, "/dir/image.raw", Range="bytes=1024-")
    assert (status, headers["Content-Range"]) == (416, "bytes */1024")
    assert request(served, "/dir/image.raw", Range="pages=1-2")[0] == 200
    served.honour_ranges = False
    assert request(served, "/dir/image.raw", Range="bytes=0-9")[::2] == (200, DATA)


def test_missing_files_and_paths_outside_the_directory_are_404(served, tmp_path):
    (tmp_path / "secret").write_bytes(b"x")
    assert request(served, "/nothing")[0] == 404
    assert request(served, "/../secret")[0] == 404
    assert request(served, "/dir")[0] == 404


def test_redirects_errors_truncation_and_unsized_bodies(served):
    served.redirect("/moved", "/dir/image.raw", status=301)
    served.fail("/broken", 500)
    served.truncate("/dir/image.raw", 100)
    status, headers, _ = request(served, "/moved")
    assert (status, headers["Location"]) == (301, "/dir/image.raw")
    assert request(served, "/redirect/3/dir/image.raw")[1]["Location"] == "/redirect/2/dir/image.raw"
    assert request(served, "/redirect/1/dir/image.raw")[1]["Location"] == "/dir/image.raw"
    assert request(served, "/broken")[0] == 500
    status, headers, body = request(served, "/dir/image.raw")
    assert (status, headers["Content-Length"], body) == (200, "1024", ("cut", DATA[:100]))
    served.truncations.clear()
    served.unsized.add("/dir/image.raw")
    status, headers, body = request(served, "/dir/image.raw")
    assert (status, "Content-Length" in headers, body) == (200, False, DATA)
