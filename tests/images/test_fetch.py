"""Fetching URLs from a real local server: ranges, redirects checked at every hop, pinned addresses, errors."""
import socket

import pytest

from images.fetch import ConnectionFailed, HttpStatusError, TooManyRedirects, TruncatedBody, open_url
from images.urlcheck import UrlPolicy, UrlRefused
from tests.support.http_server import LocalHttpServer, self_signed_certificate

DATA = bytes(range(256)) * 40  # 10 KiB


@pytest.fixture
def served(http_server):
    http_server.add_file("image.raw", DATA)
    return http_server


@pytest.fixture
def local(served):
    """The policy of these tests: loopback allowed, on the test server's port only."""
    return UrlPolicy(allow_private_networks=True, allowed_ports=(served.port,))


class Resolver:
    """Test names resolved to loopback addresses, every lookup counted."""

    def __init__(self, **answers):
        self.answers = {name.replace("_", "."): addresses for name, addresses in answers.items()}
        self.lookups = []

    def __call__(self, host):
        self.lookups.append(host)
        return self.answers[host]


def read_all(fetched, block=1000):
    with fetched:
        return b"".join(iter(lambda: fetched.read(block), b""))


def test_a_whole_file(served, local):
    fetched = open_url(served.url("image.raw"), policy=local)
    assert (fetched.status, fetched.size, fetched.length) == (200, len(DATA), len(DATA))
    assert read_all(fetched) == DATA
    assert "Range" not in served.requests[0].headers
    assert served.requests[0].headers["Accept-Encoding"] == "identity"


@pytest.mark.parametrize("offset, length, sent", [
    (10, 20, "bytes=10-29"), (10000, None, "bytes=10000-"), (0, 5, "bytes=0-4"), (10000, 5000, "bytes=10000-14999"),
])
def test_byte_ranges(served, local, offset, length, sent):
    fetched = open_url(served.url("image.raw"), policy=local, offset=offset, length=length)
    expected = DATA[offset:None if length is None else offset + length]
    assert (fetched.status, fetched.size, fetched.length) == (206, len(DATA), len(expected))
    assert read_all(fetched, block=7) == expected
    assert served.requests[0].headers["Range"] == sent


@pytest.mark.parametrize("offset, length", [(10, 20), (5000, None), (10230, 100), (20000, 10)])
def test_a_server_that_ignores_ranges_still_gives_the_bytes_asked_for(served, local, offset, length):
    served.honour_ranges = False
    fetched = open_url(served.url("image.raw"), policy=local, offset=offset, length=length)
    assert (fetched.status, fetched.size) == (200, len(DATA))
    assert read_all(fetched) == DATA[offset:None if length is None else offset + length]


def test_head_gives_the_size_and_no_body(served, local):
    with open_url(served.url("image.raw"), policy=local, method="HEAD") as fetched:
        assert (fetched.status, fetched.size, fetched.read()) == (200, len(DATA), b"")
    assert served.requests[0].method == "HEAD"


def test_the_connection_goes_to_the_checked_address_with_the_urls_host(served, local):
    resolve = Resolver(images_test=["127.0.0.1"])
    assert read_all(open_url(served.url("image.raw", host="images.test"), policy=local, resolve=resolve)) == DATA
    assert resolve.lookups == ["images.test"]  # looked up once, by the check: the connection used its answer
    assert served.requests[0].headers["Host"] == f"images.test:{served.port}"


def test_the_next_checked_address_is_tried_when_one_refuses_connections(served, local):
    resolve = Resolver(images_test=["127.0.0.2", "127.0.0.1"])  # the server listens on 127.0.0.1 only
    assert read_all(open_url(served.url("image.raw", host="images.test"), policy=local, resolve=resolve)) == DATA


def test_a_host_resolving_to_one_refused_address_is_not_fetched(served, local):
    resolve = Resolver(images_test=["127.0.0.1", "169.254.169.254"])
    with pytest.raises(UrlRefused, match="resolves to 169.254.169.254, a link-local address"):
        open_url(served.url("image.raw", host="images.test"), policy=local, resolve=resolve)
    assert served.requests == []


# --- redirects -----------------------------------------------------------------------------

def test_redirects_within_the_limit_are_followed_and_each_target_checked(served, local):
    resolve = Resolver(images_test=["127.0.0.1"])
    served.redirect("/start", served.url("/redirect/2/image.raw", host="images.test"))
    fetched = open_url(served.url("start"), policy=local, resolve=resolve, max_redirects=3)
    assert read_all(fetched) == DATA
    assert fetched.url == served.url("image.raw", host="images.test")
    assert [request.path for request in served.requests] == ["/start", "/redirect/2/image.raw",
                                                             "/redirect/1/image.raw", "/image.raw"]
    assert resolve.lookups == ["images.test"] * 3


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_every_redirect_status_is_followed(served, local, status):
    served.redirect("/moved", "image.raw", status=status)
    assert read_all(open_url(served.url("moved"), policy=local)) == DATA


def test_too_many_redirects(served, local, settings):
    with pytest.raises(TooManyRedirects) as refused:
        open_url(served.url("redirect/4/image.raw"), policy=local, max_redirects=3)
    assert refused.value.reason == "More than 3 redirects"
    assert len(served.requests) == 4
    settings.IMPORT_MAX_REDIRECTS = 0
    with pytest.raises(TooManyRedirects, match="More than 0 redirects"):
        open_url(served.url("redirect/1/image.raw"), policy=local)


@pytest.mark.parametrize("location, refusal", [
    ("http://127.0.0.1:1/image.raw", "Port 1 is not in the allowed list"),
    ("http://169.254.169.254:{port}/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("file:///etc/passwd", "Scheme 'file' is not supported"),
    ("http://2130706433/", "an IP address written in a non-standard form"),
])
def test_a_redirect_to_a_refused_url_is_refused(served, local, location, refusal):
    served.redirect("/moved", location.format(port=served.port))
    with pytest.raises(UrlRefused, match=refusal):
        open_url(served.url("moved"), policy=local)


def test_a_redirect_to_a_denied_host_is_refused(served):
    policy = UrlPolicy(allow_private_networks=True, allowed_ports=(), disallowed_hosts=("blocked.test",))
    served.redirect("/moved", served.url("image.raw", host="blocked.test"))
    with pytest.raises(UrlRefused, match="Host blocked.test is in the disallowed list"):
        open_url(served.url("moved"), policy=policy, resolve=Resolver())
    assert len(served.requests) == 1


def test_a_redirect_without_a_location_is_the_servers_status(served, local):
    served.fail("/odd", 302)
    with pytest.raises(HttpStatusError) as failed:
        open_url(served.url("odd"), policy=local)
    assert failed.value.http_status == 302


# --- failures ------------------------------------------------------------------------------

@pytest.mark.parametrize("path, status, reason", [
    ("missing", 404, "The server answered 404 Not Found"),
    ("broken", 500, "The server answered 500 Internal Server Error"),
    ("gone", 410, "The server answered 410 Gone"),
])
def test_error_statuses(served, local, path, status, reason):
    served.fail("/broken", 500)
    served.fail("/gone", 410)
    with pytest.raises(HttpStatusError) as failed:
        open_url(served.url(path), policy=local)
    assert (failed.value.http_status, failed.value.reason, failed.value.status) == (status, reason, 400)
    assert failed.value.message == f"{reason} ({served.url(path)})"


def test_a_range_past_the_end_is_416(served, local):
    with pytest.raises(HttpStatusError) as failed:
        open_url(served.url("image.raw"), policy=local, offset=len(DATA) + 5)
    assert failed.value.http_status == 416


@pytest.mark.parametrize("offset, length", [(0, None), (100, 5000)])
def test_a_body_cut_short_raises_instead_of_ending(served, local, offset, length):
    served.truncate("/image.raw", 1000)
    fetched = open_url(served.url("image.raw"), policy=local, offset=offset, length=length)
    with pytest.raises(TruncatedBody, match="The body ended"):
        read_all(fetched)


def test_a_body_without_a_length_is_read_until_the_server_closes(served, local):
    served.unsized.add("/image.raw")
    fetched = open_url(served.url("image.raw"), policy=local)
    assert (fetched.size, fetched.length) == (None, None)
    assert read_all(fetched) == DATA


def test_a_closed_port_is_a_connection_failure():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = UrlPolicy(allow_private_networks=True, allowed_ports=(port,))
    with pytest.raises(ConnectionFailed, match=f"Cannot connect to 127.0.0.1:{port}"):
        open_url(f"http://127.0.0.1:{port}/image.raw", policy=policy)


# --- credentials and TLS -------------------------------------------------------------------

def test_credentials_in_the_url_are_sent_to_that_url_only(served):
    """A relative redirect stays on the URL's server and keeps them; an absolute one names its own."""
    policy = UrlPolicy(allow_private_networks=True, allowed_ports=(), allow_userinfo=True)
    served.redirect("/private", "/elsewhere")
    served.redirect("/elsewhere", served.url("image.raw"))
    url = served.url("private").replace("://", "://reader:s%40cret@")
    assert read_all(open_url(url, policy=policy)) == DATA
    first, second, third = served.requests
    assert first.headers["Authorization"] == second.headers["Authorization"] == "Basic cmVhZGVyOnNAY3JldA=="
    assert "Authorization" not in third.headers


@pytest.fixture
def tls_server(tmp_path):
    certificate, key = self_signed_certificate(tmp_path, "images.test")
    with LocalHttpServer(tmp_path / "tls-root", tls=(certificate, key)) as server:
        server.add_file("image.raw", DATA)
        server.certificate = str(certificate)
        yield server


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_https_is_verified_against_the_urls_host_while_connecting_to_the_checked_address(tls_server):
    policy = UrlPolicy(allow_private_networks=True, allowed_ports=(tls_server.port,))
    resolve = Resolver(images_test=["127.0.0.1"], other_test=["127.0.0.1"])
    url = tls_server.url("image.raw", host="images.test")
    assert read_all(open_url(url, policy=policy, resolve=resolve, ca_certs=tls_server.certificate)) == DATA
    assert tls_server.requests[0].headers["Host"] == f"images.test:{tls_server.port}"
    with pytest.raises(ConnectionFailed, match="images.test"):  # the certificate is not for other.test
        open_url(tls_server.url("image.raw", host="other.test"), policy=policy, resolve=resolve,
                 ca_certs=tls_server.certificate)
    with pytest.raises(ConnectionFailed, match="certificate verify failed"):
        open_url(url, policy=policy, resolve=resolve)
    assert read_all(open_url(url, policy=policy, resolve=resolve, verify=False)) == DATA
