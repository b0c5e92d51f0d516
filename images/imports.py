"""Interoperable import, the API side: stage data, accept an import (a task record and a job), as Glance does.

The work itself runs in an import worker (images.import_work, started by images.jobs); here
the request is checked, the image locked for the task (`os_glance_import_task`) and moved to
`importing`, and the job enqueued once that is committed, so a worker never sees a task the
database does not have yet.
"""
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from images import import_state, intake, jobs, lifecycle, quotas, web_download
from images.access import enforce_image
from images.choices import ImportMethod, LocationStatus, Status, TaskStatus
from images.models import Task
from images.pipeline import request_body
from images.selectors import image_get
from images.stores import registry
from project.errors import Conflict, InvalidInput, NotFound

LOCK_EXPIRY = timedelta(minutes=60)  # Glance's: a lock older than this may be taken over (pending: twice)


def import_info():
    """GET /v2/info/import."""
    return {"import-methods": {"description": "Import methods available.", "type": "array",
                               "value": list(settings.IMPORT_METHODS)}}


def image_stage(*, context, image_id, stream, declared_size=None):
    """PUT /v2/images/{id}/stage: the body into the staging store; the image goes queued -> uploading.

    Raises what images.intake.image_intake raises (415 for data that fails inspection, with the
    image back to queued and nothing staged), and NotFound when glance-direct is not offered.
    """
    if ImportMethod.GLANCE_DIRECT not in settings.IMPORT_METHODS:
        raise NotFound("'glance-direct' method is not available at this site.")
    image = intake.image_intake(context=context, intake=intake.Intake(
        image_id=image_id, source=request_body(stream), store=registry.staging(), path=intake.STAGE,
        declared_size=declared_size))
    import_state.put(image, import_state.STAGE_HOST, settings.NODE_NAME)
    return image


def image_import(*, context, image_id, body, header_store=None, request_id=None):
    """POST /v2/images/{id}/import: accept the import `body` asks for; return the Task (None when a
    copy-image to all stores finds the image everywhere already).

    Raises InvalidInput (400) for a bad body or URL, Conflict (409) for an image in the wrong status
    or locked by another import, Forbidden (403) and NotFound (404) as the rules decide, TooLarge
    (413) when the owner has no room left.
    """
    request = ImportRequest.parse(body, header_store)
    with transaction.atomic():
        image = image_get(context, image_id, for_update=True)
        stores = request.accepted_for(context, image)
        if not stores:
            return None
        enforce_lock(image)
        task = _task_create(context, image, request, stores, request_id)
        _mark_importing(image, request, stores, task)
        queue = _queue_for(image, request.method)
        transaction.on_commit(lambda: jobs.import_enqueue(task.pk, queue))
    return task


class ImportRequest:
    """The body of POST /import, checked as Glance checks it."""

    def __init__(self, body, method, header_store):
        self.body, self.method, self.header_store = body, method, header_store
        self.uri = body["method"].get("uri")
        self.all_stores = body.get("all_stores", False)
        self.all_must_succeed = body.get("all_stores_must_succeed", True)

    @classmethod
    def parse(cls, body, header_store):
        method = body.get("method")
        if not isinstance(method, dict):
            raise InvalidInput("Import request requires a 'method' field.")
        if "name" not in method:
            raise InvalidInput("Import request requires a 'name' field.")
        if method["name"] not in settings.IMPORT_METHODS:
            raise InvalidInput(f"Unknown import method name '{method['name']}'.")
        for flag in ("all_stores_must_succeed", "all_stores"):
            if not isinstance(body.get(flag, False), bool):
                raise InvalidInput(f"'{flag}' must be boolean value only")
        return cls(body, method["name"], header_store)

    def accepted_for(self, context, image):
        """The stores to import into, once the image's status, formats and the caller's rights allow it."""
        quotas.enforce_room(image.owner)
        _check_status(image, self.method)
        enforce_image(context, "copy_image" if self.method == ImportMethod.COPY_IMAGE else "modify_image", image)
        stores = self._stores(image)
        if not self.all_must_succeed and not registry.several():
            raise InvalidInput(f"All_stores_must_succeed can only be set with enabled_backends {self.uri}")
        if self.method == ImportMethod.WEB_DOWNLOAD:
            web_download.check_url(self.uri)
        return stores

    def _stores(self, image):
        stores = self._requested_stores()
        present = set(image.locations.filter(status=LocationStatus.ACTIVE).values_list("store", flat=True))
        if self.method == ImportMethod.COPY_IMAGE and self.all_stores:
            return [store for store in stores if store not in present]
        if self.method == ImportMethod.COPY_IMAGE:
            for store in stores:
                if store in present:
                    raise InvalidInput(f"Image is already present at store '{store}'")
        return stores

    def _requested_stores(self):
        if not registry.several():
            return [settings.IMAGE_DEFAULT_STORE]
        if self.all_stores:
            if "stores" in self.body or self.header_store:
                raise InvalidInput("All_stores parameter can't be used with x-image-meta-store header or stores "
                                   "parameter")
            return list(registry.image_stores())
        if "stores" in self.body and self.header_store:
            raise InvalidInput("Stores parameter and x-image-meta-store header can't be both specified")
        stores = self.body.get("stores", [self.header_store or settings.IMAGE_DEFAULT_STORE])
        for store in stores if isinstance(stores, list) else [stores]:
            if store not in registry.image_stores():
                raise Conflict(f"Unknown scheme '{store}' found in URI")
        return list(stores)


def _check_status(image, method):
    if image.status == Status.ACTIVE and method != ImportMethod.COPY_IMAGE:
        raise Conflict("Image with status active cannot be target for import")
    if image.status != Status.ACTIVE and method == ImportMethod.COPY_IMAGE:
        raise Conflict("Only images with status active can be targeted for copying")
    if image.status != Status.QUEUED and method == ImportMethod.WEB_DOWNLOAD:
        raise Conflict(f"Image needs to be in 'queued' state to use '{method}' method")
    if image.status != Status.UPLOADING and method == ImportMethod.GLANCE_DIRECT:
        raise Conflict("Image needs to be staged before 'glance-direct' method can be used")
    for name in ("container_format", "disk_format"):
        if not getattr(image, name):
            raise Conflict(f"'{name}' needs to be set before import")


def enforce_lock(image):
    """Conflict while another import holds the image; a lock whose task is gone or older than the
    expiry (Glance: 60 minutes, twice that while pending) is taken over, its progress cleaned."""
    holder_id = import_state.lock_holder(image)
    if holder_id is None:
        return
    holder = Task.objects.filter(pk=holder_id).first()
    if holder is not None:
        expiry = LOCK_EXPIRY * (2 if holder.status == TaskStatus.PENDING else 1)
        if timezone.now() - holder.updated_at < expiry:
            raise Conflict("Image has active task")
        for name in (import_state.IMPORTING, import_state.FAILED):
            import_state.merge(image, name, (holder.input or {}).get("backend") or [], remove=True)
    import_state.pop(image, import_state.LOCK)


def _task_create(context, image, request, stores, request_id):
    now = timezone.now()
    task = Task.objects.create(
        id=str(uuid.uuid4()), owner=context.owner, image_id=image.pk, request_id=request_id,
        user_id=context.user_id, roles=sorted(context.roles), created_at=now, updated_at=now,
        input={"image_id": image.pk, "import_req": request.body,
               "backend": stores if registry.several() else [None]})
    return task


def _mark_importing(image, request, stores, task):
    """Take the lock, move to importing (not for a copy), and record the stores as Glance does."""
    import_state.lock_take(image, task.pk)
    if request.method != ImportMethod.COPY_IMAGE:
        if image.status == Status.QUEUED:
            quotas.enforce_uploading(image.owner)
        lifecycle.transition(image, Status.IMPORTING)
        image.updated_at = timezone.now()
        image.save(update_fields=["status", "updated_at"])
    import_state.importing(image, stores)


def _queue_for(image, method):
    """Staged data in a node-local staging directory is imported on that node's queue."""
    if method == ImportMethod.GLANCE_DIRECT and registry.entries()[registry.STAGING_STORE].type == "file":
        host = import_state.get(image, import_state.STAGE_HOST) or settings.NODE_NAME
        import_state.pop(image, import_state.STAGE_HOST)
        return jobs.node_queue(host)
    import_state.pop(image, import_state.STAGE_HOST)
    return jobs.DEFAULT_QUEUE

