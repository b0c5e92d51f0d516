"""This node's image cache: Glance's image cache with its centralized_db driver.

The files are on this node's disk (IMAGE_CACHE_DIR/<image id>); what each node holds is recorded
in the shared database (CachedImage, QueuedImage, one row per image and node). A file counts only
with its row and a row only with its file: either alone is absent, and is removed when found.

A download of a whole active image fills the cache as it streams: the bytes also go to a temporary
file of this download's own (incomplete/<id>.<random>), renamed into place only when every byte came
and the md5 equals the image's checksum. Concurrent fills of one image thus each write their own
file, and the last rename wins with a good copy; the unique (image, node) row is made once.
"""
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from images import locations
from images.choices import Status
from images.models import CachedImage, Image, QueuedImage
from images.stores.base import CHUNK_SIZE
from project.observability import metrics

log = logging.getLogger(__name__)

INCOMPLETE = "incomplete"


def enabled():
    return bool(settings.IMAGE_CACHE_DIR)


def base_dir():
    return Path(settings.IMAGE_CACHE_DIR)


def cached_path(image_id):
    # Image ids are canonical UUIDs (selectors.canonical_id), safe as file names.
    return base_dir() / image_id


def incomplete_dir():
    return base_dir() / INCOMPLETE


def node_rows():
    return CachedImage.objects.filter(node=settings.NODE_NAME)


def node_queue_rows():
    return QueuedImage.objects.filter(node=settings.NODE_NAME)


def unlink_quietly(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


# --- serving -----------------------------------------------------------------------

def serves(image):
    """Whether a whole download of `image` goes through the cache: only active images with a checksum
    to verify a fill against (deactivated images, like byte ranges, bypass it, as in Glance)."""
    return enabled() and image.status == Status.ACTIVE and bool(image.checksum) and image.size is not None


def image_data_read(*, image):
    """A readable or iterable over the whole image's data: the cached file (a hit counted), else the
    store's data teed into the cache. None when the image has no data."""
    handle = cached_open(image.pk)
    metrics.CACHE_LOOKUPS.labels(result="miss" if handle is None else "hit").inc()
    if handle is not None:
        metrics.DOWNLOADED.labels(source="cache").inc(image.size)
        return handle
    readable = locations.image_data_open(image=image, offset=0, length=image.size)
    return None if readable is None else caching_iter(image, readable)


def cached_open(image_id):
    """This node's cached file of `image_id` opened for reading, a hit counted; None when absent."""
    row = node_rows().filter(image_id=image_id).first()
    if row is None:
        unlink_quietly(cached_path(image_id))  # a file without its row: its image was deleted meanwhile
        # (or, rarely, a fill between its rename and its row: that copy is lost and filled again)
        return None
    try:
        handle = open(cached_path(image_id), "rb")
    except FileNotFoundError:
        row.delete()
        return None
    if os.fstat(handle.fileno()).st_size != row.size:  # damaged on disk: never serve a short copy
        handle.close()
        row.delete()
        unlink_quietly(cached_path(image_id))
        return None
    node_rows().filter(pk=row.pk).update(hits=F("hits") + 1, last_accessed=timezone.now())
    return handle


def caching_iter(image, readable):
    """The chunks of `readable`, also written to the cache; the download goes on if the cache fails."""
    return CachingStream(image, readable)


class CachingStream:
    """An iterator over a store's data that fills the cache on the way. Closing it (Django closes a
    response's content, whether the client read it all or went away) closes the store's readable
    too, even when iteration never began."""

    def __init__(self, image, readable):
        self.readable = readable
        self.chunks = _teed_chunks(image, readable)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.chunks)

    def close(self):
        self.chunks.close()
        self.readable.close()


def _teed_chunks(image, readable):
    writer = CacheWriter.open(image)
    try:
        while chunk := readable.read(CHUNK_SIZE):
            if writer is not None:
                writer.write(chunk)
                if writer.size >= image.size:
                    # Kept before the last bytes go out: a client that has the whole image finds it cached.
                    writer.commit()
                    writer.discard()
                    writer = None
            yield chunk
        if writer is not None:
            writer.commit()  # a short read (or an empty image): commit() tells
    finally:
        # Reached too when the client went away (the stream is closed early): nothing is kept.
        if writer is not None:
            writer.discard()


class CacheWriter:
    """One fill's temporary file; commit() keeps it only when it is the image's whole, verified data."""

    def __init__(self, image, handle):
        self.image, self.handle, self.size = image, handle, 0
        self.digest = hashlib.md5(usedforsecurity=False)
        self.failed = False

    @classmethod
    def open(cls, image):
        try:
            incomplete_dir().mkdir(parents=True, exist_ok=True)
            handle = tempfile.NamedTemporaryFile(dir=incomplete_dir(), prefix=f"{image.pk}.", delete=False)
        except OSError as exc:
            log.warning("Image %s is not cached: %s", image.pk, exc)
            return None
        return cls(image, handle)

    def write(self, chunk):
        self.digest.update(chunk)
        self.size += len(chunk)
        if self.failed:
            return
        try:
            self.handle.write(chunk)
        except OSError as exc:  # a full cache disk must not break the download
            log.warning("Image %s is not cached: %s", self.image.pk, exc)
            self.failed = True

    def commit(self):
        self.handle.close()
        if self.failed or self.size != self.image.size or self.digest.hexdigest() != self.image.checksum:
            log.warning("Image %s is not cached: the data read does not match its size and checksum", self.image.pk)
            return
        try:
            os.replace(self.handle.name, cached_path(self.image.pk))
            cache_record(self.image, self.size)
        except (OSError, DatabaseError) as exc:
            # Before the last chunk goes out: whatever the cache meets (the database away), the download
            # goes on. A file without its row would count as absent anyway.
            log.warning("Image %s is not cached: %s", self.image.pk, exc)
            unlink_quietly(self.handle.name)
            unlink_quietly(cached_path(self.image.pk))

    def discard(self):
        self.handle.close()
        unlink_quietly(self.handle.name)


def cache_record(image, size):
    """The row of a file just renamed into place; the image deleted or deactivated meanwhile loses it again."""
    now = timezone.now()
    try:
        with transaction.atomic():
            CachedImage.objects.get_or_create(image_id=image.pk, node=settings.NODE_NAME, defaults={
                "size": size, "checksum": image.checksum, "last_accessed": now, "last_modified": now})
    except IntegrityError:
        pass  # another fill of the same image made the row first: its file and ours are the same bytes
    node_queue_rows().filter(image_id=image.pk).delete()
    if not Image.objects.filter(pk=image.pk, status=Status.ACTIVE).exists():
        image_uncache(image.pk)


def image_uncache(image_id):
    """An image deleted or deactivated: its rows go for every node, and this node's file. Other
    nodes' files, without their rows now, count as absent and go when next looked up or cleaned."""
    CachedImage.objects.filter(image_id=image_id).delete()
    QueuedImage.objects.filter(image_id=image_id).delete()
    if enabled():
        unlink_quietly(cached_path(image_id))
