"""Image data as files in one local directory.

A write goes to a hidden temporary file in the same directory and is renamed
over the final name once complete and synced, so a reader never sees half an
image and a failed upload leaves nothing behind.
"""
import logging
import os
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from images.stores.base import DataNotFound, Store, StoreError

log = logging.getLogger(__name__)


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
        data = self._file.read(size) if size else b""
        self.remaining -= len(data)
        return data

    def fileno(self):
        return self._file.fileno()

    def close(self):
        self._file.close()


class FilesystemStore(Store):
    scheme = "file"

    def __init__(self, directory):
        self.directory = Path(directory).resolve()

    @classmethod
    def from_settings(cls, settings):
        return cls(settings.IMAGE_FILESYSTEM_DIR)

    def _write(self, image_id, chunks):
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / image_id
        descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{image_id}.", suffix=".part")
        try:
            with os.fdopen(descriptor, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, final)
        except BaseException:
            _remove(Path(temporary))
            raise
        return final.as_uri()

    def get(self, location, offset=0, length=None):
        path = self._path(location)
        try:
            file = open(path, "rb")  # noqa: SIM115 - closed by FileSlice.close
        except FileNotFoundError:
            raise DataNotFound(f"No image data at {location}.") from None
        size = os.fstat(file.fileno()).st_size
        available = max(size - offset, 0)
        return FileSlice(file, offset, available if length is None else min(length, available))

    def delete(self, location):
        _remove(self._path(location))

    def discard_partial(self, image_id):
        for temporary in self.directory.glob(f".{image_id}.*.part"):
            _remove(temporary)

    def _path(self, location):
        parsed = urlparse(location)
        path = Path(unquote(parsed.path)).resolve()
        if parsed.scheme != self.scheme or path.parent != self.directory:
            raise StoreError(f"Location {location} is not in this store.")
        return path


def _remove(path):
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        log.exception("Could not remove image data at %s", path)
