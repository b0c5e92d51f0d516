"""web-download (and URLs users hand in): checked before they are accepted, read as an import source.

The rule is images.urlcheck's (IMPORT_* settings: schemes, hosts, ports, no loopback or private
ranges unless allowed); the reading is images.fetch's (each redirect checked again, connections
pinned to the approved address, truncation detected).
"""
from images import fetch, urlcheck
from images.pipeline import Source
from project.errors import InvalidInput


class DownloadFailed(InvalidInput):
    """The remote side failed (status, connection, truncated body): the import fails with this reason."""


def check_url(uri, what="web-download"):
    """InvalidInput (400) for a URL the service may not fetch, in Glance's words."""
    if not isinstance(uri, str):
        raise InvalidInput(f"URI for {what} does not pass filtering: {uri}")
    try:
        urlcheck.check_url(uri, policy=urlcheck.import_policy())
    except urlcheck.UrlRefused as exc:
        raise InvalidInput(f"URI for {what} does not pass filtering: {exc.url} ({exc.reason})") from None
    except urlcheck.UrlError:
        return  # a host that does not resolve now is the download's failure, not the request's


def source(uri):
    """The data at `uri` as a pipeline Source (every redirect checked again); DownloadFailed when
    it cannot be read."""
    try:
        fetched = fetch.open_url(uri, policy=urlcheck.import_policy())
    except urlcheck.UrlError as exc:
        raise DownloadFailed(f"Downloading {exc.url} failed: {exc.reason}") from None
    return Source(fetched, lambda exc: DownloadFailed(f"Downloading {urlcheck.redacted(uri)} failed: {exc}"))
