"""Delayed delete: images in pending_delete keep their data until SCRUB_TIME has passed, then lose it.

Safe on several nodes at once: each image moves pending_delete -> deleted in a transaction that
locks its row (skipping rows another scrubber holds), and only the scrubber that made that move
removes the data, after its commit; a crash in between is finished when a worker starts
(images.locations.locations_discard_pending).
"""
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from images import lifecycle, locations
from images.choices import Status
from images.models import Image
from project.errors import Conflict, NotFound


def due_for_scrubbing():
    cutoff = timezone.now() - timedelta(seconds=settings.SCRUB_TIME)
    return Image.all_objects.filter(status=Status.PENDING_DELETE, deleted_at__lte=cutoff)


def scrub(progress=lambda image_id: None):
    """Remove the data of every image whose grace period is over; return how many this call scrubbed."""
    scrubbed = 0
    for image_id in list(due_for_scrubbing().values_list("pk", flat=True)):
        if _scrub_one(image_id):
            scrubbed += 1
            progress(image_id)
    return scrubbed


@transaction.atomic
def _scrub_one(image_id):
    image = due_for_scrubbing().select_for_update(skip_locked=True).filter(pk=image_id).first()
    if image is None:  # another scrubber has it, or it was restored meanwhile
        return False
    lifecycle.transition(image, Status.DELETED)
    image.save(update_fields=["status"])
    locations.locations_retire(image)
    return True


@transaction.atomic
def image_restore(*, image_id):
    """`scrub --restore`: a pending_delete image back to active, its data untouched.

    NotFound when there is no such image, Conflict when it is not pending_delete.
    """
    image = Image.all_objects.select_for_update().filter(pk=image_id).first()
    if image is None:
        raise NotFound(f"No image found with ID {image_id}")
    if image.status != Status.PENDING_DELETE:
        raise Conflict(f"Image {image_id} is {image.status}; only a pending_delete image can be restored.")
    lifecycle.transition(image, Status.ACTIVE)
    image.deleted, image.deleted_at, image.updated_at = False, None, timezone.now()
    image.save(update_fields=["status", "deleted", "deleted_at", "updated_at"])
    return image
