"""The interface every image store driver implements.

A store keeps image data under URLs it hands out. It receives data already
counted, capped and hashed (images/pipeline.py): a driver only moves bytes.
Every method raises the faults of images/stores/errors.py, never an SDK's or
the operating system's exception.
"""
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime

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
    """One piece of data a store holds (iter_stored); `modified` (aware, UTC) tells the auditor how old
    data nobody points at is, so that it never removes what an upload is about to record."""

    url: str
    size: int
    modified: datetime = None


@dataclass(frozen=True)
class PartialItem:
    """What an `add` of image `image_id` cut short left in a store and nothing removed since (its process
    died for good), for the auditor: `url` names it in the store's words, `key` is what remove_partial
    needs to find it again."""

    image_id: str
    url: str
    size: int = None
    modified: datetime = None
    key: tuple = ()


class Store(ABC):
    """A named store: `store_id` from IMAGE_STORES, built once per process by the registry.

    Capabilities: `read_only` stores refuse `add` (ReadOnlyStore); stores without
    `random_access` serve only whole images (`get` with offset 0 and no length).
    """

    read_only = False
    random_access = True
    # Whether iter_stored lists everything the store holds for this service (the auditor walks it).
    listable = True
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

    def ensure_removable(self, url):
        """Raise DataInUse when something outside the service still uses the data at `url` (asked
        before an image is deleted, so that it stays intact: stores without such uses never raise)."""

    @abstractmethod
    def discard_partial(self, image_id):
        """Remove what an `add` of `image_id` cut short by a crash left behind, if the store keeps any."""

    def check(self):
        """Raise a StoreFault when the store cannot take or serve data now (the health check asks)."""

    def iter_partial(self):
        """Every PartialItem the store holds: nothing, for stores whose adds leave nothing behind."""
        return iter(())

    def remove_partial(self, item):
        """Remove one PartialItem, unless it has since become complete data (the add was alive after all)."""

    @abstractmethod
    def iter_stored(self):
        """Every piece of complete data the store holds, as StoredItem with its size and modification time
        (for the auditor)."""
