"""The rbd store driver against the real one-node Ceph of .ci/ceph/start; the `rbd` command checks the pool."""
import os
import tracemalloc
from datetime import datetime, timedelta, timezone

import pytest

from images.stores.errors import DataInUse, DataNotFound, StoreConfigurationError, StoreUnavailable
from tests.images.stores.conftest import chunked
from tests.images.stores.rbd_support import MiB, clone, images_in_pool, rbd_cli, snapshots
from tests.images.stores.rbd_support import make_rbd_store, new_id  # noqa: F401  (fixtures)
from tests.support.ceph_server import ceph_env  # noqa: F401  (a fixture)

pytestmark = pytest.mark.ceph


@pytest.fixture
def store(make_rbd_store):  # noqa: F811
    return make_rbd_store()


def read_all(readable, size=MiB):
    pieces = []
    while piece := readable.read(size):
        pieces.append(piece)
    readable.close()
    return b"".join(pieces)


def info(env, name):
    return rbd_cli(env, "info", "--format", "json", f"{env['CEPH_POOL']}/{name}")


def test_add_get_size_and_delete(store, new_id, ceph_env):  # noqa: F811
    image_id = new_id()
    stored = store.add(image_id, iter([b"hel", b"lo"]))
    assert (stored.url, stored.size) == (f"rbd://{ceph_env['CEPH_FSID']}/{ceph_env['CEPH_POOL']}/{image_id}/snap", 5)
    assert image_id in images_in_pool(ceph_env)
    assert snapshots(ceph_env, image_id) == [("snap", "true")]
    assert (store.get_size(stored.url), read_all(store.get(stored.url))) == (5, b"hello")
    store.delete(stored.url)
    store.delete(stored.url)
    assert image_id not in images_in_pool(ceph_env)
    with pytest.raises(DataNotFound):
        store.get(stored.url)
    with pytest.raises(DataNotFound):
        store.get_size(stored.url)


def test_get_reads_a_window(store, new_id):  # noqa: F811
    url = store.add(new_id(), iter([b"0123456789"])).url
    window = store.get(url, 2, 3)
    assert (window.read(2), window.read(), window.read()) == (b"23", b"4", b"")
    window.close()
    assert store.get(url, 8, 100).read() == b"89"
    assert store.get(url, 10).read() == b"" and store.get(url, 4, 0).read() == b""


def test_empty_data(store, new_id, ceph_env):  # noqa: F811
    image_id = new_id()
    url = store.add(image_id, iter([])).url
    assert (store.get_size(url), store.get(url).read(), info(ceph_env, image_id)["size"]) == (0, b"", 0)


def test_data_of_unknown_size_grows_the_image_and_is_trimmed_to_it(make_rbd_store, new_id, ceph_env):  # noqa: F811
    store, image_id, data = make_rbd_store(chunk_size=1), new_id(), os.urandom(21 * MiB + 5)
    stored = store.add(image_id, chunked(data))
    described = info(ceph_env, image_id)
    assert (stored.size, described["size"], described["object_size"]) == (len(data), len(data), MiB)
    assert "layering" in described["features"]
    assert read_all(store.get(stored.url)) == data
    assert store.get(stored.url, 5 * MiB - 3, 4 * MiB + 6).read() == data[5 * MiB - 3:9 * MiB + 3]


def used_bytes(env, name):
    return rbd_cli(env, "du", "--format", "json", f"{env['CEPH_POOL']}/{name}")["images"][-1]["used_size"]


@pytest.mark.parametrize(("thin", "used"), [(True, 1 * MiB), (False, 9 * MiB)])
def test_thin_provisioning_leaves_chunks_of_zeros_unwritten(make_rbd_store, new_id, ceph_env, thin, used):  # noqa: F811
    store, image_id = make_rbd_store(chunk_size=1, thin_provisioning=thin), new_id()
    data = bytes(4 * MiB) + b"x" * MiB + bytes(4 * MiB)
    url = store.add(image_id, chunked(data)).url
    assert used_bytes(ceph_env, f"{image_id}@snap") == used
    assert read_all(store.get(url)) == data


def failing_after(data):
    yield from chunked(data)
    raise RuntimeError("the source broke")


def test_a_failing_source_leaves_no_image_and_its_error_passes(store, new_id, ceph_env):  # noqa: F811
    image_id = new_id()
    with pytest.raises(RuntimeError, match="the source broke"):
        store.add(image_id, failing_after(os.urandom(3 * MiB)))
    assert image_id not in images_in_pool(ceph_env)


def test_an_upload_holds_two_rados_objects_at_most(make_rbd_store, new_id):  # noqa: F811
    store = make_rbd_store(chunk_size=4)
    chunk = os.urandom(MiB)
    tracemalloc.start()
    try:
        stored = store.add(new_id(), (chunk for _ in range(64)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The object being written, the next one being gathered, a chunk read ahead.
    assert stored.size == 64 * MiB and peak < 2 * 4 * MiB + 2 * MiB


@pytest.mark.parametrize("release", ["rm", "flatten"])
def test_a_clone_of_the_snapshot_keeps_the_data_until_it_is_released(store, new_id, ceph_env, release):  # noqa: F811
    image_id = new_id()
    url = store.add(image_id, iter([b"base image"])).url
    clone(ceph_env, image_id, f"{image_id}-child")
    with pytest.raises(DataInUse, match=f"{image_id}-child"):
        store.ensure_removable(url)
    with pytest.raises(DataInUse, match="in use through the backend store"):
        store.delete(url)
    assert snapshots(ceph_env, image_id) == [("snap", "true")]
    assert read_all(store.get(url)) == b"base image"
    rbd_cli(ceph_env, release, f"{ceph_env['CEPH_POOL']}/{image_id}-child")
    store.ensure_removable(url)
    store.delete(url)
    assert image_id not in images_in_pool(ceph_env)


def test_discard_partial_removes_what_a_crashed_upload_left(store, new_id, ceph_env):  # noqa: F811
    image_id = new_id()
    rbd_cli(ceph_env, "create", "--size", "4M", f"{ceph_env['CEPH_POOL']}/{image_id}")  # no snapshot yet
    store.discard_partial(image_id)
    store.discard_partial(image_id)
    assert image_id not in images_in_pool(ceph_env)


def test_iter_stored_lists_complete_images_only(store, new_id, ceph_env):  # noqa: F811
    complete, partial = new_id(), new_id()
    url = store.add(complete, iter([b"12345"])).url
    rbd_cli(ceph_env, "create", "--size", "1M", f"{ceph_env['CEPH_POOL']}/{partial}")
    listed = {item.url: item.size for item in store.iter_stored() if complete in item.url or partial in item.url}
    assert listed == {url: 5}



def test_iter_partial_lists_images_without_the_snapshot_and_remove_partial_keeps_finished_ones(
        store, new_id, ceph_env):  # noqa: F811
    """An add that died before its snapshot left an RBD image no restart of that node removed."""
    complete, crashed = new_id(), new_id()
    store.add(complete, iter([b"12345"]))
    rbd_cli(ceph_env, "create", "--size", "1M", f"{ceph_env['CEPH_POOL']}/{crashed}")
    (item,) = [item for item in store.iter_partial() if item.image_id in (complete, crashed)]
    assert (item.image_id, item.size, item.url) == (crashed, MiB, store._url(crashed))
    assert abs((datetime.now(timezone.utc) - item.modified).total_seconds()) < 60
    rbd_cli(ceph_env, "snap", "create", f"{ceph_env['CEPH_POOL']}/{crashed}@snap")  # its add finished after all
    store.remove_partial(item)
    assert crashed in images_in_pool(ceph_env)
    rbd_cli(ceph_env, "snap", "rm", f"{ceph_env['CEPH_POOL']}/{crashed}@snap")
    store.remove_partial(item)
    store.remove_partial(item)  # gone already: nothing to do
    assert crashed not in images_in_pool(ceph_env) and complete in images_in_pool(ceph_env)


def test_iter_stored_tells_when_each_image_was_written(store, new_id):
    before = datetime.now(timezone.utc) - timedelta(seconds=2)  # whole seconds, this machine's clock
    image_id = new_id()
    store.add(image_id, iter([b"12"]))
    (item,) = [item for item in store.iter_stored() if image_id in item.url]
    assert before <= item.modified <= datetime.now(timezone.utc) + timedelta(seconds=2)


def test_locations_of_another_cluster_or_pool_are_not_its_own(store, new_id, ceph_env):  # noqa: F811
    url = store.add(new_id(), iter([b"x"])).url
    assert store.owns(url)
    for foreign in (url.replace(ceph_env["CEPH_FSID"], "00000000-0000-0000-0000-000000000000"),
                    url.replace(f"/{ceph_env['CEPH_POOL']}/", "/volumes/"), url.rpartition("/")[0],
                    url.replace("rbd://", "swift://")):
        assert not store.owns(foreign)
        with pytest.raises(DataNotFound):
            store.get(foreign)


def test_properties_are_glances(make_rbd_store, ceph_env):  # noqa: F811
    assert make_rbd_store(chunk_size=4, thin_provisioning=True).properties() == {
        "chunk_size": 4 * MiB, "pool": ceph_env["CEPH_POOL"], "thin_provisioning": True, "fsid": ceph_env["CEPH_FSID"]}


def test_a_fresh_connection_reads_locations_at_once(make_rbd_store, new_id, ceph_env):  # noqa: F811
    # librados answers zeros for the fsid on about a third of fresh connections, until the maps arrive:
    # a worker's first download must not find "no image data" for that.
    url = make_rbd_store().add(new_id(), iter([b"x"])).url
    assert url.startswith(f"rbd://{ceph_env['CEPH_FSID']}/")
    assert [make_rbd_store().get_size(url) for _ in range(12)] == [1] * 12


@pytest.mark.parametrize("chunk_size", [0, 3, -8])
def test_chunk_size_is_a_power_of_two(make_rbd_store, chunk_size):  # noqa: F811
    with pytest.raises(StoreConfigurationError, match="chunk_size is a power of two"):
        make_rbd_store(chunk_size=chunk_size)


def test_a_missing_pool_is_unavailable_and_named(make_rbd_store):  # noqa: F811
    store = make_rbd_store(pool="no-such-pool")
    with pytest.raises(StoreUnavailable, match="pool no-such-pool .* does not exist"):
        store.check()
    with pytest.raises(StoreUnavailable, match="pool no-such-pool"):
        store.add("8b5ac1f0-0000-4000-8000-000000000000", iter([b"x"]))


def test_an_unreachable_cluster_is_unavailable(make_rbd_store, tmp_path, ceph_env):  # noqa: F811
    conf = tmp_path / "ceph.conf"
    conf.write_text("[global]\nmon host = 127.0.0.1:1\nauth client required = none\n")
    store = make_rbd_store(ceph_conf=str(conf), connect_timeout=2)
    with pytest.raises(StoreUnavailable, match=f"Cannot connect to the Ceph cluster of store ceph \\({conf}\\)"):
        store.check()
    assert store.properties()["fsid"] is None
