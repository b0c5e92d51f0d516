"""Quotas: per-image caps and per-project limits, with Glance's names, units and messages.

Per image: custom properties, tags and members (IMAGE_*_QUOTA). Per project, the limits
Glance reads from Keystone's unified limits, here from settings (-1: unlimited):

  image_count_total      images the project owns (any status but killed/deleted)
  image_size_total       MiB of image data the project has stored
  image_count_uploading  uploads in progress
  image_stage_total      MiB staged for import: not limited nor counted here (0 of unlimited); the
                         staging store is bounded by its disk, and an import counts in image_size_total

Usage is counted for the project that owns the image, which is what grows. Exceeding any limit
is TooLarge (413) and the operation changes nothing.
"""
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum

from images.choices import LocationStatus, Status
from images.models import Image, ImageLocation
from project.errors import TooLarge

MiB = 1024 * 1024
UNLIMITED = -1
GONE = (Status.KILLED, Status.DELETED, Status.PENDING_DELETE)
UPLOADING = (Status.SAVING, Status.UPLOADING, Status.IMPORTING)


# --- per image ------------------------------------------------------------------

def check_per_image(count, before, limit, what):
    """`what` (properties, tags, members) of one image: only growth beyond `limit` is refused."""
    if count > limit and count > before:
        raise TooLarge(f"The limit has been exceeded on the number of allowed image {what}. "
                       f"Attempted: {count}, Maximum: {limit}")


# --- per project ------------------------------------------------------------------

@dataclass(frozen=True)
class Usage:
    limit: int
    usage: int


def image_count(owner):
    return Image.objects.filter(owner=owner).exclude(status__in=GONE).count()


def _stored_q():
    # An image's size counts once it has data in a store, whatever number of copies it has.
    return Q(Exists(ImageLocation.objects.filter(image=OuterRef("pk"), status=LocationStatus.ACTIVE)), size__gt=0)


def stored_bytes(owner):
    images = Image.objects.filter(_stored_q(), owner=owner).exclude(status__in=GONE)
    return images.aggregate(total=Sum("size"))["total"] or 0


def uploading_count(owner):
    return Image.objects.filter(owner=owner, status__in=UPLOADING).count()


def usage_by_owner():
    """Every owner's image count, stored bytes and uploads in progress, counted as the limits count them:
    one aggregate query, rows of {owner, image_count, stored_bytes, uploading_count} by owner."""
    return (Image.objects.exclude(status__in=GONE).exclude(owner=None).values("owner")
            .annotate(image_count=Count("pk"), stored_bytes=Sum("size", filter=_stored_q(), default=0),
                      uploading_count=Count("pk", filter=Q(status__in=UPLOADING)))
            .order_by("owner"))


def project_usage(project_id):
    """GET /v2/info/usage for `project_id`: Glance's four limits, sizes in MiB."""
    return {
        "image_size_total": Usage(settings.IMAGE_SIZE_TOTAL_QUOTA, stored_bytes(project_id) // MiB),
        "image_stage_total": Usage(UNLIMITED, 0),
        "image_count_total": Usage(settings.IMAGE_COUNT_TOTAL_QUOTA, image_count(project_id)),
        "image_count_uploading": Usage(settings.IMAGE_COUNT_UPLOADING_QUOTA, uploading_count(project_id)),
    }


def _over_limit(project_id, resource, limit, usage, delta):
    # Glance's LimitExceeded wrapping oslo.limit's ProjectOverLimit, word for word.
    return TooLarge(
        "The request returned a 413 Request Entity Too Large. This generally means that rate limiting or a "
        f"quota threshold was breached.\n\nThe response body:\nProject {project_id} is over a limit for "
        f"[Resource {resource} is over limit of {limit} due to current usage {usage} and delta {delta}]")


def enforce_image_count(owner):
    """Before creating an image for `owner`."""
    limit = settings.IMAGE_COUNT_TOTAL_QUOTA
    if limit != UNLIMITED and owner is not None:
        count = image_count(owner)
        if count + 1 > limit:
            raise _over_limit(owner, "image_count_total", limit, count, 1)


def enforce_uploading(owner):
    """Before an image of `owner` starts receiving data."""
    limit = settings.IMAGE_COUNT_UPLOADING_QUOTA
    if limit != UNLIMITED and owner is not None:
        count = uploading_count(owner)
        if count + 1 > limit:
            raise _over_limit(owner, "image_count_uploading", limit, count, 1)


def upload_allowance(owner, declared_size=None):
    """Bytes `owner` may still store (None: unlimited); TooLarge now if `declared_size` will not fit."""
    limit = settings.IMAGE_SIZE_TOTAL_QUOTA
    if limit == UNLIMITED or owner is None:
        return None
    used = stored_bytes(owner)
    allowance = max(0, limit * MiB - used)
    if declared_size is not None and declared_size > allowance:
        raise size_over_limit(owner, used, declared_size)
    return allowance


def size_over_limit(owner, used, size):
    """The image_size_total error for `size` more bytes (MiB in the message, as Glance counts; rounded
    up here, so that the numbers show why it does not fit)."""
    return _over_limit(owner, "image_size_total", settings.IMAGE_SIZE_TOTAL_QUOTA, _mib_up(used), _mib_up(size))


def _mib_up(size):
    return -(-size // MiB)


def enforce_stored_size(owner, size):
    """At the end of an upload, with the image row locked: the data still fits (a concurrent
    upload by the same project may have used the room)."""
    limit = settings.IMAGE_SIZE_TOTAL_QUOTA
    if limit != UNLIMITED and owner is not None:
        used = stored_bytes(owner)
        if used + size > limit * MiB:
            raise size_over_limit(owner, used, size)


def enforce_room(owner):
    """Before an import: TooLarge once `owner` already stores more than the limit (Glance checks with
    a delta of 0, so an owner exactly at the limit may still import)."""
    limit = settings.IMAGE_SIZE_TOTAL_QUOTA
    if limit != UNLIMITED and owner is not None:
        used = stored_bytes(owner)
        if used > limit * MiB:
            raise size_over_limit(owner, used, 0)
