"""The protocol pieces every Glance resource shares: base view, versions, errors."""
import sys

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response
from rest_framework.views import APIView

from project import database
from project.api.errors import error_response
from project.api.exceptions import database_unavailable_response
from project.api.versions import supported_versions
from project.errors import InvalidInput



class GlanceView(APIView):
    """Base of every /v2 view: JSON in, JSON out, request.context for the caller."""

    # Glance's routes answer any other method, HEAD and OPTIONS too, with 405 and the Allow header.
    http_method_names = ["get", "post", "put", "patch", "delete"]

    @property
    def caller(self):
        return self.request.context

    def json_body(self):
        """The request body as a JSON object (dict); 400 for anything else."""
        if self.request.stream is None:
            raise InvalidInput("Body expected in request.")
        data = self.request.data
        if not isinstance(data, dict):
            raise InvalidInput("Request body must be a JSON object.")
        return data

    def created(self, body, location=None):
        headers = {"Location": location} if location else None
        return Response(body, status=201, headers=headers)

    @staticmethod
    def no_content():
        return Response(status=204)


def versions_document(request):
    base = request.build_absolute_uri("/").rstrip("/")
    return {
        "versions": [
            {"id": f"v{number}", "status": status, "links": [{"rel": "self", "href": f"{base}/v2/"}]}
            for number, status in supported_versions()
        ]
    }


# Exempt as the API views (DRF's are): without it, Django's CSRF check answers another method with
# its 403 page before the 405 Glance answers.
@csrf_exempt
def versions(request):
    """GET / answers 300 Multiple Choices; GET /versions answers 200."""
    if request.method != "GET":
        return error_response(405, "The method specified is not allowed for this resource.",
                              request.META.get("HTTP_ACCEPT", ""), {"Allow": "GET"})
    status = 200 if request.path.rstrip("/") == "/versions" else 300
    return JsonResponse(versions_document(request), status=status)


def not_found(request, exception=None):
    return error_response(404, "The resource could not be found.", request.META.get("HTTP_ACCEPT", ""))


def server_error(request):
    # Django calls this inside its `except`: an error raised outside a DRF view (a middleware) is still at hand.
    raised = sys.exc_info()[1]
    if database.is_unavailable(raised):
        return database_unavailable_response(raised, request.META.get("HTTP_ACCEPT", ""))
    return error_response(500, "The server has either erred or is incapable of performing the requested "
                          "operation.", request.META.get("HTTP_ACCEPT", ""))


def schema_view(document, base=GlanceView):
    """A view serving `document` (the same dict that validates requests, or a function returning it) on GET."""
    class SchemaView(base):
        def get(self, request):
            return Response(document() if callable(document) else document)

    return SchemaView.as_view()
