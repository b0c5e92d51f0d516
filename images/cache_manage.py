"""Managing this node's image cache: what the /v2/cache API and the cache_* commands call.

Glance's semantics (glance.image_cache and its centralized_db driver): listing, queueing for a
prefetch, removing, cleaning (invalid and stalled partial files) and pruning (least recently used
images out until the cache is under IMAGE_CACHE_MAX_SIZE).
"""
import fcntl
import logging
import os
import time
from contextlib import contextmanager

from django.conf import settings

from images import cache, jobs, locations, selectors
from images.access import ImageTarget
from images.cache import cached_path, incomplete_dir, node_queue_rows, node_rows
from images.choices import Status
from images.models import CachedImage, Image, QueuedImage
from images.stores.errors import StoreFault
from project.auth import policy
from project.errors import Forbidden, InvalidInput, NotFound

log = logging.getLogger(__name__)


def cached_listed():
    """This node's cached images as Glance lists them (times as POSIX timestamps)."""
    return [{"id": row.pk, "image_id": row.image_id, "last_accessed": row.last_accessed.timestamp(),
             "last_modified": row.last_modified.timestamp(), "size": row.size, "hits": row.hits,
             "checksum": row.checksum} for row in node_rows()]


def queued_listed():
    """Ids of the images queued on this node, oldest first."""
    return list(node_queue_rows().values_list("image_id", flat=True))


def is_known(image_id):
    return node_rows().filter(image_id=image_id).exists() or node_queue_rows().filter(image_id=image_id).exists()


def image_queue(image_id):
    """Queue an image for this node's prefetch (a job on this node's task queue fetches it).
    False when it is cached already."""
    if node_rows().filter(image_id=image_id).exists() and cached_path(image_id).exists():
        return False
    QueuedImage.objects.get_or_create(image_id=image_id, node=settings.NODE_NAME)
    jobs.cache_enqueue(image_id, jobs.node_queue(settings.NODE_NAME))
    return True


def image_prefetch(image_id):
    """Fetch one queued image into the cache; True when it is cached. A failure leaves it queued
    (for `manage.py cache_prefetch`); an image no longer active leaves the queue."""
    image = Image.objects.filter(pk=image_id, status=Status.ACTIVE).first()
    if image is None or not cache.serves(image):
        node_queue_rows().filter(image_id=image_id).delete()
        return False
    handle = cache.cached_open(image_id)
    if handle is not None:
        handle.close()
        queued_delete(image_id)
        return True
    try:
        _fill(image)
    except StoreFault as exc:
        log.warning("Image %s stays queued for the cache: %s", image_id, exc)
    return node_rows().filter(image_id=image_id).exists()


def _fill(image):
    readable = locations.image_data_open(image=image, offset=0, length=image.size)
    if readable is None:
        return
    stream = cache.caching_iter(image, readable)
    try:
        for _ in stream:
            pass  # cache_record takes it off the queue once the file is in place
    finally:
        stream.close()


def cached_delete(image_id):
    node_rows().filter(image_id=image_id).delete()
    cache.unlink_quietly(cached_path(image_id))


def queued_delete(image_id):
    node_queue_rows().filter(image_id=image_id).delete()


def cached_clear():
    """Remove every image cached on this node; how many files went."""
    removed = 0
    for path in cache_files():
        cache.unlink_quietly(path)
        removed += 1
    node_rows().delete()
    return removed


def queued_clear():
    return node_queue_rows().delete()[0]


def cache_files():
    """The cached files of this node (not the incomplete/ and locks/ directories)."""
    base = cache.base_dir()
    return [entry for entry in base.iterdir() if entry.is_file()] if base.is_dir() else []


@contextmanager
def _node_lock(name):
    """One prune (or clean) at a time on this node, from the API or a command (Glance's external locks)."""
    directory = cache.base_dir() / "locks"  # a directory: never taken for a cached file
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / name, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def cache_clean(stall_time=None):
    """Remove invalid files (a cached file without its row) and partial files not written to for
    IMAGE_CACHE_STALL_TIME seconds; how many files went."""
    with _node_lock("clean"):
        return _clean(stall_time)


def _clean(stall_time):
    stall_time = settings.IMAGE_CACHE_STALL_TIME if stall_time is None else stall_time
    recorded = set(node_rows().values_list("image_id", flat=True))
    invalid = [path for path in cache_files() if path.name not in recorded]
    directory = incomplete_dir()
    partial = [path for path in directory.iterdir() if path.is_file()] if directory.is_dir() else []
    stalled = [path for path in partial if path.stat().st_mtime < time.time() - stall_time]
    for path in invalid + stalled:
        log.info("Removing cache file %s", path)
        cache.unlink_quietly(path)
    return len(invalid) + len(stalled)


def cache_size():
    return sum(path.stat().st_size for path in cache_files())


def cache_prune():
    """Remove the least recently used cached images until the cache is under IMAGE_CACHE_MAX_SIZE;
    (files removed, bytes freed)."""
    with _node_lock("prune"):
        return _prune()


def _prune():
    current, files, freed = cache_size(), 0, 0
    while current > settings.IMAGE_CACHE_MAX_SIZE:
        row = node_rows().order_by("last_accessed", "id").first()
        if row is None:
            break
        size = _file_size(cached_path(row.image_id))
        cached_delete(row.image_id)
        current, files, freed = current - size, files + 1, freed + size
    return files, freed


def _file_size(path):
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


# --- the /v2/cache API ----------------------------------------------------------------
# As in Glance: the policy first (a bare 403), then whether this site has a cache at all (404).

DENIED = "Access was denied to this resource."


def _enforce(context, rule, image=None):
    target = ImageTarget(context, image) if image is not None else None
    if not policy.allowed(context, rule, target):
        raise Forbidden(DENIED)
    if not cache.enabled():
        raise NotFound("Caching via API is not supported at this site.")


def _visible(context, image_id):
    """The image if the caller may see it, else None (the cache may hold what the caller cannot see)."""
    image = selectors.images_visible_to(context).filter(pk=selectors.canonical_id(image_id)).first()
    if image is None or not policy.allowed(context, "get_image", ImageTarget(context, image)):
        return None
    return image


def cache_state(*, context):
    """GET /v2/cache: this node's cached and queued images."""
    _enforce(context, "cache_list")
    return {"cached_images": cached_listed(), "queued_images": queued_listed()}


def cache_image_queue(*, context, image_id):
    """PUT /v2/cache/{id}: queue an active image for this node's cache. NotFound, Forbidden, InvalidInput."""
    image = _visible(context, image_id)
    if image is None:
        raise NotFound(f"Image {image_id} not found.")
    _enforce(context, "cache_image", image)
    if image.status != Status.ACTIVE:
        raise InvalidInput("Only images with status active can be targeted for queueing")
    image_queue(image.pk)


def cache_entry_delete(*, context, image_id):
    """DELETE /v2/cache/{id}: the image out of this node's cache and queue (even an image since deleted)."""
    image = _visible(context, image_id)
    if image is None and not (cache.enabled() and is_known(image_id)):
        raise NotFound(f"Image {image_id} not found.")
    _enforce(context, "cache_delete", image)
    image_id = image.pk if image is not None else image_id
    cached_delete(image_id)
    queued_delete(image_id)


CLEAR_TARGETS = ("", "cache", "queue")


def cache_clear(*, context, target):
    """DELETE /v2/cache: the cache, the queue, or (target empty) both; how many of each went."""
    _enforce(context, "cache_delete")
    target = target.lower()
    if target not in CLEAR_TARGETS:
        raise InvalidInput("If provided 'x-image-cache-clear-target' must be 'cache', 'queue' or empty string.")
    result = {"cache_deleted": cached_clear()} if target in ("", "cache") else {}
    return {**result, "queue_deleted": queued_clear()} if target in ("", "queue") else result


def cache_clean_api(*, context):
    """POST /v2/cache/clean."""
    _enforce(context, "cache_clean")
    return cache_clean()


def cache_prune_api(*, context):
    """POST /v2/cache/prune: {"total_files_pruned", "total_bytes_pruned"}."""
    _enforce(context, "cache_prune")
    files, freed = cache_prune()
    return {"total_files_pruned": files, "total_bytes_pruned": freed}


def cache_nodes(*, context, image_id):
    """GET /v2/cache/nodes/{id}: the nodes that have the image cached."""
    _enforce(context, "list_cached_nodes")
    if _visible(context, image_id) is None:
        raise NotFound(f"Image {image_id} not found.")
    return list(CachedImage.objects.filter(image_id=image_id).values_list("node", flat=True))
