"""Glance's error body: one renderer for every 4xx/5xx this service sends.

Glance answers with webob's formats: JSON {"message", "code", "title"} when the
client asks for JSON explicitly, HTML by default (what python-glanceclient
parses), plain text when the client accepts only that.
"""
import json
from html import escape
from http import HTTPStatus

from django.http import HttpResponse

JSON_TYPES = ("application/json",)


def _preferred_format(accept):
    if not accept:
        return "html"
    offered = []
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        offered.append((quality, media.strip().lower()))
    offered.sort(key=lambda item: -item[0])
    for quality, media in offered:
        if quality <= 0:
            continue
        if media in JSON_TYPES:
            return "json"
        if media in ("text/html", "*/*", "text/*"):
            return "html"
        if media == "text/plain":
            return "text"
    return "html"


def error_response(status, message, accept="", headers=None):
    phrase = HTTPStatus(status).phrase
    status_line = f"{status} {phrase}"
    kind = _preferred_format(accept)
    if kind == "json":
        body = json.dumps({"message": message, "code": status_line, "title": phrase})
        content_type = "application/json"
    elif kind == "text":
        body = f"{status_line}\n\n{message}\n"
        content_type = "text/plain; charset=UTF-8"
    else:
        body = (
            f"<html>\n <head>\n  <title>{status_line}</title>\n </head>\n <body>\n"
            f"  <h1>{status_line}</h1>\n  {escape(message)}<br /><br />\n\n\n\n </body>\n</html>"
        )
        content_type = "text/html; charset=UTF-8"
    response = HttpResponse(body, status=status, content_type=content_type)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
