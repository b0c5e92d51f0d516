"""What a store driver raises: every store fault is a domain error with Glance's answer.

Drivers translate their SDK's or the operating system's failures into these,
so the one exception handler answers them (never a 500) and services can
tell a full disk from a client's broken stream.
"""
from project.errors import Conflict, DomainError, Gone, NotFound, ServiceUnavailable, TooLarge


class StoreFault(DomainError):
    """Base of the faults below (never raised itself)."""


class StoreUnavailable(StoreFault, ServiceUnavailable):
    """The store cannot be reached or failed (503)."""


class StoreWriteDenied(StoreUnavailable):
    """The store refuses writes: permissions or a read-only medium (503, as Glance)."""

    def __init__(self, detail):
        super().__init__(f"Insufficient permissions on image storage media: {detail}")


class StoreFull(StoreFault, TooLarge):
    """No space (or the store's own quota) left for the data (413)."""

    def __init__(self, detail):
        super().__init__(f"Image storage media is full: {detail}")


class DataNotFound(StoreFault, NotFound):
    """Nothing is stored at the location, or the location is not this store's (404)."""


class DataInUse(StoreFault, Conflict):
    """Something outside the service still uses the data (an RBD clone of it): 409, Glance's InUseByStore."""

    def __init__(self, detail):
        super().__init__("The image cannot be deleted because it is in use through the backend store outside "
                         f"of Glance ({detail}).")


class ReadOnlyStore(StoreFault, Gone):
    """The store does not accept new data (410, as Glance answers an upload to such a store)."""

    def __init__(self, store_id):
        super().__init__(f"Error in store configuration. Adding images to store {store_id} is disabled.")


class StoreConfigurationError(Exception):
    """IMAGE_STORES names an unknown type or option; raised when the registry is built."""
