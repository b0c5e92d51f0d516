from rest_framework.negotiation import BaseContentNegotiation


class JSONOnlyNegotiation(BaseContentNegotiation):
    """Glance answers JSON whatever the Accept header says: never 406."""

    def select_parser(self, request, parsers):
        # Like Glance, a body with no Content-Type is read as JSON, and media types compare as
        # written (an upper-case patch type is a 415, as there); a "*/*" parser takes any type.
        media_type = request.content_type.split(";")[0].strip() or "application/json"
        exact = [parser for parser in parsers if parser.media_type == media_type]
        return next(iter(exact or [parser for parser in parsers if parser.media_type == "*/*"]), None)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
