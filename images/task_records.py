"""Import task records as the API shows them: GET /v2/tasks/{id} and GET /v2/images/{id}/tasks."""
from django.db.models import Q
from django.utils import timezone

from images.models import Task
from images.selectors import image_get
from project.api.wire import isotime
from project.auth import policy
from project.errors import NotFound


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
