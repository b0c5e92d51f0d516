"""Import task records as the API shows them: GET /v2/tasks, /v2/tasks/{id} and /v2/images/{id}/tasks."""
import re
from dataclasses import dataclass
from django.db.models import Q
from django.utils import timezone

from images.choices import TaskStatus, UUID_PATTERN
from images.models import Task
from images.selectors import image_get
from images.task_schemas import TASK_TYPES
from project.api.paging import SortOrder, next_marker, page, parse_limit, parse_sort
from project.api.wire import isotime
from project.auth import policy
from project.errors import InvalidInput, NotFound

SORT_KEYS = ("created_at", "updated_at", "id", "type", "status", "owner")
UUID = re.compile(UUID_PATTERN)


def _visible(context):
    return Q() if context.is_admin else Q(owner__isnull=True) | Q(owner=context.owner)


def task_get(context, task_id):
    """GET /v2/tasks/{id} (Glance: tasks_api_access, then get_task); NotFound for a task `context` may not see."""
    policy.enforce(context, "tasks_api_access")
    policy.enforce(context, "get_task")
    task = Task.objects.filter(_visible(context), pk=task_id).first()
    if task is None:
        raise NotFound(f"Failed to find task {task_id}")
    return task


@dataclass(frozen=True)
class TaskPage:
    tasks: list
    next_marker: str


def tasks_listed(context, params):
    """GET /v2/tasks (tasks_api_access, get_tasks): a page of the tasks `context` may see, newest first,
    filtered by `type` and `status`."""
    policy.enforce(context, "tasks_api_access")
    policy.enforce(context, "get_tasks")
    limit = parse_limit(params)
    order = SortOrder.of(*parse_sort(params, SORT_KEYS))
    tasks = Task.objects.filter(_visible(context), **_filters(params))
    marker = _marker(context, params.get("marker"))
    rows = page(tasks, order, marker=marker, limit=limit)
    return TaskPage(rows, next_marker(rows, limit))


def _filters(params):
    filters = {}
    for name, allowed in (("type", TASK_TYPES), ("status", TaskStatus.values)):
        if name in params:
            if params[name] not in allowed:
                raise InvalidInput(f"Invalid {name} value: {params[name]}")
            filters[name] = params[name]
    return filters


def _marker(context, marker_id):
    if marker_id is None:
        return None
    if not UUID.fullmatch(marker_id):
        raise InvalidInput("Invalid marker format")
    marker = Task.objects.filter(_visible(context), pk=marker_id).first()
    if marker is None:
        raise NotFound(f"Task with identifier {marker_id} not found")
    return marker


def task_stub(task):
    """A task as /v2/tasks lists it (Glance's stub: no input, result or message)."""
    body = {key: value for key, value in task_body(task).items() if key not in ("input", "result", "message")}
    return {key: body[key] for key in ("id", "type", "status", "owner", "created_at", "updated_at", "self",
                                       "schema", *(["expires_at"] if "expires_at" in body else []))}


def image_tasks(context, image_id):
    """GET /v2/images/{id}/tasks: the image's unexpired tasks `context` may see (404 if it may not see the image)."""
    image = image_get(context, image_id, detail=False)
    unexpired = Q(expires_at__isnull=True) | Q(expires_at__gte=timezone.now())
    return list(Task.objects.filter(_visible(context), unexpired, image_id=image.pk).order_by("created_at", "id"))


def task_body(task):
    """A task as /v2/tasks/{id} shows it (Glance's task schema)."""
    body = {"id": task.pk, "input": task.input, "type": task.type, "status": task.status, "owner": task.owner,
            "message": task.message, "result": task.result, "created_at": isotime(task.created_at),
            "updated_at": isotime(task.updated_at), "self": f"/v2/tasks/{task.pk}", "schema": "/v2/schemas/task"}
    for field in ("image_id", "request_id", "user_id"):
        if getattr(task, field):
            body[field] = getattr(task, field)
    if task.expires_at:
        body["expires_at"] = isotime(task.expires_at)
    return body


def _dbtime(value):
    """The database rows' timestamps, as Glance's serializer writes a datetime (isoformat, naive UTC)."""
    return value.replace(tzinfo=None).isoformat() if value else None


def image_task_body(task):
    """A task as /v2/images/{id}/tasks lists it: Glance serializes its database row, with these keys."""
    return {"id": task.pk, "type": task.type, "status": task.status, "owner": task.owner,
            "expires_at": _dbtime(task.expires_at), "created_at": _dbtime(task.created_at),
            "updated_at": _dbtime(task.updated_at), "deleted_at": None, "deleted": False, "image_id": task.image_id,
            "request_id": task.request_id, "user_id": task.user_id, "input": task.input, "result": task.result,
            "message": task.message}
