"""One way for image data to come in: a source through the pipeline into a store, on a lifecycle path.

Upload (queued -> saving -> active), stage (queued -> uploading, into the
staging store), an import writing its stores (importing -> active) and a copy
to another store (active) are paths through the same function. Whatever the path, no database transaction is held
while bytes flow: the image moves to the path's `receiving` status in one
short transaction, the data streams, and a second short transaction records
size, hashes and the new location. Any failure returns the image to queued
with nothing left in the store; a process that dies mid-way is undone by
images.recovery when a worker starts.
"""
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from images import lifecycle, quotas, recovery, upload_leases
from images.access import enforce_image
from images.choices import LocationStatus, Status
from images.inspection import FormatInspection
from images.locations import data_discard
from images.models import Image, ImageLocation
from images.pipeline import DataPipeline, SizeCap
from images.selectors import image_get
from images.stores.errors import StoreFault, StoreUnavailable
from project.errors import Conflict, Gone, TooLarge
from project.observability import metrics


@dataclass(frozen=True)
class LifecyclePath:
    """The statuses an image passes while data comes in, and what the data becomes.

    With a `rule` (a client's request), the rule is checked and the image moves to `receiving`.
    Without (an import task's step: its request was checked), the image must already be
    `receiving`. `done` may equal `receiving` when more is to come.
    """

    receiving: str
    done: str
    rule: str = None
    location_status: str = LocationStatus.ACTIVE
    # New data gets its size, hashes and virtual size recorded; a copy must match the recorded hashes.
    new_data: bool = True
    # A failure puts the image back to queued (upload, stage); an import task reverts on its own.
    requeue_on_failure: bool = True


UPLOAD = LifecyclePath(Status.SAVING, Status.ACTIVE, "upload_image")
STAGE = LifecyclePath(Status.UPLOADING, Status.UPLOADING, "modify_image", location_status=LocationStatus.STAGED)
# web-download's working copy: fetched into staging while the image is importing.
DOWNLOAD = LifecyclePath(Status.IMPORTING, Status.IMPORTING, location_status=LocationStatus.STAGED,
                         requeue_on_failure=False)
COPY = LifecyclePath(Status.ACTIVE, Status.ACTIVE, new_data=False, requeue_on_failure=False)


def import_path(*, last):
    """An import writing one of its stores: the image turns active with the last one."""
    return LifecyclePath(Status.IMPORTING, Status.ACTIVE if last else Status.IMPORTING, requeue_on_failure=False)


@dataclass(frozen=True)
class Intake:
    """What to take in: `source` (images.pipeline) into the store `store` on `path`."""

    image_id: str
    source: object
    store: object
    path: LifecyclePath = UPLOAD
    declared_size: int = None
    progress: object = None


def image_intake(*, context, intake):
    """Take `intake.source` into `intake.store` as the image's data; return the image, now `path.done`.

    Raises Conflict (409) unless the image may move to `path.receiving` or when another node took the
    upload for dead (its lease ran out, images.upload_leases),
    InvalidInput (400) for a broken source or a size other than declared,
    TooLarge (413) beyond IMAGE_SIZE_CAP, the owner's quota or the store's
    space, UnsupportedMediaType (415) for data that is not its disk_format or
    fails the format's safety checks (images.inspection), Gone (410) when the
    image was deleted meanwhile, and any store fault.
    """
    cap = settings.IMAGE_SIZE_CAP
    if intake.declared_size is not None and intake.declared_size > cap:
        raise TooLarge(f"The incoming image is too large: {intake.declared_size} bytes, the limit is {cap}.")
    size_cap, formats = _begin(context, intake)
    inspection = FormatInspection() if formats.container_format == "bare" and intake.path.new_data else None
    stored = None
    try:
        pipeline = DataPipeline(intake.source, hash_algo=settings.IMAGE_HASH_ALGORITHM, cap=size_cap,
                                expected_size=intake.declared_size, inspection=inspection,
                                progress=intake.progress)
        stored = _add(intake.store, _storage_name(intake), pipeline)
        virtual_size = inspection.verdict(formats.disk_format) if inspection else None
        return _finish(intake, stored, pipeline, virtual_size)
    except BaseException as exc:
        _abandon(intake, stored, exc)
        raise
    finally:
        upload_leases.lease_drop(intake.image_id)


@dataclass(frozen=True)
class Formats:
    disk_format: str
    container_format: str


@transaction.atomic
def _begin(context, intake):
    """Lock, check the rule and quotas, move to `receiving`; return the size cap for the data and the
    formats the data must have."""
    image = image_get(context, intake.image_id, for_update=True)
    path = intake.path
    if path.rule:  # a client's request: the image moves into `receiving`
        enforce_image(context, path.rule, image)
        quotas.enforce_uploading(image.owner)
        lifecycle.transition(image, path.receiving)
    elif image.status != path.receiving:  # an import's next step: the image must still be where it left it
        raise Conflict(f"Image {image.pk} is {image.status}, not {path.receiving}: the import cannot go on.")
    allowance = quotas.upload_allowance(image.owner, intake.declared_size) if path.new_data else None
    upload_leases.lease_take(image)
    _save(image)
    return _size_cap(image.owner, allowance), Formats(image.disk_format, image.container_format)


def _size_cap(owner, allowance):
    cap = settings.IMAGE_SIZE_CAP
    if allowance is not None and allowance < cap:
        used = settings.IMAGE_SIZE_TOTAL_QUOTA * quotas.MiB - allowance
        return SizeCap(allowance, lambda size: quotas.size_over_limit(owner, used, size))
    return SizeCap(cap, lambda size: TooLarge(f"Image exceeds the maximum size of {cap} bytes."))


def _storage_name(intake):
    """The image id, or for staged data the image id and a random suffix: a new stage never lands on
    the name of staged data an ended import is still removing."""
    if intake.path.location_status == LocationStatus.STAGED:
        return f"{intake.image_id}.{secrets.token_hex(4)}"
    return intake.image_id


def _add(store, image_id, pipeline):
    chunks = pipeline.chunks()
    try:
        stored = store.add(image_id, chunks)
    except StoreFault as fault:
        metrics.store_error(store.store_id, "write", fault)
        raise
    finally:
        chunks.close()
    metrics.UPLOADED.labels(store=store.store_id).inc(stored.size)
    return stored


@transaction.atomic
def _finish(intake, stored, pipeline, virtual_size):
    image = Image.objects.select_for_update().filter(pk=intake.image_id).first()
    path = intake.path
    if image is not None and _leased(path) and image.upload_holder != recovery.this_process():
        raise _lease_lost_error(image.pk)
    if image is None or image.status != path.receiving:
        raise Gone(f"Image {intake.image_id} could not be found after upload. The image may have been deleted "
                   "during the upload, cleaning up the chunks uploaded.")
    if path.new_data:
        _record_data(image, pipeline, virtual_size, staged=path.location_status == LocationStatus.STAGED)
    elif (pipeline.size, pipeline.hash_value) != (image.size, image.os_hash_value):
        raise StoreUnavailable(f"The copy of image {image.pk} read back differs from its data "
                               f"({pipeline.size} bytes, {pipeline.hash_algo} {pipeline.hash_value}).")
    if path.done != image.status:
        lifecycle.transition(image, path.done)
    image.upload_holder = image.upload_seen_at = None
    _save(image)
    now = timezone.now()
    ImageLocation.objects.create(image=image, store=intake.store.store_id, url=stored.url, metadata=stored.metadata,
                                 status=path.location_status, created_at=now, updated_at=now)
    return image


def _leased(path):
    """Whether the path's uploads hold a lease (a client's upload or stage); imports and copies have their tasks."""
    return path.receiving in recovery.UPLOAD_RECEIVING


def _lease_lost(image_id):
    """Whether another node took the upload for dead (images.upload_leases) and removed what it wrote."""
    try:
        return Image.objects.filter(pk=image_id).exclude(upload_holder=recovery.this_process()).exists()
    except DatabaseError:
        return False  # the failure at hand says more


def _lease_lost_error(image_id):
    return Conflict(f"The upload of image {image_id} was given up while it ran: its lease was not renewed for "
                    "UPLOAD_LEASE_SECONDS. Upload it again.")


def _record_data(image, pipeline, virtual_size, *, staged):
    """Size, hashes and virtual size of new data; staged data only has its size known (Glance's stage)."""
    if staged:
        image.size = pipeline.size
        return
    quotas.enforce_stored_size(image.owner, pipeline.size)
    image.size, image.checksum = pipeline.size, pipeline.checksum
    image.os_hash_algo, image.os_hash_value = pipeline.hash_algo, pipeline.hash_value
    image.virtual_size = virtual_size


def _abandon(intake, stored, failure):
    """Back to queued (unless an import task reverts on its own), and the data just stored (if any)
    removed: the client may simply try again. When the store failed, what the add wrote may still be
    there (its own clean-up met the same outage): it is removed once the store answers again. A
    `failure` that came of a lease another node took is reported as that (Conflict)."""
    lease_lost = _leased(intake.path) and _lease_lost(intake.image_id)  # asked first: the requeue gives it up
    store_failed = isinstance(failure, StoreFault)
    if intake.path.requeue_on_failure:
        recovery.upload_abandon(intake.image_id, intake.path.receiving,
                                stored and (intake.store.store_id, stored.url),
                                partial_in=intake.store.store_id if store_failed and stored is None else None)
    elif stored is not None:
        data_discard(intake.store.store_id, stored.url)
    if lease_lost:
        raise _lease_lost_error(intake.image_id) from failure


def _save(image):
    image.updated_at = timezone.now()
    image.save()
