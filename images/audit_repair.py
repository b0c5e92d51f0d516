"""What `manage.py audit --fix` changes. Each function checks its case again right before acting,
under the locks the API takes, and returns what it did in words (the finding's `action`).

- Orphans (data no row points at, and what adds cut short left in a store) older than the grace period are removed, never while a location
  row names them, an upload or import of the image they are named after is under way (its image
  row is locked meanwhile, so none can begin), or another audit has claimed them (AuditClaim).
- A copy whose data is missing or corrupt gets the location status `missing` or `corrupt`, so that
  downloads use another copy, and its image the reserved property `os_glance_audit_failed`
  ("corrupt in store file since 2026-12-02; ..."); a copy found good again goes back to `active`
  and the property goes with the last marked copy. The data itself is never touched.
- Staged data whose image no longer waits for an import loses its row the way an ended import
  retires it (images.import_work.staged_retire), and its data once that commits.
"""
import hashlib
import re
from urllib.parse import quote, unquote

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from images import cache, cache_manage, import_state, locations
from images.choices import LocationStatus, Status, TaskStatus
from images.models import AuditClaim, CachedImage, Image, ImageLocation, Task
from images.stores.errors import StoreFault

AUDIT_FAILED = "os_glance_audit_failed"
MARKED = (LocationStatus.MISSING, LocationStatus.CORRUPT)
AUDITED = (LocationStatus.ACTIVE, *MARKED)
RECEIVING = (Status.SAVING, Status.UPLOADING, Status.IMPORTING)
IMAGE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
YOUNG = "kept: younger than the grace period"


def _claimed(run, *parts):
    """True for the one audit that may remove this data (the first to claim it)."""
    key = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    try:
        with transaction.atomic():
            AuditClaim.objects.create(key=key, run=run)
    except IntegrityError:
        return False
    return True


def _name(url):
    return unquote(url.rstrip("/").rsplit("/", 1)[-1])


def _pointed_at(store_id, url):
    """Whether a location row names this data, spelled exactly or with the same last segment (a row
    whose URL the listing spells otherwise must not lose its data)."""
    name = _name(url)
    same_name = Q(url__endswith=f"/{name}") | Q(url__endswith=f"/{quote(name)}")
    return ImageLocation.objects.filter(store=store_id).filter(Q(url=url) | same_name).exists()


def orphan_remove(*, run, store_id, driver, item, cutoff):
    """Remove data no row points at, if older than `cutoff` and still nobody's."""
    def pointed_at():
        return "kept: a location row points at it now" if _pointed_at(store_id, item.url) else None

    return _old_data_remove(run, store_id, item, cutoff, _name(item.url)[:36], pointed_at,
                            lambda: driver.delete(item.url))


def partial_remove(*, run, store_id, driver, item, cutoff):
    """Remove what an add cut short left (a PartialItem), if older than `cutoff` and its image is not
    taking data in; the store itself keeps it if the add has finished since."""
    return _old_data_remove(run, store_id, item, cutoff, item.image_id, lambda: None,
                            lambda: driver.remove_partial(item))


def _old_data_remove(run, store_id, item, cutoff, image_id, kept_because, remove):
    if item.modified is None:
        return "kept: its age is unknown"
    if item.modified > cutoff:
        return YOUNG
    if not _claimed(run, store_id, item.url, item.modified.isoformat()):
        return "kept: another audit removes it"
    with transaction.atomic():
        reason = _image_receiving(image_id) or kept_because()
        if reason:
            return reason
        try:
            remove()
        except StoreFault as exc:
            return f"not removed: {exc}"
    return "removed"


def _image_receiving(image_id):
    """Why data named after `image_id` must stay (its image is taking data in), else None; the image's
    row stays locked until the caller's transaction ends, so no upload can begin meanwhile."""
    if not IMAGE_ID.fullmatch(image_id):
        return None
    image = Image.all_objects.select_for_update().filter(pk=image_id).first()
    if image is not None and image.status in RECEIVING:
        return f"kept: image {image_id} is {image.status}"
    if Task.objects.filter(image_id=image_id, status__in=(TaskStatus.PENDING, TaskStatus.PROCESSING)).exists():
        return f"kept: an import of image {image_id} is running"
    return None


@transaction.atomic
def copy_mark(location_id, status, reason):
    """Mark one copy `missing` or `corrupt` (image row locked first, as the API does)."""
    image_id = ImageLocation.objects.filter(pk=location_id).values_list("image_id", flat=True).first()
    image = Image.objects.select_for_update().filter(pk=image_id, status__in=(Status.ACTIVE, Status.DEACTIVATED))
    image = image.first()
    copy = ImageLocation.objects.select_for_update().filter(pk=location_id, status__in=AUDITED).first()
    if image is None or copy is None:
        return "not marked: the image or its copy changed meanwhile"
    if copy.status == status:
        return f"marked {status} already"
    copy.status, copy.updated_at = status, timezone.now()
    copy.save(update_fields=["status", "updated_at"])
    _property_refresh(image)
    return f"marked {status}"


@transaction.atomic
def copy_restore(location_id):
    """A marked copy found good again: back to active (or dropped, its data kept, when another active
    row of the image names the same data, as after a copy-image into that store)."""
    image_id = ImageLocation.objects.filter(pk=location_id).values_list("image_id", flat=True).first()
    image = Image.objects.select_for_update().filter(pk=image_id).first()
    copy = ImageLocation.objects.select_for_update().filter(pk=location_id, status__in=MARKED).first()
    if image is None or copy is None:
        return "not restored: the image or its copy changed meanwhile"
    twin = image.locations.filter(status=LocationStatus.ACTIVE, store=copy.store, url=copy.url).exists()
    if twin:
        copy.delete()
    else:
        copy.status, copy.updated_at = LocationStatus.ACTIVE, timezone.now()
        copy.save(update_fields=["status", "updated_at"])
    _property_refresh(image)
    return "row dropped: another active row names the same data" if twin else "restored to active"


def _property_refresh(image):
    marked = image.locations.filter(status__in=MARKED).order_by("id")
    if marked:
        import_state.put(image, AUDIT_FAILED, "; ".join(
            f"{copy.status} in store {copy.store} since {copy.updated_at:%Y-%m-%d}" for copy in marked))
    else:
        import_state.pop(image, AUDIT_FAILED)
    image.updated_at = timezone.now()
    image.save(update_fields=["updated_at"])


def staging_wanted(image):
    """Whether an image's staged data is still wanted: it waits for an import, or one is running."""
    if image.deleted:
        return False
    if image.status == Status.UPLOADING:
        return True
    running = Task.objects.filter(image_id=image.pk, status__in=(TaskStatus.PENDING, TaskStatus.PROCESSING))
    return image.status == Status.IMPORTING and running.exists()


@transaction.atomic
def staged_retire(location_id, cutoff):
    """Retire a staged row whose image no longer waits for an import (checked again under its lock)."""
    image_id = ImageLocation.objects.filter(pk=location_id).values_list("image_id", flat=True).first()
    image = Image.all_objects.select_for_update().filter(pk=image_id).first()
    row = ImageLocation.objects.select_for_update().filter(pk=location_id, status=LocationStatus.STAGED).first()
    if image is None or row is None:
        return "kept: the row changed meanwhile"
    if staging_wanted(image):
        return f"kept: image {image.pk} is {image.status} now"
    if max(row.updated_at, image.updated_at) > cutoff:
        return YOUNG
    locations.location_retire(row)
    return "row retired, its data removed"


def cache_file_remove(*, run, path, item, cutoff):
    """Remove a cache file without its row, if older than `cutoff` and still without one."""
    if item.modified > cutoff:
        return YOUNG
    if not _claimed(run, settings.NODE_NAME, item.url, item.modified.isoformat()):
        return "kept: another audit removes it"
    if CachedImage.objects.filter(image_id=path.name, node=settings.NODE_NAME).exists():
        return "kept: its cache row exists now"
    cache.unlink_quietly(path)
    return "removed"


def cache_row_drop(image_id):
    """A cache row without its file: the row goes (the image is cached again on a later download)."""
    if cache.cached_path(image_id).exists():
        return "kept: the file exists now"
    cache.node_rows().filter(image_id=image_id).delete()
    return "row removed"


def cache_entry_drop(image_id):
    """A cached file that differs from its image: out of the cache, row and file (filled again later)."""
    cache_manage.cached_delete(image_id)
    return "removed from the cache"
