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
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from images import lifecycle, locations
from images.choices import LocationStatus, Status, TaskStatus
from images.models import Image, ImageLocation, Task
from images.stores import registry
from images.stores.errors import StoreFault
from project.database import is_unavailable

log = logging.getLogger(__name__)

# The statuses of an image a client's upload (saving) or stage (uploading) is streaming into.
UPLOAD_RECEIVING = (Status.SAVING, Status.UPLOADING)
# Seconds between attempts to return to queued an image whose upload failed while the database was away.
REQUEUE_RETRY_SECONDS = 5
_requeue_later = {}  # image id -> the status the image must still be in
_requeue_later_lock = threading.Lock()


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


def _holder_is_dead(holder, host, dead_host=None):
    holder_host, _, pid = (holder or "").rpartition(":")
    if dead_host is not None:
        return holder_host == dead_host  # the operator says that node is gone, every process of it
    if holder_host != host:
        return False  # another API node's upload: only that node can tell
    return not pid.isdigit() or not _process_alive(int(pid))


def worker_start_recover():
    """What a starting worker finishes for processes that died: their uploads, imports and data removals.

    A database that cannot be reached does not keep the worker from starting (a node started during an
    outage answers 503 until it is back): the recovery is then done from a thread once it answers."""
    try:
        _start_recover_now()
    except DatabaseError as exc:
        if not is_unavailable(exc):
            raise
        log.warning("Recovery of interrupted uploads waits until the database answers: %s", exc)
        threading.Thread(target=_start_recover_when_possible, name="recover-later", daemon=True).start()


def _start_recover_when_possible():
    while True:
        connection.close()  # this thread's own; each attempt opens a fresh one
        time.sleep(REQUEUE_RETRY_SECONDS)
        try:
            _start_recover_now()
        except DatabaseError as exc:
            if is_unavailable(exc):
                continue
            log.exception("Recovery of interrupted uploads failed")
        connection.close()
        return


def _start_recover_now():
    uploads_recover()
    imports_recover()
    removed = locations.locations_discard_pending()
    if removed:
        log.warning("Removed the data of %d deleted image copies left by an earlier process", removed)


def uploads_recover(dead_host=None):
    """Return uploads of dead processes of this host (or of every process of `dead_host`, a node that is
    gone for good) to queued; return how many."""
    host = socket.gethostname()
    receiving = Image.objects.filter(status__in=UPLOAD_RECEIVING, upload_holder__isnull=False)
    stalled = [(image.pk, image.status, image.upload_holder)
               for image in receiving.only("pk", "status", "upload_holder")
               if _holder_is_dead(image.upload_holder, host, dead_host)]
    return requeue_interrupted(stalled, "their process stopped")


def requeue_interrupted(uploads, why):
    """Return each of `uploads`, (image id, receiving status, holder), to queued if it is still so, with its
    partial data removed; return how many were."""
    requeued = [image_id for image_id, status, holder in uploads if _requeue(image_id, status, holder)]
    if requeued:
        log.warning("Returned %d interrupted upload(s) to queued, %s: %s", len(requeued), why, ", ".join(requeued))
    return len(requeued)


def imports_recover(dead_host=None):
    """Fail the import tasks whose worker died: this host's dead processes (or `dead_host`'s, all of them)
    at once, any other node's after TASK_STALE_MINUTES without progress; their images go back to queued.
    Return how many."""
    from images import import_work  # it builds on this module

    host = socket.gethostname()
    stale_before = timezone.now() - timezone.timedelta(minutes=settings.TASK_STALE_MINUTES)
    active = Task.objects.filter(status__in=(TaskStatus.PENDING, TaskStatus.PROCESSING))
    dead = [task for task in active.only("pk", "image_id", "status", "holder", "updated_at")
            if _task_is_dead(task, host, stale_before, dead_host)]
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
        if store_id in holding:
            continue
        try:
            entry.driver.discard_partial(image_id)
        except StoreFault as exc:
            # Recovery runs as a worker starts: a store that is down must not keep the node from serving.
            log.warning("What image %s's interrupted write left in store %s stays until `manage.py audit --fix` "
                        "finds it: %s", image_id, store_id, exc)


def _task_is_dead(task, host, stale_before, dead_host=None):
    if task.status == TaskStatus.PROCESSING and task.holder and task.holder.rpartition(":")[0] in (host, dead_host):
        return _holder_is_dead(task.holder, host, dead_host)
    return task.updated_at < stale_before


ANY_HOLDER = object()


@transaction.atomic
def image_requeue(image_id, receiving, holder=ANY_HOLDER):
    """Back to queued if still `receiving`, for `holder` when one is named (an intake that failed or whose
    process died, not a later upload of the image); True if it was."""
    images = Image.objects.select_for_update().filter(pk=image_id, status=receiving)
    image = (images if holder is ANY_HOLDER else images.filter(upload_holder=holder)).first()
    if image is None:
        return False
    lifecycle.transition(image, Status.QUEUED)
    image.upload_holder = image.upload_seen_at = None
    image.updated_at = timezone.now()
    image.save()
    return True


def upload_abandon(image_id, receiving, stored=None, partial_in=None):
    """A failed upload: the image back to queued and the data it stored, `stored` = (store id, url), removed.

    When the database cannot be reached (which may be why the upload failed), this is retried from this process
    every REQUEUE_RETRY_SECONDS until it can be: the image must not stay `saving` under a holder that is still
    alive (recovery only undoes the uploads of dead processes), and the data must not be removed before the
    database says whether the image kept it (a commit whose answer was lost may have made it active).
    `partial_in`: a store whose add failed, whose leftovers of the image are removed too, retried likewise
    while that store cannot be reached."""
    try:
        _abandon_now(image_id, receiving, stored, partial_in)
        return
    except DatabaseError as exc:
        log.warning("Image %s stays %s until the database answers again: %s", image_id, receiving, exc)
    except StoreFault as exc:
        log.warning("What the failed upload of image %s left in store %s is removed once it answers: %s",
                    image_id, partial_in, exc)
    with _requeue_later_lock:
        first = not _requeue_later
        _requeue_later[image_id] = (receiving, stored, partial_in)
    if first:
        threading.Thread(target=_abandon_when_possible, name="abandon-later", daemon=True).start()


def _abandon_now(image_id, receiving, stored, partial_in=None):
    image_requeue(image_id, receiving, this_process())
    if stored is not None and not ImageLocation.objects.filter(image_id=image_id, store=stored[0],
                                                               url=stored[1]).exists():
        locations.data_discard(*stored)
    if partial_in is not None:
        _partial_discard(image_id, partial_in)


@transaction.atomic
def _partial_discard(image_id, store_id):
    """Remove the image's leftovers in `store_id` while it is still queued, its row locked so that no new
    upload (which would write under the same names) begins meanwhile."""
    if Image.objects.select_for_update().filter(pk=image_id, status=Status.QUEUED).exists() and \
            not ImageLocation.objects.filter(image_id=image_id, store=store_id).exists():
        registry.store(store_id).discard_partial(image_id)


def _abandon_when_possible():
    while True:
        time.sleep(REQUEUE_RETRY_SECONDS)
        with _requeue_later_lock:
            waiting = dict(_requeue_later)
        for image_id, (receiving, stored, partial_in) in waiting.items():
            try:
                _abandon_now(image_id, receiving, stored, partial_in)
            except DatabaseError:
                connection.close()  # this thread's own; the next attempt opens a fresh one
                continue
            except StoreFault:
                continue
            log.warning("Undid the upload of image %s, which had failed while the database or its store was away",
                        image_id)
            with _requeue_later_lock:
                _requeue_later.pop(image_id, None)
        with _requeue_later_lock:
            if not _requeue_later:
                connection.close()
                return


def _requeue(image_id, status, holder):
    if not image_requeue(image_id, status, holder):
        return False
    # The row does not say which store the upload went to; asking each is cheap.
    _discard_partials(image_id)
    return True
