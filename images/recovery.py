"""Uploads whose process died: found on restart and undone, never left half-done.

An upload records which process streams it (`upload_holder`). When a worker
starts, every image still `saving` on behalf of a process of this host that
no longer exists goes back to `queued`, and the partial data its store kept
is removed, so the client can upload again.
"""
import logging
import os
import socket

from django.db import transaction
from django.utils import timezone

from images import lifecycle, locations
from images.choices import Status
from images.models import Image
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
    """What a starting worker finishes for processes that died: their uploads and data removals."""
    uploads_recover()
    removed = locations.locations_discard_pending()
    if removed:
        log.warning("Removed the data of %d deleted image copies left by an earlier process", removed)


def uploads_recover():
    """Return uploads of dead processes of this host to queued; return how many."""
    host = socket.gethostname()
    stalled = [image.pk for image in Image.objects.filter(status=Status.SAVING).only("pk", "upload_holder")
               if _holder_is_dead(image.upload_holder, host)]
    for image_id in stalled:
        _requeue(image_id)
    if stalled:
        log.warning("Returned %d interrupted upload(s) to queued: %s", len(stalled), ", ".join(stalled))
    return len(stalled)


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


def _requeue(image_id):
    if image_requeue(image_id, Status.SAVING):
        # The row does not say which store the upload went to; asking each is cheap.
        for entry in registry.entries().values():
            entry.driver.discard_partial(image_id)
