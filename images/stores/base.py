"""The interface every image store driver implements.

A store keeps image data under URLs it hands out. It receives data already
counted, capped and hashed (images/pipeline.py): a driver only moves bytes.
Every method raises the faults of images/stores/errors.py, never an SDK's or
the operating system's exception.
"""
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from images.stores.errors import ReadOnlyStore, StoreConfigurationError

# Reads and writes of image data are this large. gunicorn hands a chunked body over in pieces
# of up to 1 MiB and copies what a smaller read leaves behind: 64 KiB reads cost a third of the
# upload throughput (bench/bench_images.py). The memory is per transfer, not per image.
CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class StoredData:
    """Where `add` put the data and what the store wants to remember about it."""

    url: str
    size: int
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StoredItem:
    """One piece of data a store holds (iter_stored)."""

    url: str
    size: int


class Store(ABC):
    """A named store: `store_id` from IMAGE_STORES, built once per process by the registry.

    Capabilities: `read_only` stores refuse `add` (ReadOnlyStore); stores without
    `random_access` serve only whole images (`get` with offset 0 and no length).
    """

    read_only = False
    random_access = True
    # Option name -> default; an option not listed here is a configuration error.
    options = {}

    def __init__(self, store_id, **options):
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            raise StoreConfigurationError(
                f"IMAGE_STORES[{store_id!r}]: unknown option(s) {', '.join(unknown)} for a "
                f"{type(self).__name__}; known: {', '.join(sorted(self.options)) or 'none'}.")
        self.store_id = store_id
        self.configure(**{**self.options, **options})

    def configure(self, **options):
        """Take the options (defaults filled in); raise StoreConfigurationError naming a bad one."""

    def owns(self, url):
        """Whether `url` names data in this store (a location a client adds must belong to a store)."""
        return False

    def properties(self):
        """What GET /v2/info/stores/detail shows of this store's configuration (Glance's keys per type)."""
        return {}

    def add(self, image_id, chunks):
        """Store every chunk `chunks` yields as the data of `image_id`; return StoredData.

        Either all of it is stored under the returned URL or nothing is left
        behind; an exception from `chunks` propagates unchanged. Raises
        ReadOnlyStore, StoreFull, StoreWriteDenied, StoreUnavailable.
        """
        if self.read_only:
            raise ReadOnlyStore(self.store_id)
        return self._add(image_id, chunks)

    @abstractmethod
    def _add(self, image_id, chunks):
        """`add` for a writable store."""

    @abstractmethod
    def get(self, url, offset=0, length=None):
        """A readable (read(n), close()) over `length` bytes from `offset` (to the end when None).

        Raises DataNotFound when nothing is at `url` or `url` is not this store's.
        """

    @abstractmethod
    def get_size(self, url):
        """The size in bytes of the data at `url`; DataNotFound when absent."""

    @abstractmethod
    def delete(self, url):
        """Remove the data at `url`; absent data is not an error (DataNotFound if `url` is not this store's)."""

    @abstractmethod
    def discard_partial(self, image_id):
        """Remove what an `add` of `image_id` cut short by a crash left behind, if the store keeps any."""

    @abstractmethod
    def iter_stored(self):
        """Every piece of complete data the store holds, as StoredItem (for the auditor)."""
