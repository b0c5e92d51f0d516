"""The configured stores: IMAGE_STORES (id -> type and options), each driver built once per process.

A store's type names its driver module (`images.stores.<type>`, whose DRIVER is
the class), so a new kind of store is one module plus one IMAGE_STORES entry.
The registry is rebuilt when a test changes the settings it is made from.
"""
import re
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from images.stores.errors import StoreConfigurationError, StoreUnavailable
from project.errors import InvalidInput

# Ids Glance reserves for its own stores (the staging store of import): never listed, never chosen.
RESERVED_PREFIX = "os_glance_"
STAGING_STORE = "os_glance_staging_store"
# Keys of an IMAGE_STORES entry that describe the store rather than configure its driver.
ENTRY_KEYS = {"type": None, "description": "", "weight": 0}
NOT_DRIVERS = {"base", "errors", "pieces", "registry"}
SOURCE_SETTINGS = {"IMAGE_STORES", "IMAGE_DEFAULT_STORE", "STAGING_DIR"}

_built = None


@dataclass(frozen=True)
class StoreEntry:
    id: str
    type: str
    description: str
    weight: int
    driver: object


def _driver_class(store_id, type_name):
    if not isinstance(type_name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", type_name) or type_name in NOT_DRIVERS:
        raise StoreConfigurationError(f"IMAGE_STORES[{store_id!r}]: invalid store type {type_name!r}.")
    module = f"images.stores.{type_name}"
    try:
        return import_module(module).DRIVER
    except ModuleNotFoundError as exc:
        if exc.name != module:  # the driver exists but its SDK is not installed: say that, not "unknown"
            raise StoreConfigurationError(f"IMAGE_STORES[{store_id!r}]: the {type_name} driver needs {exc.name!r}, "
                                          "which is not installed.") from None
        raise StoreConfigurationError(f"IMAGE_STORES[{store_id!r}]: unknown store type {type_name!r}.") from None


def _entry(store_id, config):
    if not isinstance(config, dict) or "type" not in config:
        raise StoreConfigurationError(f"IMAGE_STORES[{store_id!r}] must be an object with a 'type'.")
    described = {key: config.get(key, default) for key, default in ENTRY_KEYS.items()}
    options = {key: value for key, value in config.items() if key not in ENTRY_KEYS}
    driver = _driver_class(store_id, described["type"])(store_id, **options)
    return StoreEntry(store_id, described["type"], described["description"], int(described["weight"]), driver)


def build(stores_setting, default_id, staging_dir):
    """Every store of `stores_setting`, and the staging store (a file store in `staging_dir` unless
    configured); StoreConfigurationError naming the entry at fault."""
    if not any(not store_id.startswith(RESERVED_PREFIX) for store_id in stores_setting):
        raise StoreConfigurationError("IMAGE_STORES names no store.")
    stores_setting = {STAGING_STORE: {"type": "file", "directory": str(staging_dir)}, **stores_setting}
    entries = {store_id: _entry(store_id, config) for store_id, config in stores_setting.items()}
    if default_id not in entries or default_id.startswith(RESERVED_PREFIX):
        raise StoreConfigurationError(f"IMAGE_DEFAULT_STORE={default_id!r} is not in IMAGE_STORES "
                                      f"({', '.join(sorted(stores_setting.keys() - {STAGING_STORE}))}).")
    return entries


def entries():
    """StoreEntry by store id, built on first use in this process."""
    global _built
    if _built is None:
        _built = build(settings.IMAGE_STORES, settings.IMAGE_DEFAULT_STORE, settings.STAGING_DIR)
    return _built


def image_stores():
    """The stores that keep images (every store but the reserved ones), by id."""
    return {store_id: entry for store_id, entry in entries().items() if not store_id.startswith(RESERVED_PREFIX)}


def several():
    """Whether more than one store is configured: Glance's multi-store, where images show their `stores`."""
    return len(image_stores()) > 1


def store_for_url(url):
    """The id of the image store holding data at `url` (a location a client names), or None."""
    return next((store_id for store_id, entry in image_stores().items() if entry.driver.owns(url)), None)


def staging():
    """The staging store: stage and the working copies of imports."""
    return store(STAGING_STORE)


@receiver(setting_changed)
def _settings_changed(*, setting, **kwargs):
    global _built
    if setting in SOURCE_SETTINGS:
        _built = None


def store(store_id):
    """The driver of a configured store; StoreUnavailable (503) for one no longer configured."""
    try:
        return entries()[store_id].driver
    except KeyError:
        raise StoreUnavailable(f"Store {store_id} is not configured on this node.") from None


def chosen_store(store_id=None):
    """The store a client asked for (400 if unknown), or the default store."""
    if store_id is None:
        return store(settings.IMAGE_DEFAULT_STORE)
    if store_id not in image_stores():
        raise InvalidInput(f"Unknown scheme '{store_id}' found in URI")  # glance_store's words
    return store(store_id)
