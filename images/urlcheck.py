"""May this service connect to a URL? The one rule for web-download, the locations API and the http store.

A URL passes when its scheme, host and port pass the policy's lists (Glance's [import_filtering_opts]:
an allow list, when set, makes its deny list ignored) and every address its host resolves to is a
public one. `check_url` returns the addresses it approved so that the caller connects to exactly
those (images/fetch.py): a second lookup could answer differently (DNS rebinding).
"""
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from django.conf import settings

from project.errors import InvalidInput

# What images/fetch.py speaks; Glance's urllib also spoke ftp:// and file://, which its lists had to refuse.
SUPPORTED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Metadata services outside the link-local range (AWS over IPv6, Alibaba): refused like 169.254.169.254.
METADATA_ADDRESSES = frozenset(map(ipaddress.ip_address, ("fd00:ec2::254", "100.100.100.200")))
NAT64 = ipaddress.ip_network("64:ff9b::/96")
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
HOST_NAME = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*\.?")
# Characters a request target may carry as they are; anything else is percent-encoded.
TARGET_SAFE = "/%:@!$&'()*+,;=-._~?"


class UrlError(InvalidInput):
    """A URL this service cannot use (400): refused by the policy, or failing when fetched (images/fetch.py).

    `url` has its credentials masked, and `reason` is the message without the URL, for callers that
    word their own (Glance: "URI for web-download does not pass filtering: ...").
    """

    def __init__(self, url, reason):
        self.url, self.reason = redacted(url), reason
        super().__init__(f"{reason} ({self.url})")


class UrlRefused(UrlError):
    """The policy does not allow connecting to the URL."""


@dataclass(frozen=True)
class UrlPolicy:
    """Which URLs may be fetched. Empty allow lists allow everything their deny lists do not name."""

    allowed_schemes: tuple = SUPPORTED_SCHEMES
    disallowed_schemes: tuple = ()
    allowed_hosts: tuple = ()
    disallowed_hosts: tuple = ()
    allowed_ports: tuple = (80, 443)
    disallowed_ports: tuple = ()
    # Loopback and private ranges (10/8, 172.16/12, 192.168/16, fc00::/7, ...); link-local, multicast,
    # reserved and unspecified addresses are refused whatever this says.
    allow_private_networks: bool = False
    # user:password@ in the URL, sent as basic authentication.
    allow_userinfo: bool = False


def import_policy():
    """The policy of URLs users hand in (web-download, locations), from the IMPORT_* settings."""
    return UrlPolicy(
        allowed_schemes=tuple(scheme.lower() for scheme in settings.IMPORT_ALLOWED_SCHEMES),
        disallowed_schemes=tuple(scheme.lower() for scheme in settings.IMPORT_DISALLOWED_SCHEMES),
        allowed_hosts=host_list(settings.IMPORT_ALLOWED_HOSTS),
        disallowed_hosts=host_list(settings.IMPORT_DISALLOWED_HOSTS),
        allowed_ports=tuple(settings.IMPORT_ALLOWED_PORTS),
        disallowed_ports=tuple(settings.IMPORT_DISALLOWED_PORTS),
        allow_private_networks=settings.IMPORT_ALLOW_PRIVATE_NETWORKS)


def host_list(hosts):
    """Host names and addresses as `check_url` compares them: names in lower case, addresses in standard form."""
    return tuple(str(_literal_address(host.strip("[]")) or host.lower().rstrip(".")) for host in hosts)


@dataclass(frozen=True)
class Target:
    """A URL that passed `check_url`: where to connect (`addresses`, all approved) and what to send."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple
    request_target: str
    credentials: tuple = None

    @property
    def host_header(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def resolve_host(host):
    """Every address the system resolver has for `host` (OSError when it has none)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_url(url, *, policy, resolve=resolve_host):
    """The Target of `url` if `policy` lets this service connect to it; UrlRefused naming the reason.

    `resolve(host)` lists the host's addresses (default: the system resolver; OSError when it cannot);
    every one of them must pass, and the Target carries them so that the connection goes to an approved
    one. A host that cannot be resolved is a UrlError.
    """
    parts = _split(url)
    scheme, host, port = parts.scheme, _host(url, parts.hostname), _port(url, parts)
    _check_lists(url, policy, scheme, host, port)
    if (parts.username is not None or parts.password is not None) and not policy.allow_userinfo:
        raise UrlRefused(url, "A URL may not carry credentials (user@host)")
    literal = _literal_address(host)
    addresses = (literal,) if literal else _resolved(url, host, resolve)
    if policy.disallowed_hosts and not policy.allowed_hosts:
        _check_denied_addresses(url, policy, addresses)
    for address in addresses:
        refusal = address_refusal(address, allow_private=policy.allow_private_networks)
        if refusal:
            raise UrlRefused(url, f"{address} is {refusal}" if literal else
                             f"Host {host} resolves to {address}, {refusal}")
    return Target(url, scheme, host, port, tuple(str(address) for address in addresses),
                  _request_target(parts), _credentials(parts))


def url_refusal(url, *, policy, resolve=resolve_host):
    """Why `policy` refuses `url`, or None when it may be fetched."""
    try:
        check_url(url, policy=policy, resolve=resolve)
    except UrlError as exc:
        return exc.reason
    return None


def _split(url):
    if not isinstance(url, str) or not url:
        raise UrlRefused(str(url), "No URL given")
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise UrlRefused(url, f"Malformed URL: {exc}") from None
    if parts.scheme not in SUPPORTED_SCHEMES:
        raise UrlRefused(url, f"Scheme {parts.scheme or 'missing'!r} is not supported (only http and https)")
    return parts


def _host(url, hostname):
    """The host as the lists name it: an IP address in its standard form, or a lower-case DNS name."""
    if not hostname:
        raise UrlRefused(url, "The URL names no host")
    literal = _literal_address(hostname)
    if literal:
        return str(literal)
    try:
        name = hostname.encode("idna").decode("ascii") if not hostname.isascii() else hostname
    except UnicodeError:
        raise UrlRefused(url, f"Host {hostname!r} is not a valid host name") from None
    if re.fullmatch(r"[0-9.]+", name) or _inet_aton_accepts(name):
        # 2130706433, 0x7f.1, 127.1: not standard addresses, yet the C resolver reads them as 127.0.0.1.
        raise UrlRefused(url, f"Host {hostname!r} is an IP address written in a non-standard form")
    if not HOST_NAME.fullmatch(name):
        raise UrlRefused(url, f"Host {hostname!r} is not a valid host name")
    return name.rstrip(".")


def _inet_aton_accepts(name):
    try:
        socket.inet_aton(name)
    except OSError:
        return False
    return True


def _literal_address(host):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _port(url, parts):
    try:
        port = parts.port
    except ValueError:
        raise UrlRefused(url, "The URL's port is not a number from 0 to 65535") from None
    return DEFAULT_PORTS[parts.scheme] if port is None else port


def _check_lists(url, policy, scheme, host, port):
    """Glance's order and semantics: scheme, then host, then port; a set allow list ignores the deny list.

    Unlike Glance, a URL without a port is checked with its scheme's port (80, 443), so that an allow
    list of ports cannot be passed by leaving the port out.
    """
    for what, value, allowed, denied in (("Scheme", scheme, policy.allowed_schemes, policy.disallowed_schemes),
                                         ("Host", host, policy.allowed_hosts, policy.disallowed_hosts),
                                         ("Port", port, policy.allowed_ports, policy.disallowed_ports)):
        if allowed and value not in allowed:
            raise UrlRefused(url, f"{what} {value} is not in the allowed list")
        if not allowed and value in denied:
            raise UrlRefused(url, f"{what} {value} is in the disallowed list")


def _check_denied_addresses(url, policy, addresses):
    """A denied address is denied under any name that resolves to it."""
    for address in addresses:
        if str(address) in policy.disallowed_hosts:
            raise UrlRefused(url, f"Host resolves to {address}, which is in the disallowed list")


def _resolved(url, host, resolve):
    try:
        answers = list(resolve(host))
    except (OSError, UnicodeError) as exc:
        raise UrlError(url, f"Cannot resolve host {host}: {exc}") from None
    addresses = []
    for raw in answers:
        address = _literal_address(str(raw).split("%", 1)[0])
        if address is None:
            raise UrlRefused(url, f"Host {host} resolved to {raw!r}, which is not an IP address")
        addresses.append(address)
    if not addresses:
        raise UrlError(url, f"Cannot resolve host {host}: no address")
    return addresses


def address_refusal(address, *, allow_private=False):
    """Why connecting to `address` is refused ("a loopback address", ...), or None for a public one.

    IPv6 forms that carry an IPv4 address (::ffff:a.b.c.d, NAT64, 6to4) are judged by that address.
    """
    address = _embedded_ipv4(ipaddress.ip_address(address))
    this_network = address.version == 4 and address in THIS_NETWORK  # `in` ignores versions
    site_local = address.version == 6 and address.is_site_local
    if address.is_loopback:  # before "reserved", which ::1 also is
        return None if allow_private else "a loopback address"
    for refused, why in ((address.is_unspecified or this_network, "an unspecified address"),
                         (address.is_link_local, "a link-local address"),
                         (address in METADATA_ADDRESSES, "a cloud metadata address"),
                         (address.is_multicast, "a multicast address"),
                         (address.is_reserved, "a reserved address"),
                         (site_local, "a site-local address")):
        if refused:
            return why
    if address.is_private:
        return None if allow_private else "a private address"
    return None if address.is_global else "not a public address"


def _embedded_ipv4(address):
    if address.version == 6:
        if address.ipv4_mapped:
            return address.ipv4_mapped
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address.sixtofour:
            return address.sixtofour
    return address


def _request_target(parts):
    path = quote(parts.path or "/", safe=TARGET_SAFE)
    return f"{path}?{quote(parts.query, safe=TARGET_SAFE)}" if parts.query else path


def _credentials(parts):
    if parts.username is None and parts.password is None:
        return None
    return unquote(parts.username or ""), unquote(parts.password or "")


def redacted(url):
    """`url` with its credentials (user@ or user:password@) masked, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))
