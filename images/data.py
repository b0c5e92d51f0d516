"""Image data: upload into the default store and open for download.

An upload never holds a database transaction while bytes flow: the image
moves queued -> saving in one short transaction, the data streams into the
store, and a second short transaction records size and hashes and moves it
to active. Any failure on the way puts the image back to queued and leaves
no data behind, so the client can simply retry.
"""
import errno
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from images import lifecycle, quotas, recovery, selectors
from images.choices import Status
from images.models import Image
from images.stores import registry
from images.stores.base import DataNotFound, StoreError
from project.auth import policy
from project.errors import DomainError, Forbidden, InvalidInput, TooLarge

log = logging.getLogger(__name__)


class Gone(DomainError):
    status = 410


class StoreUnavailable(DomainError):
    status = 503


def image_upload(*, context, image_id, stream, declared_size=None):
    """Stream `stream` into the store as the data of queued image `image_id`; return the active image.

    Raises Conflict (409) unless the image is queued, InvalidInput (400) when
    formats are unset, the stream breaks or its length differs from
    `declared_size`, TooLarge (413) beyond IMAGE_SIZE_CAP or the owner's
    quotas (the image stays queued, no data kept), Gone (410) when
    the image was deleted during the upload, StoreUnavailable (503) when
    the store fails.
    """
    cap = settings.IMAGE_SIZE_CAP
    if declared_size is not None and declared_size > cap:
        raise TooLarge(f"The incoming image is too large: {declared_size} bytes, the limit is {cap}.")
    owner, allowance = _begin(context, image_id, declared_size)
    try:
        store = registry.default_store()
        if allowance is not None and allowance < cap:
            stored = _store_add_within_quota(store, image_id, stream, owner, allowance, declared_size)
        else:
            stored = _store_add(store, image_id, stream, cap, declared_size)
    except BaseException:
        _abandon(image_id)
        raise
    try:
        return _finish(image_id, stored, store)
    except TooLarge:
        _abandon(image_id)
        raise


@transaction.atomic
def _begin(context, image_id, declared_size):
    """queued -> saving; returns the owner and the bytes its size quota still allows (None: no limit)."""
    image = selectors.image_get(context, image_id, for_update=True)
    policy.enforce_image(context, "upload_image", image)
    quotas.enforce_uploading(image.owner)
    allowance = quotas.upload_allowance(image.owner, declared_size)
    lifecycle.transition(image, Status.SAVING)
    image.upload_holder = recovery.this_process()
    _save(image)
    return image.owner, allowance


def _store_add_within_quota(store, image_id, stream, owner, allowance, declared_size):
    try:
        return _store_add(store, image_id, stream, allowance, declared_size)
    except TooLarge as exc:
        if isinstance(exc.__cause__, OSError):  # the store's disk is full: not the quota
            raise
        used = settings.IMAGE_SIZE_TOTAL_QUOTA * quotas.MiB - allowance
        raise quotas.size_over_limit(owner, used, allowance + 1) from exc


def _store_add(store, image_id, stream, cap, declared_size):
    try:
        return store.add(image_id, stream, hash_algo=settings.IMAGE_HASH_ALGORITHM, max_size=cap,
                         expected_size=declared_size)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise TooLarge(f"Image storage media is full: {exc}") from exc
        raise StoreUnavailable(f"The image store could not write the data: {exc}") from exc
    except StoreError as exc:
        raise StoreUnavailable(str(exc)) from exc


@transaction.atomic
def _abandon(image_id):
    image = Image.objects.select_for_update().filter(pk=image_id, status=Status.SAVING).first()
    if image is not None:
        lifecycle.transition(image, Status.QUEUED)
        _save(image)


@transaction.atomic
def _finish(image_id, stored, store):
    image = Image.objects.select_for_update().filter(pk=image_id).first()
    if image is None or image.status != Status.SAVING:
        store.delete(stored.location)
        raise Gone(f"Image {image_id} could not be found after upload. The image may have been deleted "
                   "during the upload, cleaning up the chunks uploaded.")
    try:
        quotas.enforce_stored_size(image.owner, stored.size)
    except TooLarge:
        store.delete(stored.location)
        raise
    image.size, image.checksum, image.location = stored.size, stored.checksum, stored.location
    image.os_hash_algo, image.os_hash_value = stored.hash_algo, stored.hash_value
    lifecycle.transition(image, Status.ACTIVE)
    _save(image)
    return image


def _save(image):
    if image.status != Status.SAVING:
        image.upload_holder = None
    image.updated_at = timezone.now()
    image.save()


def ensure_downloadable(*, context, image):
    """Forbidden (403) unless download_image allows it, and for a deactivated image unless the caller is an admin."""
    policy.enforce_image(context, "download_image", image)
    if image.status == Status.DEACTIVATED and not context.is_admin:
        raise Forbidden("The requested image has been deactivated. Image data download is forbidden.")


def image_data_open(*, image, offset=0, length=None):
    """A readable over `length` bytes of the image's data from `offset`, or None if it has none."""
    if not image.location:
        return None
    store = registry.store_for(image.location)
    if not store.random_access and (offset or length != image.size):
        raise InvalidInput(f"The {store.scheme} store holding this image cannot serve byte ranges.")
    try:
        return store.get(image.location, offset, length)
    except DataNotFound:
        log.warning("Image %s is %s but its data is missing at %s", image.pk, image.status, image.location)
        return None
