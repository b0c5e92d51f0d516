"""What an import records on its image, as Glance records it: reserved `os_glance_*` properties.

- `os_glance_import_task`: the id of the task holding the image's import lock;
- `os_glance_importing_to_stores` / `os_glance_failed_import`: comma-separated store ids still to
  be written / that failed (empty strings with a single store, as Glance writes them);
- `os_glance_stage_host`: the node holding staged data (hidden from every answer).

Callers hold the image's row lock; each function writes at once.
"""
from images.models import ImageProperty
from images.stores import registry

LOCK = "os_glance_import_task"
IMPORTING = "os_glance_importing_to_stores"
FAILED = "os_glance_failed_import"
STAGE_HOST = "os_glance_stage_host"


def get(image, name):
    return ImageProperty.objects.filter(image=image, name=name).values_list("value", flat=True).first()


def put(image, name, value):
    ImageProperty.objects.update_or_create(image=image, name=name, defaults={"value": value})


def pop(image, name):
    ImageProperty.objects.filter(image=image, name=name).delete()


def lock_holder(image):
    return get(image, LOCK)


def lock_take(image, task_id):
    put(image, LOCK, task_id)


def lock_drop(image, task_id):
    """Drop the lock if `task_id` holds it (another task may have busted a stale one meanwhile)."""
    ImageProperty.objects.filter(image=image, name=LOCK, value=task_id).delete()


def _shown_stores(stores):
    """Store ids as the properties list them: none with a single store, where Glance has no store ids."""
    return set(stores) if registry.several() else set()


def merge(image, name, stores, *, remove=False):
    """Add `stores` to (or remove them from) the comma-separated list in property `name`."""
    current = {store for store in (get(image, name) or "").split(",") if store}
    changed = current - _shown_stores(stores) if remove else current | _shown_stores(stores)
    put(image, name, ",".join(sorted(changed)))


def importing(image, stores):
    """An import of `stores` starts: they are to be written, and no longer failed."""
    merge(image, IMPORTING, stores)
    merge(image, FAILED, stores, remove=True)


def store_done(image, store, *, failed):
    merge(image, IMPORTING, [store], remove=True)
    if failed:
        merge(image, FAILED, [store])
