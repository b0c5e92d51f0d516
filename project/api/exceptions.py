"""One error path: every exception a view can raise becomes a Glance error body."""
import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf

from project import database
from project.api.errors import error_response
from project.errors import DomainError

log = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = "The database is unavailable; try again later."


def exception_handler(exc, context):
    request = context["request"]
    accept = request.META.get("HTTP_ACCEPT", "")
    headers = {}
    if isinstance(exc, DomainError):
        status, message = exc.status, exc.message
        headers = getattr(exc, "headers", {})
    elif isinstance(exc, Http404):
        status, message = 404, str(exc) or "The resource could not be found."
    elif isinstance(exc, PermissionDenied):
        status, message = 403, str(exc) or "Access was denied to this resource."
    elif isinstance(exc, drf.MethodNotAllowed):
        status, message = 405, "The method specified is not allowed for this resource."
        headers = {"Allow": ", ".join(context["view"].allowed_methods)}
    elif isinstance(exc, drf.APIException):
        status, message = exc.status_code, _detail_text(exc.detail)
    elif database.is_unavailable(exc):
        return database_unavailable_response(exc, accept)
    else:
        return None
    return error_response(status, message, accept, headers)


def _detail_text(detail):
    if isinstance(detail, list):
        return " ".join(_detail_text(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_detail_text(value)}" for key, value in detail.items())
    return str(detail)


def database_unavailable_response(exc, accept):
    """503 for a request that met a database it could not reach (views, middleware, handler500 alike)."""
    log.warning("503: the database is unavailable: %s", exc)
    return error_response(503, DATABASE_UNAVAILABLE, accept)
