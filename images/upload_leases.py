"""Leases on uploads in progress, so that any node undoes the uploads of a node that is gone for good.

A process that dies is undone by the next worker of its own host (images.recovery), but a node that never
comes back has no next worker. So an upload or stage holds a lease: its image's `upload_seen_at`, which a
keeper thread in every API worker renews for the uploads of its process every fifth of
UPLOAD_LEASE_SECONDS, whatever the client sends (a trickling client can take hours to fill one read). The
same thread, on every node, returns to `queued` the images whose lease ran out, with their partial data,
and the upload that lost its lease can no longer complete (images.intake checks its holder).
"""
import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from images import recovery
from images.models import Image
from project.database import is_unavailable

log = logging.getLogger(__name__)

_held = set()  # ids of the images this process is receiving data for
_held_lock = threading.Lock()
_keeper_started = False


def lease_take(image):
    """Mark `image` (locked, about to be saved) as receiving data in this process."""
    image.upload_holder, image.upload_seen_at = recovery.this_process(), timezone.now()
    with _held_lock:
        _held.add(image.pk)


def lease_drop(image_id):
    with _held_lock:
        _held.discard(image_id)


def leases_renew():
    """Renew the leases of this process's uploads; how many rows were renewed."""
    with _held_lock:
        held = list(_held)
    if not held:
        return 0
    mine = Image.objects.filter(pk__in=held, status__in=recovery.UPLOAD_RECEIVING,
                                upload_holder=recovery.this_process())
    return mine.update(upload_seen_at=timezone.now())


def leases_expired_recover():
    """Return to queued the uploads whose lease ran out, whichever node held them; return how many."""
    expired_before = timezone.now() - timezone.timedelta(seconds=settings.UPLOAD_LEASE_SECONDS)
    expired = list(Image.objects.filter(status__in=recovery.UPLOAD_RECEIVING, upload_seen_at__lt=expired_before)
                   .values_list("pk", "status", "upload_holder"))
    return recovery.requeue_interrupted(expired, "their lease ran out: the node receiving them stopped renewing it")


def keeper_start():
    """Start this process's keeper thread (once): renew, then recover expired leases, every fifth of the lease."""
    global _keeper_started
    with _held_lock:
        if _keeper_started:
            return
        _keeper_started = True
    threading.Thread(target=_keep, name="upload-leases", daemon=True).start()


def _keep():
    connected_since = None
    while True:
        time.sleep(settings.UPLOAD_LEASE_SECONDS / 5)
        connected_since = _keep_once(connected_since)


def _keep_once(connected_since):
    """One round; returns since when the database has answered without a break. Expired leases are only
    taken after a whole lease of answers: after an outage, every live holder has had time to renew."""
    now = time.monotonic()
    try:
        leases_renew()
        connected_since = connected_since or now
        if now - connected_since >= settings.UPLOAD_LEASE_SECONDS:
            leases_expired_recover()
        return connected_since
    except DatabaseError as exc:
        if not is_unavailable(exc):
            log.exception("Renewing the leases of uploads in progress failed")
        connection.close()  # this thread's own; the next round opens a fresh one
        return None
    except Exception:  # noqa: BLE001 - the thread must outlive one bad round, whatever went wrong in it
        log.exception("Renewing or recovering the leases of uploads failed")
        return connected_since
