"""The rule "may this service connect to this URL", fed resolver answers: no lookup, no connection."""
import pytest

from images.urlcheck import (UrlError, UrlPolicy, UrlRefused, address_refusal, check_url, host_list, import_policy,
                             redacted, url_refusal)

PUBLIC = "93.184.216.34"
DEFAULT = UrlPolicy()
PRIVATE_OK = UrlPolicy(allow_private_networks=True)


def resolver(answers):
    """A resolver answering from `answers` (host -> addresses); any other host is an error of the test."""
    def resolve(host):
        if host not in answers:
            raise AssertionError(f"{host} should not have been looked up")
        return answers[host]
    return resolve


NO_LOOKUP = resolver({})


def assert_refusal(got, expected):
    """`expected` is the whole refusal or a part of it (None: no refusal)."""
    assert got == expected if expected is None else expected in (got or ""), got


@pytest.mark.parametrize("address, refusal", [
    ("93.184.216.34", None),
    ("2606:2800:220:1:248:1893:25c8:1946", None),
    ("127.0.0.1", "a loopback address"),
    ("127.255.0.9", "a loopback address"),
    ("::1", "a loopback address"),
    ("10.1.2.3", "a private address"),
    ("172.16.0.1", "a private address"),
    ("172.31.255.254", "a private address"),
    ("192.168.1.1", "a private address"),
    ("fc00::1", "a private address"),
    ("fd12:3456::1", "a private address"),
    ("169.254.169.254", "a link-local address"),
    ("169.254.0.1", "a link-local address"),
    ("fe80::1", "a link-local address"),
    ("fd00:ec2::254", "a cloud metadata address"),
    ("100.100.100.200", "a cloud metadata address"),
    ("224.0.0.1", "a multicast address"),
    ("ff02::1", "a multicast address"),
    ("0.0.0.0", "an unspecified address"),
    ("0.1.2.3", "an unspecified address"),
    ("::", "an unspecified address"),
    ("240.0.0.1", "a reserved address"),
    ("255.255.255.255", "a reserved address"),
    ("fec0::1", "a site-local address"),
    ("100.64.0.1", "not a public address"),
    ("192.0.2.1", "a private address"),
    ("::ffff:127.0.0.1", "a loopback address"),
    ("::ffff:169.254.169.254", "a link-local address"),
    ("::ffff:10.0.0.1", "a private address"),
    ("::ffff:93.184.216.34", None),
    ("64:ff9b::7f00:1", "a loopback address"),
    ("2002:7f00:1::", "a loopback address"),
    ("2002:a9fe:a9fe::", "a link-local address"),
    ("::127.0.0.1", "a reserved address"),
])
def test_addresses(address, refusal):
    assert address_refusal(address) == refusal


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "10.1.2.3", "192.168.1.1", "fc00::1", "::ffff:127.0.0.1"])
def test_private_networks_setting_allows_loopback_and_private_ranges(address):
    assert address_refusal(address, allow_private=True) is None


@pytest.mark.parametrize("address", ["169.254.169.254", "fe80::1", "fd00:ec2::254", "0.0.0.0", "::", "224.0.0.1",
                                     "240.0.0.1", "::ffff:169.254.169.254"])
def test_private_networks_setting_never_allows_link_local_multicast_reserved_unspecified(address):
    assert address_refusal(address, allow_private=True) is not None


# --- whole URLs ---------------------------------------------------------------------------

@pytest.mark.parametrize("url, refusal", [
    ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
    ("http://[::1]/x", "::1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1 is a loopback address"),
    ("http://[::ffff:7f00:1]/", "::ffff:7f00:1 is a loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://[fe80::1%25eth0]/", "a link-local address"),
    ("http://10.0.0.1/", "a private address"),
    ("http://0.0.0.0/", "an unspecified address"),
    ("http://2130706433/", "Host '2130706433' is an IP address written in a non-standard form"),
    ("http://0x7f.1/", "Host '0x7f.1' is an IP address written in a non-standard form"),
    ("http://0x7f000001/", "an IP address written in a non-standard form"),
    ("http://017700000001/", "an IP address written in a non-standard form"),
    ("http://127.1/", "an IP address written in a non-standard form"),
    ("http://127.0.0.1./", "an IP address written in a non-standard form"),
    ("http://1.2.3.4.5/", "an IP address written in a non-standard form"),
    ("file:///etc/passwd", "Scheme 'file' is not supported (only http and https)"),
    ("ftp://example.com/image", "Scheme 'ftp' is not supported"),
    ("gopher://example.com/", "Scheme 'gopher' is not supported"),
    ("example.com/image", "Scheme 'missing' is not supported"),
    ("http:///image", "The URL names no host"),
    ("http://exa mple.com/", "is not a valid host name"),
    ("http://-bad-.example/", "is not a valid host name"),
    ("http://example.com:99999/", "The URL's port is not a number from 0 to 65535"),
    ("http://example.com:8080/", "Port 8080 is not in the allowed list"),
    ("https://example.com:80/", None),
    ("http://user:secret@example.com/", "A URL may not carry credentials (user@host)"),
    ("http://user@example.com/", "A URL may not carry credentials (user@host)"),
    ("", "No URL given"),
])
def test_urls_under_the_default_policy(url, refusal):
    assert_refusal(url_refusal(url, policy=DEFAULT, resolve=resolver({"example.com": [PUBLIC]})), refusal)


def test_a_public_url_gives_where_to_connect_and_what_to_send():
    target = check_url("https://Images.Example.com/dir/a%20b?x=1#frag", policy=DEFAULT,
                       resolve=resolver({"images.example.com": [PUBLIC, "2606:2800:220:1::1"]}))
    assert (target.scheme, target.host, target.port, target.addresses, target.request_target, target.host_header) == (
        "https", "images.example.com", 443, (PUBLIC, "2606:2800:220:1::1"), "/dir/a%20b?x=1", "images.example.com")


@pytest.mark.parametrize("url, host_header, request_target", [
    ("http://example.com", "example.com", "/"),
    ("http://example.com:80/a b", "example.com", "/a%20b"),
    ("https://example.com:443/", "example.com", "/"),
    ("https://example.com:8443/", "example.com:8443", "/"),
    ("http://[2606:2800:220:1::1]:8080/x", "[2606:2800:220:1::1]:8080", "/x"),
])
def test_host_header_and_request_target(url, host_header, request_target):
    open_ports = UrlPolicy(allowed_ports=())
    target = check_url(url, policy=open_ports, resolve=resolver({"example.com": [PUBLIC]}))
    assert (target.host_header, target.request_target) == (host_header, request_target)


@pytest.mark.parametrize("answers, refusal", [
    ([PUBLIC], None),
    ([PUBLIC, "10.0.0.7"], "Host mixed.example resolves to 10.0.0.7, a private address"),
    (["192.168.0.1", PUBLIC], "Host mixed.example resolves to 192.168.0.1, a private address"),
    ([PUBLIC, "169.254.169.254"], "Host mixed.example resolves to 169.254.169.254, a link-local address"),
    ([PUBLIC, "::1"], "Host mixed.example resolves to ::1, a loopback address"),
    ([PUBLIC, "::ffff:127.0.0.1"], "Host mixed.example resolves to ::ffff:7f00:1, a loopback address"),
    (["fe80::1%eth0"], "Host mixed.example resolves to fe80::1, a link-local address"),
    (["not-an-address"], "Host mixed.example resolved to 'not-an-address', which is not an IP address"),
])
def test_every_resolved_address_is_checked(answers, refusal):
    assert url_refusal("http://mixed.example/", policy=DEFAULT, resolve=resolver({"mixed.example": answers})) == refusal


def test_loopback_names_are_refused_by_what_they_resolve_to():
    assert url_refusal("http://localhost/", policy=DEFAULT, resolve=resolver({"localhost": ["127.0.0.1", "::1"]})) == (
        "Host localhost resolves to 127.0.0.1, a loopback address")


def test_a_host_that_does_not_resolve_is_an_error_not_a_refusal():
    def failing(host):
        raise OSError("Name or service not known")
    with pytest.raises(UrlError) as failed:
        check_url("http://nowhere.example/", policy=DEFAULT, resolve=failing)
    assert not isinstance(failed.value, UrlRefused)
    assert failed.value.reason == "Cannot resolve host nowhere.example: Name or service not known"
    assert url_refusal("http://empty.example/", policy=DEFAULT, resolve=resolver({"empty.example": []})) == (
        "Cannot resolve host empty.example: no address")


def test_the_private_networks_setting_lets_loopback_through():
    target = check_url("http://localhost:80/", policy=PRIVATE_OK, resolve=resolver({"localhost": ["127.0.0.1"]}))
    assert target.addresses == ("127.0.0.1",)
    assert url_refusal("http://169.254.169.254/", policy=PRIVATE_OK, resolve=NO_LOOKUP) == (
        "169.254.169.254 is a link-local address")


# --- allow and deny lists, as Glance's [import_filtering_opts] -----------------------------------

@pytest.mark.parametrize("policy, url, refusal", [
    (UrlPolicy(allowed_schemes=("https",)), "http://example.com/", "Scheme http is not in the allowed list"),
    (UrlPolicy(allowed_schemes=("https",)), "https://example.com/", None),
    (UrlPolicy(allowed_schemes=(), disallowed_schemes=("http",)), "http://example.com/",
     "Scheme http is in the disallowed list"),
    (UrlPolicy(allowed_schemes=(), disallowed_schemes=("http",)), "https://example.com/", None),
    # a set allow list wins: the deny list is ignored
    (UrlPolicy(allowed_schemes=("http",), disallowed_schemes=("http",)), "http://example.com/", None),
    (UrlPolicy(allowed_hosts=("example.com",)), "http://other.example/", "Host other.example is not in the allowed list"),
    (UrlPolicy(allowed_hosts=("example.com",)), "http://EXAMPLE.com./", None),
    (UrlPolicy(allowed_hosts=("example.com",), disallowed_hosts=("example.com",)), "http://example.com/", None),
    (UrlPolicy(disallowed_hosts=("example.com",)), "http://example.com/", "Host example.com is in the disallowed list"),
    (UrlPolicy(disallowed_hosts=("example.com",)), "http://other.example/", None),
    (UrlPolicy(disallowed_hosts=(PUBLIC,)), "http://other.example/",
     f"Host resolves to {PUBLIC}, which is in the disallowed list"),
    (UrlPolicy(disallowed_hosts=(PUBLIC,)), f"http://{PUBLIC}/", f"Host {PUBLIC} is in the disallowed list"),
    (UrlPolicy(allowed_ports=(8080,)), "http://example.com:8080/", None),
    (UrlPolicy(allowed_ports=(8080,)), "http://example.com/", "Port 80 is not in the allowed list"),
    (UrlPolicy(allowed_ports=(), disallowed_ports=(8080,)), "http://example.com:8080/",
     "Port 8080 is in the disallowed list"),
    (UrlPolicy(allowed_ports=(), disallowed_ports=(8080,)), "http://example.com:8081/", None),
    (UrlPolicy(allowed_ports=(80,), disallowed_ports=(80,)), "http://example.com/", None),
    # an allowed host is still refused when it resolves to a private address
    (UrlPolicy(allowed_hosts=("internal.example",)), "http://internal.example/",
     "Host internal.example resolves to 10.0.0.1, a private address"),
    (UrlPolicy(allowed_hosts=("internal.example",), allow_private_networks=True), "http://internal.example/", None),
    (UrlPolicy(allow_userinfo=True), "http://user:secret@example.com/", None),
])
def test_allow_and_deny_lists(policy, url, refusal):
    resolve = resolver({"example.com": [PUBLIC], "other.example": [PUBLIC], "internal.example": ["10.0.0.1"]})
    assert url_refusal(url, policy=policy, resolve=resolve) == refusal


def test_lists_are_checked_before_any_lookup():
    policy = UrlPolicy(disallowed_hosts=("blocked.example",))
    assert url_refusal("http://blocked.example/", policy=policy, resolve=NO_LOOKUP) == (
        "Host blocked.example is in the disallowed list")


def test_host_lists_are_compared_in_standard_form():
    assert host_list(["Example.COM.", "[::FFFF:7F00:1]", "127.0.0.1"]) == ("example.com", "::ffff:7f00:1", "127.0.0.1")


def test_the_import_policy_comes_from_the_settings(settings):
    settings.IMPORT_ALLOWED_SCHEMES = ["HTTPS"]
    settings.IMPORT_DISALLOWED_HOSTS = ["Bad.Example"]
    settings.IMPORT_ALLOWED_PORTS = [443, 8443]
    settings.IMPORT_ALLOW_PRIVATE_NETWORKS = True
    assert import_policy() == UrlPolicy(allowed_schemes=("https",), disallowed_hosts=("bad.example",),
                                        allowed_ports=(443, 8443), allow_private_networks=True)


def test_the_default_import_policy_refuses_loopback():
    assert import_policy() == DEFAULT
    assert url_refusal("http://127.0.0.1/", policy=import_policy()) == "127.0.0.1 is a loopback address"


def test_refusals_are_400_and_do_not_echo_passwords():
    with pytest.raises(UrlRefused) as refused:
        check_url("http://user:secret@10.0.0.1/", policy=UrlPolicy(allow_userinfo=True), resolve=NO_LOOKUP)
    assert refused.value.status == 400
    assert refused.value.message == "10.0.0.1 is a private address (http://***@10.0.0.1/)"
    assert redacted("http://example.com/") == "http://example.com/"
    assert redacted("https://TOKEN@example.com/x") == "https://***@example.com/x"


def test_credentials_are_given_to_the_caller_unquoted():
    target = check_url("http://us%40er:p%3Ass@example.com/", policy=UrlPolicy(allow_userinfo=True),
                       resolve=resolver({"example.com": [PUBLIC]}))
    assert target.credentials == ("us@er", "p:ss")
