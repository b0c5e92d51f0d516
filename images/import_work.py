"""Interoperable import, the worker side: one task run from its record to success or failure.

The steps are Glance's: have the data in staging (glance-direct staged it; web-download fetches
it there; copy-image reads an existing copy instead), run the import plugins, write each store
through images.intake (same pipeline: hashes and inspection in one pass), then finish. Whatever
happens, the task ends `success` or `failure`, the image is `active` or back to `queued` (a
copy leaves it active), the lock is dropped and the staged data removed. A worker that dies
mid-way is found by images.recovery, which fails its task the same way (import_fail).
"""
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from images import import_plugins, import_state, intake, location_work, locations, recovery, web_download
from images.choices import ImportMethod, LocationStatus, Status, TaskStatus
from images.models import Image, ImageLocation, Task
from images.pipeline import stored_data
from images.stores import registry
from project.auth.context import admin_context
from project.errors import DomainError

log = logging.getLogger(__name__)
MiB = 1024 * 1024
LOCATION_IMPORT = "location_import"


class ImportAborted(DomainError):
    """The task is no longer this worker's to run (failed by recovery, or its image deleted)."""


def import_run(task_id):
    """Run the import task `task_id` if it is still pending; never raises for a failed import."""
    task = _claim(task_id)
    if task is None:
        return
    run = ImportRun(task)
    try:
        run.execute()
    except BaseException as exc:
        log.warning("Import task %s of image %s failed: %s", task.pk, task.image_id, exc)
        import_fail(task.pk, _reason(exc), written=run.written)
        if not isinstance(exc, Exception):
            raise
    else:
        _succeed(task.pk, run)


def _reason(exc):
    return str(exc) or type(exc).__name__


@transaction.atomic
def _claim(task_id):
    task = Task.objects.select_for_update().filter(pk=task_id, status=TaskStatus.PENDING).first()
    if task is not None:
        task.status, task.holder, task.updated_at = TaskStatus.PROCESSING, recovery.this_process(), timezone.now()
        task.save()
    return task


class ImportRun:
    """One execution of an import task; `written` lists the stores it filled."""

    def __init__(self, task):
        self.task, self.written = task, []
        request = task.input.get("import_req") or {"method": {"name": LOCATION_IMPORT}}
        self.method = request["method"]["name"]
        self.uri = request["method"].get("uri")
        self.all_must_succeed = request.get("all_stores_must_succeed", True)
        backend = task.input.get("backend") or [None]
        self.stores = [store or settings.IMAGE_DEFAULT_STORE for store in backend]
        self.context = admin_context()

    def execute(self):
        if self.task.type == LOCATION_IMPORT:
            location_work.location_verify(self.task, self._progress)
            return
        if self.method == ImportMethod.COPY_IMAGE:
            source = self._existing_copy
        else:
            if self.method == ImportMethod.WEB_DOWNLOAD:
                self._download()
            import_plugins.run(self.task, _staged_location(self.task.image_id))
            source = self._staged
        for index, store in enumerate(self.stores):
            self._write(store, source, last=not self.all_must_succeed or index == len(self.stores) - 1)
        image = Image.objects.filter(pk=self.task.image_id).first()
        if image is None or image.status != Status.ACTIVE:
            raise ImportAborted("None of the uploads finished!")

    def _download(self):
        intake.image_intake(context=self.context, intake=intake.Intake(
            image_id=self.task.image_id, source=web_download.source(self.uri), store=registry.staging(),
            path=intake.DOWNLOAD, progress=self._progress))

    def _staged(self):
        return stored_data(registry.staging(), _staged_location(self.task.image_id).url)

    def _existing_copy(self):
        image = Image.objects.get(pk=self.task.image_id)
        copy = locations.readable_locations(image)[0]
        return stored_data(registry.store(copy.store), copy.url)

    def _write(self, store, source, *, last):
        image = Image.objects.filter(pk=self.task.image_id).only("status").first()
        path = intake.COPY if image is not None and image.status == Status.ACTIVE else intake.import_path(last=last)
        try:
            intake.image_intake(context=self.context, intake=intake.Intake(
                image_id=self.task.image_id, source=source(), store=registry.store(store), path=path,
                progress=self._progress))
        except Exception as exc:
            if self.all_must_succeed:
                raise
            log.warning("Import task %s: store %s failed, going on (all_stores_must_succeed is false): %s",
                        self.task.pk, store, exc)
            _store_done(self.task.image_id, store, failed=True)
            return
        self.written.append(store)
        _store_done(self.task.image_id, store, failed=False)

    def _progress(self, size):
        """Every 64 MiB: the task's message and heartbeat; stop when the task is no longer ours."""
        updated = Task.objects.filter(pk=self.task.pk, status=TaskStatus.PROCESSING).update(
            message=f"Copied {size // MiB} MiB", updated_at=timezone.now())
        if not updated:
            raise ImportAborted(f"Task {self.task.pk} is no longer processing; aborting.")


def _staged_location(image_id):
    staged = ImageLocation.objects.filter(image_id=image_id, status=LocationStatus.STAGED).order_by("-id").first()
    if staged is None:
        raise ImportAborted(f"Image {image_id} has no staged data to import.")
    return staged


@transaction.atomic
def _store_done(image_id, store, *, failed):
    image = Image.objects.select_for_update().filter(pk=image_id).first()
    if image is not None:
        import_state.store_done(image, store, failed=failed)


def _expiry():
    return timezone.now() + timezone.timedelta(hours=settings.TASK_TIME_TO_LIVE)


@transaction.atomic
def _succeed(task_id, run):
    task = Task.objects.select_for_update().get(pk=task_id)
    task.status, task.result, task.message = TaskStatus.SUCCESS, {"image_id": task.image_id}, ""
    task.updated_at, task.expires_at, task.holder = timezone.now(), _expiry(), None
    task.save()
    image = Image.objects.select_for_update().filter(pk=task.image_id).first()
    if image is not None:
        import_state.lock_drop(image, task.pk)
        staged_retire(image)


@transaction.atomic
def import_fail(task_id, message, *, written=()):
    """Fail task `task_id` unless it ended already, and undo its image: back to queued with no data
    (a copy keeps the image and loses only the copies it made), its stores marked failed, the lock
    dropped. Returns whether the task was failed here."""
    task = Task.objects.select_for_update().filter(pk=task_id).exclude(
        status__in=(TaskStatus.SUCCESS, TaskStatus.FAILURE)).first()
    if task is None:
        return False
    task.status, task.message, task.result = TaskStatus.FAILURE, message, None
    task.updated_at, task.expires_at, task.holder = timezone.now(), _expiry(), None
    task.save()
    image = Image.objects.select_for_update().filter(pk=task.image_id).first()
    if image is not None:
        staged_retire(image)
        _undo(image, task, written)
    return True


def _undo(image, task, written):
    if task.type == LOCATION_IMPORT:
        recovery.image_requeue(image.pk, Status.IMPORTING)
        import_state.lock_drop(image, task.pk)
        return
    request = task.input["import_req"]
    stores = [store or settings.IMAGE_DEFAULT_STORE for store in task.input.get("backend") or [None]]
    copies = image.locations.filter(status=LocationStatus.ACTIVE)
    if request["method"]["name"] == ImportMethod.COPY_IMAGE:
        undone = written if request.get("all_stores_must_succeed", True) else []
        for copy in copies.filter(store__in=undone):
            locations.location_retire(copy)
    elif image.status == Status.IMPORTING:  # an image that did turn active keeps its data
        for copy in copies:
            locations.location_retire(copy)
        recovery.image_requeue(image.pk, Status.IMPORTING)
    import_state.merge(image, import_state.IMPORTING, stores, remove=True)
    import_state.merge(image, import_state.FAILED, [store for store in stores if store not in written])
    import_state.lock_drop(image, task.pk)


def staged_retire(image):
    """The import ended: its staged data goes once this is committed (exactly these rows and files,
    not data a new stage brings after the commit)."""
    for staged in image.locations.filter(status=LocationStatus.STAGED):
        locations.location_retire(staged)
