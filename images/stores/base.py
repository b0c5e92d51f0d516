"""The interface every image store implements, and the streaming helpers they share.

A store keeps image data under a location (a URI it hands out). Drivers
implement `_write`, `get` and `delete`; `add` wraps the incoming stream so
that every driver hashes, counts and caps the data the same way, in one
pass and constant memory.
"""
import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass

from project.errors import InvalidInput, TooLarge

# Reads and writes of image data are this large. gunicorn hands a chunked body over in pieces
# of up to 1 MiB and copies what a smaller read leaves behind: 64 KiB reads cost a third of the
# upload throughput (bench/bench_images.py). The memory is per transfer, not per image.
CHUNK_SIZE = 1024 * 1024


class StoreError(Exception):
    """A store could not do what was asked (raised by drivers)."""


class DataNotFound(StoreError):
    """Nothing is stored at the location."""


class ReadOnlyStore(StoreError):
    """The store does not accept new data."""


@dataclass(frozen=True)
class StoredData:
    location: str
    size: int
    checksum: str
    hash_algo: str
    hash_value: str


class HashingReader:
    """Pulls chunks from a stream while counting and hashing them.

    Raises TooLarge as soon as more than `max_size` bytes arrive and
    InvalidInput when the client's stream breaks or ends at a size other
    than `expected_size`.
    """

    def __init__(self, stream, *, hash_algo, max_size=None, expected_size=None, chunk_size=CHUNK_SIZE):
        self.stream, self.chunk_size = stream, chunk_size
        self.max_size, self.expected_size = max_size, expected_size
        self.hash_algo = hash_algo
        self.size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._hash = hashlib.new(hash_algo)

    def chunks(self):
        while chunk := self._read():
            self.size += len(chunk)
            if self.max_size is not None and self.size > self.max_size:
                raise TooLarge(f"Image exceeds the maximum size of {self.max_size} bytes.")
            self._md5.update(chunk)
            self._hash.update(chunk)
            yield chunk
        if self.expected_size is not None and self.size != self.expected_size:
            raise InvalidInput(f"Image data size mismatch: {self.expected_size} bytes were announced, "
                               f"{self.size} were received.")

    def _read(self):
        try:
            return self.stream.read(self.chunk_size)
        except Exception as exc:
            # Dropped connections are OSErrors, but servers report malformed
            # chunked bodies with their own exception classes: all are the client's.
            raise InvalidInput(f"Error reading image data from the request: {exc}") from exc

    def stored(self, location):
        return StoredData(location, self.size, self._md5.hexdigest(), self.hash_algo, self._hash.hexdigest())


class Store(ABC):
    """Capability flags plus add/get/delete; see the filesystem driver for an example."""

    scheme = None
    read_only = False
    random_access = True

    def add(self, image_id, stream, *, hash_algo="sha512", max_size=None, expected_size=None):
        """Store everything `stream` yields for `image_id`; return a StoredData.

        Either the whole data is stored under the returned location or
        nothing is left behind (the reader's errors propagate unchanged).
        """
        if self.read_only:
            raise ReadOnlyStore(f"The {self.scheme} store is read-only.")
        reader = HashingReader(stream, hash_algo=hash_algo, max_size=max_size, expected_size=expected_size)
        location = self._write(image_id, reader.chunks())
        return reader.stored(location)

    @abstractmethod
    def _write(self, image_id, chunks):
        """Write the chunks atomically; return the location. Clean up if the iterator raises."""

    @abstractmethod
    def get(self, location, offset=0, length=None):
        """A readable (read(n), close()) over `length` bytes from `offset`; DataNotFound if absent."""

    @abstractmethod
    def discard_partial(self, image_id):
        """Remove what an upload of `image_id` cut short by a crash left behind (nothing by default)."""

    def delete(self, location):
        """Remove the data at `location`; absent data is not an error."""
