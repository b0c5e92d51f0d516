"""Image data as files in one local directory (store type "file").

A write goes to a hidden temporary file in the same directory and is renamed
over the final name once complete and synced, so a reader never sees half an
image and a failed upload leaves nothing behind.
"""
import errno
import logging
import os
import re
import tempfile
from datetime import datetime, timezone
from contextlib import contextmanager
from pathlib import Path
from stat import S_ISREG
from urllib.parse import unquote, urlparse

from images.stores.base import CHUNK_SIZE, PartialItem, Store, StoredData, StoredItem
from images.stores.errors import (DataNotFound, StoreConfigurationError, StoreFull, StoreUnavailable,
                                  StoreWriteDenied)

# What _add writes before renaming it to the image id (tempfile's random part in the middle).
PARTIAL = re.compile(r"\.(?P<image_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\..+\.part")
log = logging.getLogger(__name__)

FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


@contextmanager
def os_faults(what):
    """OSErrors of the store's own disk operations as store faults."""
    try:
        yield
    except FileNotFoundError as exc:
        raise DataNotFound(f"No image data at {what}.") from exc
    except OSError as exc:
        if exc.errno in FULL:
            raise StoreFull(exc) from exc
        if exc.errno in DENIED:
            raise StoreWriteDenied(exc) from exc
        raise StoreUnavailable(f"The file store failed at {what}: {exc}") from exc


class FileSlice:
    """A window of an open file: read() stops after `length` bytes.

    It exposes the file's descriptor, positioned at the window's start, so a
    WSGI server can hand the transfer to sendfile (bounded by Content-Length).
    """

    def __init__(self, file, offset, length):
        self._file = file
        self._file.seek(offset)
        self.remaining = length

    def read(self, size=-1):
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        with os_faults(self._file.name):
            data = self._file.read(size) if size else b""
        self.remaining -= len(data)
        return data

    def fileno(self):
        return self._file.fileno()

    def close(self):
        self._file.close()


class FileStore(Store):
    options = {"directory": None}

    def configure(self, directory):
        if not directory:
            raise StoreConfigurationError(f"IMAGE_STORES[{self.store_id!r}]: a file store needs a 'directory'.")
        self.directory = Path(directory).resolve()

    def properties(self):
        return {"data_dir": str(self.directory), "chunk_size": CHUNK_SIZE, "thin_provisioning": False}

    def check(self):
        if self.directory.is_dir() and os.access(self.directory, os.W_OK | os.X_OK):
            return
        if not self.directory.exists() and os.access(self.directory.parent, os.W_OK):
            return  # the first upload creates it
        raise StoreUnavailable(f"The file store's directory {self.directory} is not writable.")

    def _add(self, image_id, chunks):
        final = self.directory / image_id
        with os_faults(self.directory):
            self.directory.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{image_id}.", suffix=".part")
        try:
            with os.fdopen(descriptor, "wb") as out:
                size = _write_all(out, chunks, final)
            with os_faults(final):
                os.replace(temporary, final)
        except BaseException:
            _remove(Path(temporary))
            raise
        return StoredData(final.as_uri(), size)

    def get(self, url, offset=0, length=None):
        path = self._path(url)
        with os_faults(url):
            file = open(path, "rb")  # noqa: SIM115 - closed by FileSlice.close
            size = os.fstat(file.fileno()).st_size
        available = max(size - offset, 0)
        return FileSlice(file, offset, available if length is None else min(length, available))

    def get_size(self, url):
        with os_faults(url):
            return self._path(url).stat().st_size

    def delete(self, url):
        _remove(self._path(url))

    def discard_partial(self, image_id):
        for temporary in self.directory.glob(f".{image_id}.*.part"):
            _remove(temporary)

    def iter_stored(self):
        for entry, stat in self._files():
            if not entry.name.startswith("."):  # dot files: uploads still being written, or their leftovers
                yield StoredItem(Path(entry.path).as_uri(), stat.st_size, _mtime(stat))

    def iter_partial(self):
        for entry, stat in self._files():
            match = PARTIAL.fullmatch(entry.name)
            if match:
                yield PartialItem(match["image_id"], Path(entry.path).as_uri(), stat.st_size, _mtime(stat),
                                  key=(entry.path,))

    def remove_partial(self, item):
        _remove(Path(item.key[0]))  # an add that finished has renamed it: nothing is there

    def _files(self):
        """(entry, stat) of every regular file in the directory."""
        with os_faults(self.directory):
            entries = list(os.scandir(self.directory)) if self.directory.exists() else []
        for entry in entries:
            try:
                stat = entry.stat()
            except FileNotFoundError:
                continue  # removed since the directory was read
            if S_ISREG(stat.st_mode):
                yield entry, stat

    def owns(self, url):
        try:
            self._path(url)
        except DataNotFound:
            return False
        return True

    def path_of(self, url):
        """The local file holding the data at `url` (for tools that need a path, such as qemu-img)."""
        return self._path(url)

    def _path(self, url):
        parsed = urlparse(url)
        path = Path(unquote(parsed.path)).resolve()
        if parsed.scheme != "file" or path.parent != self.directory:
            raise DataNotFound(f"Location {url} is not in store {self.store_id} ({self.directory}).")
        return path


def _write_all(out, chunks, final):
    size = 0
    for chunk in chunks:
        with os_faults(final):
            out.write(chunk)
        size += len(chunk)
    with os_faults(final):
        out.flush()
        os.fsync(out.fileno())
    return size


def _mtime(stat):
    return datetime.fromtimestamp(stat.st_mtime, timezone.utc)


def _remove(path):
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        log.exception("Could not remove image data at %s", path)
DRIVER = FileStore
