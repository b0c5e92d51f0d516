"""Which bytes of an image a download asks for (Range, or the legacy Content-Range).

Glance accepts one byte range per request; a request that names bytes the
image does not have is 416.
"""
import re

from project.errors import DomainError, InvalidInput

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


class RangeNotSatisfiable(DomainError):
    status = 416

    def __init__(self, message, size):
        super().__init__(message)
        self.headers = {"Content-Range": f"bytes */{size}"}


def requested_range(headers, size):
    """(offset, length) of the requested bytes, or None for the whole image."""
    if headers.get("Range") is not None:
        return _from_range(headers["Range"].strip(), size)
    if headers.get("Content-Range") is not None:
        return _from_content_range(headers["Content-Range"].strip(), size)
    return None


def _from_range(text, size):
    if "," in text:
        raise InvalidInput("Requests with multiple ranges are not supported in Glance. You may make multiple "
                           "single-range requests instead.")
    match = RANGE.match(text)
    if not match or not any(match.groups()):
        raise RangeNotSatisfiable("Invalid Range header.", size)
    first, last = match.groups()
    if not first:
        suffix = int(last)
        offset = max(size - suffix, 0)
        return _checked(offset, size - offset, size)
    offset = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < offset:
        raise RangeNotSatisfiable("Invalid Range header.", size)
    return _checked(offset, end - offset + 1, size)


def _from_content_range(text, size):
    match = CONTENT_RANGE.match(text)
    if not match:
        raise RangeNotSatisfiable("Invalid Content-Range header.", size)
    first, last, total = match.groups()
    offset, end = int(first), int(last)
    if end < offset or (total != "*" and end >= int(total)) or end >= size:
        raise RangeNotSatisfiable("Invalid stop position in Content-Range header.", size)
    return _checked(offset, end - offset + 1, size)


def _checked(offset, length, size):
    if offset >= size or length <= 0:
        raise RangeNotSatisfiable(f"Invalid start position in Range header. Start position MUST be in the "
                                  f"inclusive range [0, {max(size - 1, 0)}].", size)
    return offset, length
