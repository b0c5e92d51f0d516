from rest_framework.negotiation import BaseContentNegotiation


class JSONOnlyNegotiation(BaseContentNegotiation):
    """Glance answers JSON whatever the Accept header says: never 406."""

    def select_parser(self, request, parsers):
        # Like Glance, a body with no Content-Type is read as JSON.
        media_type = request.content_type.split(";")[0].strip().lower() or "application/json"
        for parser in parsers:
            if parser.media_type == media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
