"""The s3 store driver against the real Swift s3api of .ci/swift/start (signature v4)."""
import os
import tracemalloc
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from images.stores.errors import DataNotFound, StoreConfigurationError, StoreFull, StoreUnavailable
from images.stores.s3 import S3Store
from tests.images.stores.conftest import MiB, chunked, native_s3

pytestmark = pytest.mark.swift

IMAGE_ID = "6f1c6a8e-9a63-4b8c-8f7f-2a0b5f3b9d11"
MULTIPART = {"large_object_size": 5 * MiB, "large_object_chunk_size": 5 * MiB}


@pytest.fixture
def store(make_s3_store):
    return make_s3_store()


def keys(s3, bucket):
    try:
        return [entry["Key"] for entry in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchBucket":
            return []
        raise


def open_uploads(s3, bucket):
    try:
        return [upload["Key"] for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchBucket":
            return []
        raise


def read_all(readable, size=MiB):
    pieces = []
    while piece := readable.read(size):
        pieces.append(piece)
    readable.close()
    return b"".join(pieces)


def test_add_get_size_and_delete(store, s3, container_name):
    stored = store.add(IMAGE_ID, iter([b"hel", b"lo"]))
    assert (stored.url, stored.size) == (f"s3://buckets/{container_name}/{IMAGE_ID}", 5)
    assert s3.get_object(Bucket=container_name, Key=IMAGE_ID)["Body"].read() == b"hello"
    assert store.get_size(stored.url) == 5
    assert read_all(store.get(stored.url)) == b"hello"
    store.delete(stored.url)
    store.delete(stored.url)
    assert keys(s3, container_name) == []
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


def test_data_past_large_object_size_is_a_multipart_upload(make_s3_store, s3, container_name):
    store = make_s3_store(**MULTIPART)
    data = os.urandom(12 * MiB + 5)
    stored = store.add(IMAGE_ID, chunked(data))
    assert stored.size == len(data)
    head = s3.head_object(Bucket=container_name, Key=IMAGE_ID)
    assert (head["ETag"].strip('"').endswith("-3"), head["ContentLength"]) == (True, len(data))
    assert read_all(store.get(stored.url)) == data
    assert store.get(stored.url, 5 * MiB - 3, 5 * MiB + 6).read(6 * MiB) == data[5 * MiB - 3:10 * MiB + 3]
    assert [(item.url, item.size) for item in store.iter_stored()] == [(stored.url, len(data))]
    store.delete(stored.url)
    assert keys(s3, container_name) == [] and open_uploads(s3, container_name) == []


def test_data_between_the_part_size_and_large_object_size_is_multipart_too(make_s3_store, s3, container_name):
    """One part is all the driver holds: data longer than a part cannot wait to be one PUT."""
    store = make_s3_store(large_object_size=50 * MiB, large_object_chunk_size=5 * MiB)
    data = os.urandom(6 * MiB)
    store.add(IMAGE_ID, chunked(data))
    assert s3.head_object(Bucket=container_name, Key=IMAGE_ID)["ETag"].strip('"').endswith("-2")


def failing_after(data):
    yield from chunked(data)
    raise RuntimeError("the source broke")


@pytest.mark.parametrize("sent", [3 * MiB, 11 * MiB], ids=["before-large-object-size", "parts-uploaded"])
def test_a_failed_add_leaves_nothing_and_passes_the_error_on(make_s3_store, s3, container_name, sent):
    store = make_s3_store(**MULTIPART)
    with pytest.raises(RuntimeError, match="the source broke"):
        store.add(IMAGE_ID, failing_after(os.urandom(sent)))
    assert keys(s3, container_name) == [] and open_uploads(s3, container_name) == []


def test_discard_partial_aborts_that_images_open_uploads(store, s3, container_name):
    store.add("another-image", iter([b"x"]))
    s3.create_multipart_upload(Bucket=container_name, Key=IMAGE_ID)
    s3.create_multipart_upload(Bucket=container_name, Key=f"{IMAGE_ID}-longer")
    store.discard_partial(IMAGE_ID)
    assert open_uploads(s3, container_name) == [f"{IMAGE_ID}-longer"]
    assert keys(s3, container_name) == ["another-image"]
    store.discard_partial("never-stored")


def test_a_prefix_keeps_the_stores_keys_apart(make_s3_store, s3, container_name):
    store = make_s3_store(prefix="images/")
    stored = store.add(IMAGE_ID, iter([b"data"]))
    s3.put_object(Bucket=container_name, Key="not-an-image", Body=b"x")
    assert stored.url == f"s3://buckets/{container_name}/images/{IMAGE_ID}"
    assert sorted(keys(s3, container_name)) == [f"images/{IMAGE_ID}", "not-an-image"]
    assert [item.url for item in store.iter_stored()] == [stored.url]
    with pytest.raises(DataNotFound):
        store.get(f"s3://buckets/{container_name}/not-an-image")


def test_iter_stored_tells_when_each_object_was_written(store):
    before = datetime.now(timezone.utc) - timedelta(seconds=2)  # S3 keeps whole seconds
    store.add(IMAGE_ID, iter([b"12"]))
    (item,) = store.iter_stored()
    assert before <= item.modified <= datetime.now(timezone.utc) + timedelta(seconds=2)


def test_iter_stored_of_a_store_never_written_to_is_empty(store):
    assert list(store.iter_stored()) == []


@pytest.mark.parametrize("url", [
    "s3://other-store/{bucket}/" + IMAGE_ID,
    "s3://buckets/elsewhere/" + IMAGE_ID,
    "s3://buckets/{bucket}/",
    "swift://buckets/{bucket}/" + IMAGE_ID,
    "file:///etc/passwd",
])
def test_urls_outside_the_store_are_not_found(store, container_name, url):
    url = url.format(bucket=container_name)
    for call in (store.get, store.get_size, store.delete):
        with pytest.raises(DataNotFound, match="is not in store buckets"):
            call(url)


def test_an_unreachable_endpoint_is_unavailable(make_s3_store, closed_port, container_name):
    store = make_s3_store(endpoint_url=f"http://127.0.0.1:{closed_port}")
    with pytest.raises(StoreUnavailable, match="The S3 store failed"):
        store.add(IMAGE_ID, iter([b"data"]))
    with pytest.raises(StoreUnavailable):
        store.get(f"s3://buckets/{container_name}/{IMAGE_ID}")


def test_wrong_credentials_are_unavailable(make_s3_store):
    with pytest.raises(StoreUnavailable, match="refused the store's credentials"):
        make_s3_store(secret_key="wrong").add(IMAGE_ID, iter([b"data"]))


def test_a_full_bucket_is_store_full(store, swift, s3, container_name):
    swift.put_container(container_name, headers={"X-Container-Meta-Quota-Count": "0"})
    with pytest.raises(StoreFull) as refused:
        store.add(IMAGE_ID, iter([b"data"]))
    assert refused.value.status == 413
    assert keys(s3, container_name) == []


def test_a_missing_bucket_is_created_unless_told_not_to(make_s3_store, s3, container_name):
    with pytest.raises(StoreUnavailable, match="does not exist .create_bucket_on_put is off"):
        make_s3_store(create_bucket_on_put=False).add(IMAGE_ID, iter([b"x"]))
    make_s3_store().add(IMAGE_ID, iter([b"x"]))
    assert keys(s3, container_name) == [IMAGE_ID]


@pytest.mark.parametrize("user, key, answer", [
    ("SWIFT_OTHER_USER", "SWIFT_OTHER_KEY", "NoSuchBucket"),  # buckets are per account: it is not in theirs
    ("SWIFT_READER_USER", "SWIFT_READER_KEY", "AccessDenied"),
], ids=["another-account", "same-account-not-admin"])
def test_the_data_is_visible_to_the_service_only(store, swift_env, container_name, user, key, answer):
    store.add(IMAGE_ID, iter([b"secret image"]))
    intruder = native_s3(swift_env, access_key=swift_env[user], secret_key=swift_env[key])
    with pytest.raises(ClientError) as refused:
        intruder.get_object(Bucket=container_name, Key=IMAGE_ID)
    assert refused.value.response["Error"]["Code"] == answer


def test_properties_are_glances():
    store = S3Store("buckets", access_key="a", secret_key="s")
    assert store.properties() == {"s3_store_large_object_size": 100 * MiB,
                                  "s3_store_large_object_chunk_size": 10 * MiB, "s3_store_thread_pools": 1}


@pytest.mark.parametrize("options, message", [
    ({"secret_key": ""}, "needs 'secret_key'"),
    ({"large_object_chunk_size": 4 * MiB}, "large_object_chunk_size is 5 MiB to 5 GiB"),
    ({"addressing_style": "sideways"}, "addressing_style is path, virtual or auto"),
])
def test_bad_options_are_configuration_errors(options, message):
    with pytest.raises(StoreConfigurationError, match=message):
        S3Store("buckets", **{"access_key": "a", "secret_key": "s", **options})


def zeros(mebibytes):
    """Data made as it is read, so that only what the driver keeps shows in the peak."""
    for _ in range(mebibytes):
        yield bytes(MiB)


def test_memory_stays_bounded_both_ways(make_s3_store):
    store = make_s3_store(**MULTIPART)
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
    assert added < 2 * 5 * MiB + 2 * MiB, f"an upload of 24 MiB held {added / MiB:.1f} MiB (two parts, a chunk)"
    assert read < 4 * MiB, f"a download of 24 MiB held {read / MiB:.1f} MiB"
