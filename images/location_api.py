"""The location API of Image API v2.17: POST and GET /v2/images/{id}/locations.

A location is data the service did not write: a URL in one of the configured stores (for
users, only an http store's URL). Adding one is checked here and verified in the background by
an import worker (a `location_import` task, images.import_work): it reads the data once through
the same pipeline as an upload (hashes, format inspection) and compares the hashes with the
`validation_data` the caller gave, before the image turns active.
"""
import hashlib
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from images import import_state, imports, jobs, lifecycle, locations, web_download
from images.access import enforce_image
from images.choices import LocationStatus, Status
from images.models import Task
from images.selectors import image_get
from images.stores import registry
from project.errors import Conflict, Forbidden, InvalidInput

HASH_KEYS = ("checksum", "os_hash_algo", "os_hash_value")


def location_patch(*, context, image, change):
    """A JSON-patch operation on /locations (SHOW_MULTIPLE_LOCATIONS): `add` verifies the new
    location in the background as POST /locations does (a queued image turns active, an active
    one gains a copy only if the data is the same); `remove` retires one copy, never the last."""
    count = image.locations.filter(status=LocationStatus.ACTIVE).count()
    if change.op == "add":
        enforce_image(context, "set_image_location", image)
        if image.status not in (Status.ACTIVE, Status.QUEUED):
            raise Conflict(f"It's not allowed to add locations if image status is {image.status}.")
        _position(change.position, count, allow_end=True, verb="adding")
        value = change.value if isinstance(change.value, dict) else {}
        url, validation = _parse({"url": value.get("url"), "validation_data": value.get("validation_data")})
        _verify_later(context, image, url, validation, None)
    elif change.op == "remove":
        _location_remove(context, image, change.position, count)
    else:
        raise Forbidden("Replacing locations is not supported: add the new location, then remove the old one.")


def _location_remove(context, image, position, count):
    enforce_image(context, "delete_image_location", image)
    if image.status != Status.ACTIVE:
        raise Conflict(f"It's not allowed to remove locations if image status is {image.status}.")
    if count == 1:
        raise Forbidden("Cannot remove last location in the image.")
    index = _position(position, count, allow_end=False, verb="removing")
    locations.location_retire(image.locations.filter(status=LocationStatus.ACTIVE).order_by("id")[index])


def _position(position, count, *, allow_end, verb):
    """Glance's positions: "-" is the end, a number must be within the list; 400 otherwise."""
    last = count if allow_end else count - 1
    if position == "-":
        index = last
    elif position is not None and position.isdigit() and int(position) <= last:
        index = int(position)
    else:
        index = -1
    if index < 0:
        raise InvalidInput(f"Invalid position for {verb} a location.")
    return index


def location_add(*, context, image_id, body, request_id=None):
    """Accept a location for a queued image; return the location_import Task.

    Raises InvalidInput (400) for a bad body, hashes or a URL the service may not fetch,
    Forbidden (403) when the rules or the URL's store do not allow it, Conflict (409) unless
    the image is queued and free of other imports.
    """
    url, validation = _parse(body)
    with transaction.atomic():
        image = image_get(context, image_id, for_update=True)
        if image.status != Status.QUEUED:
            raise Conflict(f"It's not allowed to add locations if image status is {image.status}.")
        enforce_image(context, "add_image_location", image)
        return _verify_later(context, image, url, validation, request_id)


def _verify_later(context, image, url, validation, request_id):
    """Check the URL and the lock, then hand the location to a location_import task (a queued image
    waits for it in importing)."""
    location_store(url, service="service" in context.roles)
    imports.enforce_lock(image)
    task = _task_create(context, image, url, validation, request_id)
    import_state.lock_take(image, task.pk)
    if image.status == Status.QUEUED:
        lifecycle.transition(image, Status.IMPORTING)
    image.updated_at = timezone.now()
    image.save(update_fields=["status", "updated_at"])
    transaction.on_commit(lambda: jobs.import_enqueue(task.pk, jobs.DEFAULT_QUEUE))
    return task


def _parse(body):
    url = body.get("url")
    if not isinstance(url, str) or not url:
        raise InvalidInput("Provided object does not match schema 'add_location': 'url' is a required property")
    validation = body.get("validation_data") or {}
    if not isinstance(validation, dict) or set(validation) - set(HASH_KEYS):
        raise InvalidInput("Provided object does not match schema 'add_location': validation_data may only "
                           f"have {', '.join(HASH_KEYS)}")
    _check_hashes(validation)
    return url, validation


def _check_hashes(validation):
    if "os_hash_value" not in validation:
        return
    algo = validation.get("os_hash_algo", settings.IMAGE_HASH_ALGORITHM)
    try:
        value = bytes.fromhex(validation["os_hash_value"])
        wanted = hashlib.new(algo).digest_size
    except (TypeError, ValueError):
        raise InvalidInput(f"os_hash_value ({validation['os_hash_value']}) is not a valid hexadecimal value") \
            from None
    if len(value) != wanted:
        raise InvalidInput(f"os_hash_value: ({validation['os_hash_value']}) is not the correct size for ({algo}) "
                           f"(should be ({wanted}) bytes)")


def location_store(url, *, service):
    """The id of the store `url` belongs to. A user (no service role) may only name an http store's
    URL, nobody a file:// URL (the service's own disks), and a URL the service fetches must pass
    the import filtering (no loopback or private ranges unless allowed) whoever names it."""
    if url.lower().startswith("file:"):
        raise Forbidden("A location may not point at files of this service's own disks.")
    store_id = registry.store_for_url(url)
    is_http = url.startswith(("http://", "https://"))
    if not service and not (is_http and store_id is not None):
        raise Forbidden("http store must be enabled to use location API by normal user.")
    if store_id is None:
        raise InvalidInput(f"No store of this service holds data at {url}.")
    if is_http:
        web_download.check_url(url, what="add location")
    return store_id


def _task_create(context, image, url, validation, request_id):
    now = timezone.now()
    return Task.objects.create(
        id=str(uuid.uuid4()), type="location_import", owner=context.owner, image_id=image.pk,
        request_id=request_id, user_id=context.user_id, roles=sorted(context.roles), created_at=now,
        updated_at=now, input={"image_id": image.pk, "loc_url": url, "validation_data": validation})


def locations_listed(*, context, image_id):
    """GET /v2/images/{id}/locations (fetch_image_location: services): every copy's URL and metadata."""
    image = image_get(context, image_id, detail=False)
    enforce_image(context, "fetch_image_location", image)
    copies = image.locations.filter(status=LocationStatus.ACTIVE).order_by("id")
    return [{"url": copy.url, "metadata": locations.location_metadata(copy)} for copy in copies]
