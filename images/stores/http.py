"""Image data at external http(s) URLs (store type "http"), read-only as glance_store's http store.

A location's URL is the data's own http(s) URL. The store only reads it: `add` is refused (410,
Glance's answer to StoreAddDisabled) and `delete` leaves the remote data alone (glance_store raises
StoreDeleteNotSupported, which Glance logs before deleting the image anyway), so deleting an image
removes its location and never touches the remote server.

Whether a user may point an image at a URL is decided where the URL is handed in (the locations API
checks it with images.urlcheck.import_policy). This store checks every URL it fetches, redirects
included, with a policy of its own: http and https, any port, no link-local (cloud metadata),
multicast or reserved addresses, and loopback or private addresses only with `allow_private_networks`
(internal mirrors): a location that passed once cannot later redirect into the service's network.
"""
import logging
from urllib.parse import urlsplit

from images.fetch import HttpStatusError, open_url
from images.stores.base import Store
from images.stores.errors import DataNotFound, StoreConfigurationError, StoreUnavailable
from images.urlcheck import SUPPORTED_SCHEMES, UrlError, UrlPolicy, redacted

log = logging.getLogger(__name__)

NOT_THERE = (404, 410)
OPTION_TYPES = {"allow_private_networks": bool, "max_redirects": int, "ca_certificates_file": str, "insecure": bool}


class HttpData:
    """The fetched bytes as a store readable: a transfer that breaks is a store fault (503), not a 400."""

    def __init__(self, fetched):
        self._fetched = fetched

    def read(self, size=-1):
        try:
            return self._fetched.read(size)
        except UrlError as exc:
            raise StoreUnavailable(f"Reading image data from {exc.url} failed: {exc.reason}.") from None

    def close(self):
        self._fetched.close()


class HttpStore(Store):
    """Options: `allow_private_networks` (false), `max_redirects` (5, as glance_store), and for https
    `ca_certificates_file` (empty: the system's authorities) and `insecure` (false: certificates are
    verified, where glance_store's https_insecure defaults to true)."""

    read_only = True
    listable = False  # the remote data is not this store's to list, audit or remove
    options = {"allow_private_networks": False, "max_redirects": 5, "ca_certificates_file": "", "insecure": False}

    def configure(self, **options):
        for name, kind in OPTION_TYPES.items():
            if type(options[name]) is not kind or (kind is int and options[name] < 0):
                raise StoreConfigurationError(f"IMAGE_STORES[{self.store_id!r}]: option {name!r} must be "
                                              f"{'a number of at least 0' if kind is int else f'a {kind.__name__}'}.")
        self.policy = UrlPolicy(allowed_ports=(), allow_private_networks=options["allow_private_networks"],
                                allow_userinfo=True)  # glance_store reads user:password@ as basic authentication
        self.fetch_options = {"max_redirects": options["max_redirects"], "verify": not options["insecure"],
                              "ca_certs": options["ca_certificates_file"] or None}

    def properties(self):
        return {}  # Glance: "There are no useful properties to be exposed."

    def _add(self, image_id, chunks):
        raise AssertionError("a read-only store never adds")  # Store.add refuses first

    def get(self, url, offset=0, length=None):
        fetched = self._open(url, offset=offset, length=length)
        if length is not None and fetched.length is not None and fetched.length < length:
            fetched.close()
            raise StoreUnavailable(f"The data at {redacted(url)} is shorter than the image: {fetched.length} bytes "
                                   f"from {offset} where {length} were expected.")
        return HttpData(fetched)

    def get_size(self, url):
        """The size the server gives: HEAD's Content-Length, else the total of a one-byte range."""
        try:
            size = self._size(url, method="HEAD")
        except StoreUnavailable:
            size = None  # some servers refuse HEAD; the range below says
        size = self._size(url, length=1) if size is None else size
        if size is None:
            raise StoreUnavailable(f"The server of {redacted(url)} does not say how large the data is.")
        return size

    def delete(self, url):
        self._ensure_ours(url)
        log.info("Image data at %s is left in place: store %s is read-only", redacted(url), self.store_id)

    def discard_partial(self, image_id):
        """Nothing: the store never writes."""

    def iter_stored(self):
        return iter(())  # the remote data is not this store's to audit

    def _size(self, url, **window):
        with self._open(url, **window) as answer:
            return answer.size

    def _open(self, url, **window):
        self._ensure_ours(url)
        try:
            return open_url(url, policy=self.policy, **self.fetch_options, **window)
        except HttpStatusError as exc:
            if exc.http_status in NOT_THERE:
                raise DataNotFound(f"No image data at {exc.url}: {exc.reason}.") from None
            raise StoreUnavailable(f"The http store cannot read {exc.url}: {exc.reason}.") from None
        except UrlError as exc:
            raise StoreUnavailable(f"The http store cannot read {exc.url}: {exc.reason}.") from None

    def owns(self, url):
        return urlsplit(url).scheme in SUPPORTED_SCHEMES

    def _ensure_ours(self, url):
        if urlsplit(url).scheme not in SUPPORTED_SCHEMES:
            raise DataNotFound(f"Location {redacted(url)} is not in store {self.store_id} (not an http(s) URL).")


DRIVER = HttpStore
