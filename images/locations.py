"""The copies of an image's data (ImageLocation rows): reading the best one, removing them."""
import logging

from django.db import transaction
from django.utils import timezone

from images.choices import LocationStatus
from images.models import ImageLocation
from images.stores import registry
from images.stores.errors import DataInUse, DataNotFound, StoreFault, StoreUnavailable
from project.errors import Conflict, InvalidInput
from project.observability import metrics

log = logging.getLogger(__name__)


def readable_locations(image):
    """Active copies, the store with the highest weight first."""
    entries = registry.entries()
    locations = list(image.locations.filter(status=LocationStatus.ACTIVE))
    return sorted(locations, key=lambda location: -getattr(entries.get(location.store), "weight", -1))


def location_metadata(copy):
    """A copy's metadata as Glance shows it: with several stores, the store's id is in it."""
    return {**copy.metadata, "store": copy.store} if registry.several() else dict(copy.metadata)


def image_data_open(*, image, offset=0, length=None):
    """A readable over `length` bytes of the image's data from `offset`, or None if it has no data.

    Copies are tried by store weight; a store that fails (503) passes the turn
    to the next copy, and only when every copy failed is the last fault raised.
    """
    failure = None
    for location in readable_locations(image):
        try:
            return _open(location, image, offset, length)
        except DataNotFound as exc:
            metrics.store_error(location.store, "read", exc)
            log.warning("Image %s is %s but its data is missing at %s", image.pk, image.status, location.url)
        except StoreUnavailable as exc:
            metrics.store_error(location.store, "read", exc)
            log.warning("Image %s: store %s failed, trying the next copy: %s", image.pk, location.store, exc)
            failure = exc
    if failure is not None:
        raise failure
    return None


def _open(location, image, offset, length):
    store = registry.store(location.store)
    if not store.random_access and (offset or length != image.size):
        raise InvalidInput(f"The {location.store} store holding this image cannot serve byte ranges.")
    readable = store.get(location.url, offset, length)
    metrics.DOWNLOADED.labels(source=location.store).inc(length or 0)
    return readable


def copies_ensure_removable(copies, refusal):
    """Conflict (409) "<refusal>: <the store's words>" when a store lends a copy's data to something
    outside the service (Glance's InUseByStore: an RBD snapshot with clones), so nothing is removed.

    A store that cannot answer does not hold the delete up: the removal after the commit retries it.
    """
    for copy in copies:
        try:
            registry.store(copy.store).ensure_removable(copy.url)
        except DataInUse as exc:
            raise Conflict(f"{refusal}: {exc.message}") from exc
        except StoreFault as exc:
            log.warning("Store %s could not say whether %s is in use: %s", copy.store, copy.url, exc)


def locations_retire(image):
    """Mark every copy of a deleted image (staged data, and copies the auditor marked missing or
    corrupt, too) for removal; the data goes once the transaction commits."""
    for location in image.locations.exclude(status=LocationStatus.PENDING_DELETE):
        location_retire(location)


def location_retire(location):
    """Mark one copy for removal; its data goes once the transaction commits (or, after a crash,
    when a worker starts: locations_discard_pending)."""
    ImageLocation.objects.filter(pk=location.pk).update(status=LocationStatus.PENDING_DELETE, updated_at=timezone.now())
    # Robust: the delete has committed, and what fails here (the database gone meanwhile) is retried from the
    # pending_delete row; the client is told what happened, not that it failed.
    transaction.on_commit(lambda: location_discard(location), robust=True)


def data_discard(store_id, url):
    """Remove data from a store; True when it is gone. A store fault is logged, not raised: whoever
    asked goes on (the data is retried or found by the auditor)."""
    try:
        registry.store(store_id).delete(url)
    except StoreFault as exc:
        log.warning("Could not remove image data %s from store %s: %s", url, store_id, exc)
        return False
    return True


def location_discard(location):
    """Remove one copy's data, then its row; the row stays when the store failed, so that the
    removal is retried (locations_discard_pending) instead of lost."""
    if not data_discard(location.store, location.url):
        return False
    ImageLocation.objects.filter(pk=location.pk).delete()
    return True


def locations_discard_pending():
    """Retry removing copies marked for removal (run when a worker starts); return how many went."""
    pending = ImageLocation.objects.filter(status=LocationStatus.PENDING_DELETE)
    return sum(location_discard(location) for location in pending)
