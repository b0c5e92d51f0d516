import json

from rest_framework.parsers import BaseParser

from project.errors import InvalidInput


class GlanceJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if not raw.strip():
            raise InvalidInput("Body expected in request.")
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidInput(f"Malformed JSON in request body: {exc}") from None
