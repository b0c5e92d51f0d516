"""The file store driver and the registry of named stores, on real temporary directories."""
import os
import time
from datetime import datetime, timezone

import pytest

from images.stores import registry
from images.stores.errors import DataNotFound, ReadOnlyStore, StoreConfigurationError, StoreUnavailable
from images.stores.file import FileStore

IMAGE_ID = "6f1c6a8e-9a63-4b8c-8f7f-2a0b5f3b9d11"


@pytest.fixture
def store(tmp_path):
    return FileStore("local", directory=tmp_path / "images")


def test_add_returns_the_url_and_size(store):
    stored = store.add(IMAGE_ID, iter([b"hel", b"lo"]))
    assert (stored.url, stored.size) == ((store.directory / IMAGE_ID).as_uri(), 5)
    assert store.get_size(stored.url) == 5


def test_get_reads_a_window(store):
    url = store.add(IMAGE_ID, iter([b"0123456789"])).url
    assert store.get(url).read() == b"0123456789"
    window = store.get(url, 2, 3)
    assert (window.read(2), window.read(), window.read()) == (b"23", b"4", b"")
    window.close()
    assert store.get(url, 8, 100).read() == b"89"


def failing_chunks():
    yield b"some data"
    raise RuntimeError("the source broke")


def test_failed_add_leaves_no_file_and_passes_the_error_on(store):
    with pytest.raises(RuntimeError, match="the source broke"):
        store.add(IMAGE_ID, failing_chunks())
    assert list(store.directory.iterdir()) == []


def test_replacing_data_is_atomic(store):
    url = store.add(IMAGE_ID, iter([b"first"])).url
    store.add(IMAGE_ID, iter([b"second"]))
    assert store.get(url).read() == b"second"


def test_delete_is_idempotent_and_get_after_delete_is_not_found(store):
    url = store.add(IMAGE_ID, iter([b"x"])).url
    store.delete(url)
    store.delete(url)
    with pytest.raises(DataNotFound):
        store.get(url)
    with pytest.raises(DataNotFound):
        store.get_size(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "file:///tmp/../etc/hosts", "s3://bucket/key"])
def test_urls_outside_the_store_are_refused(store, url):
    with pytest.raises(DataNotFound, match="is not in store local"):
        store.get(url)
    with pytest.raises(DataNotFound):
        store.delete(url)


def test_read_only_store_refuses_add_with_glances_answer(store):
    store.read_only = True
    with pytest.raises(ReadOnlyStore) as refused:
        store.add(IMAGE_ID, iter([b"x"]))
    assert refused.value.status == 410
    assert "Adding images to store local is disabled" in refused.value.message


def test_iter_stored_lists_complete_data_only(store):
    store.add("a", iter([b"12"]))
    store.add("b", iter([b"345"]))
    (store.directory / ".c.x.part").write_bytes(b"partial")
    assert sorted((item.url.rsplit("/", 1)[1], item.size) for item in store.iter_stored()) == [("a", 2), ("b", 3)]


def test_iter_stored_tells_when_the_data_was_written(store):
    """The auditor's grace period for data nobody points at is measured from this."""
    url = store.add("a", iter([b"12"])).url
    past = time.time() - 7200
    os.utime(store.path_of(url), (past, past))
    (item,) = store.iter_stored()
    assert item.modified == datetime.fromtimestamp(past, timezone.utc)


def test_discard_partial_removes_only_that_images_leftovers(store):
    store.directory.mkdir(parents=True)
    (store.directory / f".{IMAGE_ID}.abc.part").write_bytes(b"x")
    (store.directory / ".other.abc.part").write_bytes(b"x")
    store.discard_partial(IMAGE_ID)
    assert [path.name for path in store.directory.iterdir()] == [".other.abc.part"]


# --- registry -------------------------------------------------------------------

def test_stores_are_named_and_built_once(settings, tmp_path):
    settings.IMAGE_STORES = {"fast": {"type": "file", "directory": str(tmp_path / "a"), "weight": 5},
                             "slow": {"type": "file", "directory": str(tmp_path / "b"), "description": "spinning"}}
    settings.IMAGE_DEFAULT_STORE = "slow"
    assert registry.store("fast") is registry.store("fast")
    assert registry.store("fast").directory == (tmp_path / "a").resolve()
    assert registry.chosen_store().store_id == "slow"
    assert (registry.entries()["fast"].weight, registry.entries()["slow"].description) == (5, "spinning")


def test_changed_settings_rebuild_the_stores(settings, tmp_path):
    settings.IMAGE_STORES = {"file": {"type": "file", "directory": str(tmp_path / "one")}}
    first = registry.store("file")
    settings.IMAGE_STORES = {"file": {"type": "file", "directory": str(tmp_path / "two")}}
    assert registry.store("file") is not first and registry.store("file").directory == (tmp_path / "two").resolve()


@pytest.mark.parametrize("stores, default, message", [
    ({"x": {"type": "tape"}}, "x", "IMAGE_STORES['x']: unknown store type 'tape'"),
    ({"x": {"type": "../etc"}}, "x", "IMAGE_STORES['x']: invalid store type"),
    ({"x": {"type": "registry"}}, "x", "IMAGE_STORES['x']: invalid store type"),
    ({"x": {"type": "pieces"}}, "x", "IMAGE_STORES['x']: invalid store type"),
    ({"x": {"type": "swift", "user": "a:b", "key": "k"}}, "x", "a swift store needs 'auth_url'"),
    ({"x": {"type": "s3", "access_key": "a"}}, "x", "an s3 store needs 'secret_key'"),
    ({"x": {"directory": "/tmp"}}, "x", "IMAGE_STORES['x'] must be an object with a 'type'"),
    ({"x": {"type": "file", "directory": "/tmp", "colour": "red"}}, "x", "unknown option(s) colour"),
    ({"x": {"type": "file"}}, "x", "a file store needs a 'directory'"),
    ({"x": {"type": "file", "directory": "/tmp"}}, "y", "IMAGE_DEFAULT_STORE='y' is not in IMAGE_STORES (x)"),
    ({}, "file", "IMAGE_STORES names no store"),
    ({"os_glance_staging_store": {"type": "file", "directory": "/tmp"}}, "os_glance_staging_store",
     "IMAGE_STORES names no store"),
])
def test_bad_configuration_names_the_entry_at_fault(stores, default, message, tmp_path):
    with pytest.raises(StoreConfigurationError) as refused:
        registry.build(stores, default, tmp_path)
    assert message in str(refused.value)


def test_unknown_store_ids(settings, tmp_path):
    settings.IMAGE_STORES = {"file": {"type": "file", "directory": str(tmp_path)}}
    with pytest.raises(StoreUnavailable, match="Store gone is not configured on this node"):
        registry.store("gone")
    with pytest.raises(Exception, match="Unknown scheme .gone. found in URI") as refused:
        registry.chosen_store("gone")
    assert refused.value.status == 400


def test_a_bad_configuration_stops_the_start_up(settings, tmp_path):
    """The system checks run before `manage.py serve` and `migrate`."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.IMAGE_STORES = {"file": {"type": "tape"}}
    settings.IMAGE_SCHEMA_FILE = str(tmp_path / "missing.json")
    with pytest.raises(SystemCheckError) as stopped:
        call_command("check")
    assert "unknown store type 'tape'" in str(stopped.value) and "missing.json" in str(stopped.value)
