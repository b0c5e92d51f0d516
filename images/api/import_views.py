"""Interoperable import endpoints: /v2/info/import, stage, import, and the import tasks."""
from rest_framework.response import Response

from images import imports, location_api, task_records
from images.api.views import ImagesView, body_stream, declared_size
from project.api.paging import envelope
from project.errors import UnsupportedMediaType


class ImportInfo(ImagesView):
    def get(self, request):
        return Response(imports.import_info())


class ImageStage(ImagesView):
    body_methods = ("PUT",)
    parser_classes = []

    def put(self, request, image_id):
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type != "application/octet-stream":
            raise UnsupportedMediaType(f"Invalid content type {content_type or None}")
        imports.image_stage(context=self.caller, image_id=image_id, stream=body_stream(request),
                            declared_size=declared_size(request.META))
        return self.no_content()


class ImageImport(ImagesView):
    body_methods = ("POST",)

    def post(self, request, image_id):
        imports.image_import(context=self.caller, image_id=image_id, body=self.json_body(),
                             header_store=request.headers.get("X-Image-Meta-Store"),
                             request_id=getattr(request._request, "request_id", None))
        return Response(status=202)


class ImageTasks(ImagesView):
    def get(self, request, image_id):
        tasks = task_records.image_tasks(self.caller, image_id)
        return Response({"tasks": [task_records.image_task_body(task) for task in tasks]})


class TaskList(ImagesView):
    def get(self, request):
        listing = task_records.tasks_listed(self.caller, request.query_params)
        return Response(envelope("tasks", [task_records.task_stub(task) for task in listing.tasks], path="/v2/tasks",
                                 params=request.query_params, marker=listing.next_marker, schema="/v2/schemas/tasks"))


class TaskDetail(ImagesView):
    def get(self, request, task_id):
        return Response(task_records.task_body(task_records.task_get(self.caller, task_id)))


class ImageLocations(ImagesView):
    """POST (v2.17: add a location, verified in the background) and GET (services: every location)."""

    body_methods = ("POST",)

    def post(self, request, image_id):
        location_api.location_add(context=self.caller, image_id=image_id, body=self.json_body(),
                                  request_id=getattr(request._request, "request_id", None))
        return Response(status=202)

    def get(self, request, image_id):
        return Response(location_api.locations_listed(context=self.caller, image_id=image_id))
