"""The swift store driver against the real Swift of .ci/swift/start (tempauth)."""
import os
import tracemalloc
from datetime import datetime, timedelta, timezone

import pytest
from swiftclient.client import ClientException, get_object

from images.stores.errors import DataNotFound, StoreConfigurationError, StoreFull, StoreUnavailable
from images.stores.swift import SwiftStore
from tests.images.stores.conftest import MiB, chunked, native_swift, object_names

pytestmark = pytest.mark.swift

IMAGE_ID = "6f1c6a8e-9a63-4b8c-8f7f-2a0b5f3b9d11"
SEGMENTED = {"large_object_size": 5 * MiB, "large_object_chunk_size": 4 * MiB}


@pytest.fixture
def store(make_swift_store):
    return make_swift_store()


def read_all(readable, size=MiB):
    pieces = []
    while piece := readable.read(size):
        pieces.append(piece)
    readable.close()
    return b"".join(pieces)


def test_add_get_size_and_delete(store, swift, container_name):
    stored = store.add(IMAGE_ID, iter([b"hel", b"lo"]))
    assert (stored.url, stored.size) == (f"swift://objects/{container_name}/{IMAGE_ID}", 5)
    assert swift.get_object(container_name, IMAGE_ID)[1] == b"hello"
    assert store.get_size(stored.url) == 5
    assert read_all(store.get(stored.url)) == b"hello"
    store.delete(stored.url)
    store.delete(stored.url)
    assert object_names(swift, container_name) == []
    with pytest.raises(DataNotFound):
        store.get(stored.url)
    with pytest.raises(DataNotFound):
        store.get_size(stored.url)


def test_get_reads_a_window(store):
    url = store.add(IMAGE_ID, iter([b"0123456789"])).url
    window = store.get(url, 2, 3)
    assert (window.read(2), window.read(), window.read()) == (b"23", b"4", b"")
    window.close()
    assert store.get(url, 8, 100).read() == b"89"
    assert store.get(url, 10).read() == b"" and store.get(url, 4, 0).read() == b""


def test_empty_data(store):
    url = store.add(IMAGE_ID, iter([])).url
    assert (store.get_size(url), store.get(url).read()) == (0, b"")


def test_data_past_large_object_size_is_a_static_large_object(make_swift_store, swift, container_name):
    store = make_swift_store(**SEGMENTED)
    data = os.urandom(12 * MiB + 5)
    stored = store.add(IMAGE_ID, chunked(data))
    assert stored.size == len(data)
    headers = swift.head_object(container_name, IMAGE_ID)
    assert (headers["x-static-large-object"], int(headers["content-length"])) == ("True", len(data))
    segments = swift.get_container(f"{container_name}_segments")[1]
    assert [entry["bytes"] for entry in segments] == [5 * MiB, 4 * MiB, 3 * MiB + 5]
    assert read_all(store.get(stored.url)) == data
    assert store.get(stored.url, 5 * MiB - 3, 4 * MiB + 6).read(5 * MiB) == data[5 * MiB - 3:9 * MiB + 3]
    assert [(item.url, item.size) for item in store.iter_stored()] == [(stored.url, len(data))]
    store.delete(stored.url)
    assert object_names(swift, container_name) == object_names(swift, f"{container_name}_segments") == []


def failing_after(data):
    yield from chunked(data)
    raise RuntimeError("the source broke")


@pytest.mark.parametrize("sent", [3 * MiB, 11 * MiB], ids=["before-large-object-size", "after-spilling"])
def test_a_failed_add_leaves_nothing_and_passes_the_error_on(make_swift_store, swift, container_name, sent):
    store = make_swift_store(**SEGMENTED)
    with pytest.raises(RuntimeError, match="the source broke"):
        store.add(IMAGE_ID, failing_after(os.urandom(sent)))
    assert object_names(swift, container_name) == object_names(swift, f"{container_name}_segments") == []
    assert store.add(IMAGE_ID, iter([b"again"])).size == 5  # the store's connection still works


def test_discard_partial_removes_what_a_crashed_add_left(make_swift_store, swift, container_name):
    """A process killed after spilling leaves the first part at the image's name and segments."""
    store = make_swift_store(**SEGMENTED)
    swift.put_container(container_name)
    swift.put_container(f"{container_name}_segments")
    swift.put_object(container_name, IMAGE_ID, b"first part")
    swift.put_object(f"{container_name}_segments", f"{IMAGE_ID}/abc/00000000", b"first part")
    swift.put_object(f"{container_name}_segments", f"{IMAGE_ID}/abc/00000001", b"more")
    other = store.add("another-image", chunked(os.urandom(6 * MiB))).url
    store.discard_partial(IMAGE_ID)
    assert object_names(swift, container_name) == ["another-image"]
    assert {name.split("/")[0] for name in object_names(swift, f"{container_name}_segments")} == {"another-image"}
    assert store.get_size(other) == 6 * MiB
    store.discard_partial("never-stored")


def test_iter_stored_lists_every_image_object(store):
    store.add("a", iter([b"12"]))
    store.add("b", iter([b"345"]))
    assert sorted((item.url.rsplit("/", 1)[1], item.size) for item in store.iter_stored()) == [("a", 2), ("b", 3)]


def test_iter_stored_tells_when_each_object_was_written(store):
    before = datetime.now(timezone.utc) - timedelta(seconds=2)  # Swift's clock is this machine's
    store.add("a", iter([b"12"]))
    (item,) = store.iter_stored()
    assert before <= item.modified <= datetime.now(timezone.utc) + timedelta(seconds=2)


def test_multiple_containers_seed_puts_images_in_prefixed_containers(make_swift_store, swift, container_name):
    store = make_swift_store(multiple_containers_seed=3)
    first = store.add(IMAGE_ID, iter([b"one"]))
    second = store.add("abc-second", iter([b"two"]))
    assert object_names(swift, f"{container_name}_6f1") == [IMAGE_ID]
    assert object_names(swift, f"{container_name}_abc") == ["abc-second"]
    assert object_names(swift, container_name) == []
    assert store.get(first.url).read() == b"one" and store.get(second.url).read() == b"two"
    assert sorted(item.url for item in store.iter_stored()) == sorted([first.url, second.url])


@pytest.mark.parametrize("url", [
    "swift://other-store/{container}/" + IMAGE_ID,
    "swift://objects/elsewhere/" + IMAGE_ID,
    "swift://objects/{container}_segments/" + IMAGE_ID,
    "swift://objects/{container}/",
    "s3://objects/{container}/" + IMAGE_ID,
    "file:///etc/passwd",
])
def test_urls_outside_the_store_are_not_found(store, container_name, url):
    url = url.format(container=container_name)
    for call in (store.get, store.get_size, store.delete):
        with pytest.raises(DataNotFound, match="is not in store objects"):
            call(url)


def test_an_unreachable_swift_is_unavailable(make_swift_store, closed_port, container_name):
    store = make_swift_store(auth_url=f"http://127.0.0.1:{closed_port}/auth/v1.0")
    with pytest.raises(StoreUnavailable, match="The Swift store failed"):
        store.add(IMAGE_ID, iter([b"data"]))
    with pytest.raises(StoreUnavailable):
        store.get(f"swift://objects/{container_name}/{IMAGE_ID}")


def test_wrong_credentials_are_unavailable(make_swift_store):
    with pytest.raises(StoreUnavailable, match="refused the store's credentials"):
        make_swift_store(key="wrong").add(IMAGE_ID, iter([b"data"]))


def test_a_full_container_is_store_full(store, swift, container_name):
    swift.put_container(container_name, headers={"X-Container-Meta-Quota-Count": "0"})
    with pytest.raises(StoreFull) as refused:
        store.add(IMAGE_ID, iter([b"data"]))
    assert refused.value.status == 413
    assert object_names(swift, container_name) == []


def test_a_missing_container_is_created_unless_told_not_to(make_swift_store, swift, container_name):
    with pytest.raises(StoreUnavailable, match="does not exist .create_container_on_put is off"):
        make_swift_store(create_container_on_put=False).add(IMAGE_ID, iter([b"x"]))
    make_swift_store().add(IMAGE_ID, iter([b"x"]))
    assert object_names(swift, container_name) == [IMAGE_ID]


@pytest.mark.parametrize("user, key", [("SWIFT_OTHER_USER", "SWIFT_OTHER_KEY"),
                                       ("SWIFT_READER_USER", "SWIFT_READER_KEY")],
                         ids=["another-account", "same-account-not-admin"])
def test_the_data_is_visible_to_the_service_only(store, swift, swift_env, container_name, user, key):
    store.add(IMAGE_ID, iter([b"secret image"]))
    storage_url, _ = swift.get_auth()
    _, token = native_swift(swift_env, user, key).get_auth()
    with pytest.raises(ClientException) as refused:
        get_object(storage_url, token, container_name, IMAGE_ID)
    assert refused.value.http_status == 403


def test_properties_are_glances():
    store = SwiftStore("objects", auth_url="http://127.0.0.1:1/auth/v1.0", user="a:b", key="k", container="images")
    assert store.properties() == {"container": "images", "large_object_size": 5 * 1024 * MiB,
                                  "large_object_chunk_size": 200 * MiB}


def test_keystone_v3_options_make_a_scoped_session():
    store = SwiftStore("objects", auth_url="http://127.0.0.1:5000/v3", auth_version=3, user="glance", key="pw",
                       project="service", user_domain="users", project_domain="projects", region="RegionTwo",
                       endpoint_type="internal")
    options = store.connection_options()
    auth = options["session"].auth
    password = auth.auth_methods[0]
    assert (auth.auth_url, password.username, password.password, password.user_domain_name) == (
        "http://127.0.0.1:5000/v3", "glance", "pw", "users")
    assert (auth.project_name, auth.project_domain_name) == ("service", "projects")
    assert options["os_options"] == {"region_name": "RegionTwo", "endpoint_type": "internal"}


@pytest.mark.parametrize("options, message", [
    ({"user": ""}, "needs 'user'"),
    ({"auth_version": 2}, "auth_version must be 1 or 3"),
    ({"auth_version": 3}, "needs the 'project'"),
    ({"multiple_containers_seed": 33}, "multiple_containers_seed is 0 to 32"),
    ({"large_object_size": 6 * 1024 * MiB}, "1 byte to 5 GiB"),
    ({"colour": "red"}, "unknown option(s) colour"),
])
def test_bad_options_are_configuration_errors(options, message):
    with pytest.raises(StoreConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SwiftStore("objects", **{"auth_url": "http://127.0.0.1:1/auth/v1.0", "user": "a:b", "key": "k", **options})


def zeros(mebibytes):
    """Data made as it is read, so that only what the driver keeps shows in the peak."""
    for _ in range(mebibytes):
        yield bytes(MiB)


def test_memory_stays_bounded_both_ways(make_swift_store):
    store = make_swift_store(**SEGMENTED)
    store.add("warm-up", zeros(1))  # the first request sets up the client's connection and caches
    tracemalloc.start()
    try:
        url = store.add(IMAGE_ID, zeros(24)).url
        added = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        reader = store.get(url)
        assert sum(len(piece) for piece in iter(lambda: reader.read(MiB), b"")) == 24 * MiB
        reader.close()
        read = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert added < 4 * MiB, f"an upload of 24 MiB held {added / MiB:.1f} MiB (a few chunks, whatever the size)"
    assert read < 4 * MiB, f"a download of 24 MiB held {read / MiB:.1f} MiB"
