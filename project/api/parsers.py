"""JSON request bodies, bounded before they are parsed.

Glance reads a JSON body whatever its Content-Type says (curl's -d sends
application/x-www-form-urlencoded, some scripts text/plain), so these routes do too;
only the patch media types are checked (by the image PATCH view).
"""
import json
import re

from rest_framework.parsers import BaseParser

from project.errors import InvalidInput, TooLarge

# Glance's max_request_body_size: no JSON document of the API comes near it.
MAX_BODY_BYTES = 114688
# Nesting of the deepest documents (metadef property definitions) is under ten levels; the
# parser's recursion limit (a 500) is near a thousand.
MAX_DEPTH = 64
STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
BRACKETS = re.compile(rb"[\[\]{}]")


def nesting_depth(raw):
    """How deeply arrays and objects nest in `raw` (JSON text), brackets inside strings ignored."""
    depth = deepest = 0
    for match in BRACKETS.finditer(STRINGS.sub(b'""', raw)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


def read_bounded(stream):
    raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
    if len(raw) > MAX_BODY_BYTES:
        raise TooLarge(f"Request body is larger than {MAX_BODY_BYTES} bytes.")
    return raw


class GlanceJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = read_bounded(stream)
        if not raw.strip():
            raise InvalidInput("Body expected in request.")
        if nesting_depth(raw) > MAX_DEPTH:
            raise InvalidInput(f"Malformed JSON in request body: nested deeper than {MAX_DEPTH} levels.")
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidInput(f"Malformed JSON in request body: {exc}") from None


class AnyTypeJSONParser(GlanceJSONParser):
    """A JSON body sent with another Content-Type, as Glance accepts it."""

    media_type = "*/*"
