"""Which store drivers exist and which one new data goes to, read from settings at call time."""
from urllib.parse import urlparse

from django.conf import settings
from django.utils.module_loading import import_string

from images.stores.base import StoreError

DRIVERS = {"file": "images.stores.filesystem.FilesystemStore"}


def store_named(scheme):
    try:
        driver = import_string(DRIVERS[scheme])
    except KeyError:
        raise StoreError(f"Unknown image store {scheme!r}; known: {', '.join(sorted(DRIVERS))}.") from None
    return driver.from_settings(settings)


def default_store():
    """The store new image data is written to (settings.IMAGE_DEFAULT_STORE)."""
    return store_named(settings.IMAGE_DEFAULT_STORE)


def store_for(location):
    """The store that handed out `location`."""
    return store_named(urlparse(location).scheme)
