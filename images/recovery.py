"""Uploads whose process died: found on restart and undone, never left half-done.

An upload or stage records which process streams it (`upload_holder`), an
import task which worker runs it (`holder`). When a worker starts, every image
still `saving` or `uploading` on behalf of a process of this host that no
longer exists goes back to `queued`, and the partial data its store kept is
removed, so the client can upload again; import tasks of dead workers fail,
their images back to `queued` and their staged data removed.
"""
import logging
import os
import socket

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from images import lifecycle, locations
from images.choices import LocationStatus, Status, TaskStatus
from images.models import Image, ImageLocation, Task
from images.stores import registry

log = logging.getLogger(__name__)


def this_process():
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder_is_dead(holder, host):
    holder_host, _, pid = (holder or "").rpartition(":")
    if holder_host != host:
        return False  # another API node's upload: only that node can tell
    return not pid.isdigit() or not _process_alive(int(pid))


def worker_start_recover():
    """What a starting worker finishes for processes that died: their uploads, imports and data removals."""
    uploads_recover()
    imports_recover()
    removed = locations.locations_discard_pending()
    if removed:
        log.warning("Removed the data of %d deleted image copies left by an earlier process", removed)


def uploads_recover():
    """Return uploads of dead processes of this host to queued; return how many."""
    host = socket.gethostname()
    receiving = Image.objects.filter(status__in=(Status.SAVING, Status.UPLOADING), upload_holder__isnull=False)
    stalled = [(image.pk, image.status) for image in receiving.only("pk", "status", "upload_holder")
               if _holder_is_dead(image.upload_holder, host)]
    for image_id, status in stalled:
        _requeue(image_id, status)
    if stalled:
        log.warning("Returned %d interrupted upload(s) to queued: %s", len(stalled),
                    ", ".join(image_id for image_id, _ in stalled))
    return len(stalled)


def imports_recover():
    """Fail the import tasks whose worker died: this host's dead processes at once, any other node's
    after TASK_STALE_MINUTES without progress; their images go back to queued. Return how many."""
    from images import import_work  # it builds on this module

    host = socket.gethostname()
    stale_before = timezone.now() - timezone.timedelta(minutes=settings.TASK_STALE_MINUTES)
    active = Task.objects.filter(status__in=(TaskStatus.PENDING, TaskStatus.PROCESSING))
    dead = [task for task in active.only("pk", "image_id", "status", "holder", "updated_at")
            if _task_is_dead(task, host, stale_before)]
    for task in dead:
        if import_work.import_fail(task.pk, "The import was interrupted: the worker running it stopped."):
            _discard_partials(task.image_id)
            log.warning("Import task %s of image %s failed: its worker %s stopped", task.pk, task.image_id,
                        task.holder or "(none)")
    return len(dead)


def _discard_partials(image_id):
    """What the dead worker was writing (into staging or a store) when it stopped. A store that holds
    a copy of the image (a copy-image cut short elsewhere) is left alone: some drivers keep a partial
    write under the image's own name (swift), which there is the image's data."""
    holding = set(ImageLocation.objects.filter(image_id=image_id, status=LocationStatus.ACTIVE)
                  .values_list("store", flat=True))
    for store_id, entry in registry.entries().items():
        if store_id not in holding:
            entry.driver.discard_partial(image_id)


def _task_is_dead(task, host, stale_before):
    if task.status == TaskStatus.PROCESSING and task.holder and task.holder.rpartition(":")[0] == host:
        return _holder_is_dead(task.holder, host)
    return task.updated_at < stale_before


@transaction.atomic
def image_requeue(image_id, receiving):
    """Back to queued if still `receiving` (an intake that failed or whose process died); True if it was."""
    image = Image.objects.select_for_update().filter(pk=image_id, status=receiving).first()
    if image is None:
        return False
    lifecycle.transition(image, Status.QUEUED)
    image.upload_holder, image.updated_at = None, timezone.now()
    image.save()
    return True


def _requeue(image_id, status):
    if image_requeue(image_id, status):
        # The row does not say which store the upload went to; asking each is cheap.
        _discard_partials(image_id)
