"""/v2/schemas/task and /v2/schemas/tasks: the task record's fields, as Glance publishes them."""
from images.choices import TaskStatus, UUID_PATTERN

TASK_TYPES = ["import", "api_image_import", "location_import"]


def _text(description, nullable=False):
    return {"description": description, "type": ["null", "string"] if nullable else "string"}


_SUMMARY = {
    "id": {"description": "Task id (a UUID)", "pattern": UUID_PATTERN, "type": "string"},
    "type": {"description": "What the task does", "enum": TASK_TYPES, "type": "string"},
    "status": {"description": "Where the task is in its life", "enum": list(TaskStatus.values), "type": "string"},
    "owner": _text("Project that owns the task"),
    "image_id": _text("Image the task works on"),
    "request_id": _text("Id of the request that created the task"),
    "user_id": _text("User whose request created the task"),
    "expires_at": _text("When the finished task stops being listed", nullable=True),
    "created_at": _text("When the task was created"),
    "updated_at": _text("When the task last changed"),
    "self": {"readOnly": True, "type": "string"},
    "schema": {"readOnly": True, "type": "string"},
}

TASK = {"name": "task", "properties": {
    **_SUMMARY,
    "input": {"description": "What the task was asked to do (JSON)", "type": ["null", "object"]},
    "result": {"description": "What the task produced (JSON)", "type": ["null", "object"]},
    "message": {"description": "Human-readable progress or failure reason", "type": "string"},
}}

TASKS = {
    "name": "tasks",
    "links": [{"href": "{schema}", "rel": "describedby"}],
    "properties": {"schema": {"type": "string"},
                   "tasks": {"type": "array", "items": {"name": "task", "properties": _SUMMARY}}},
}
