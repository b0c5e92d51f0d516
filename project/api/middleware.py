import contextvars
import re
import uuid

from project.api.connection import finish_unread_body

SLASHES = re.compile(r"/{2,}")
REQUEST_ID_FORMAT = re.compile(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


_request_id = contextvars.ContextVar("request_id", default=None)


def current_request_id():
    """The id of the request this thread serves (for what services log or record), None outside one."""
    return _request_id.get()


class RequestIdMiddleware:
    """Give every request an id (the caller's, when well formed) and echo it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.META.get("HTTP_X_OPENSTACK_REQUEST_ID", "")
        request.request_id = offered if REQUEST_ID_FORMAT.match(offered) else f"req-{uuid.uuid4()}"
        token = _request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["x-openstack-request-id"] = request.request_id
        finish_unread_body(request, response)
        return response


class CollapseSlashesMiddleware:
    """`//v2/images` and `/v2/images/{id}//file` name the same resources, as Glance's router has them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "//" in request.path_info:
            request.path_info = SLASHES.sub("/", request.path_info)
        return self.get_response(request)
