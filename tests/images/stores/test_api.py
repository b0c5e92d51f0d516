"""Images in a swift and an s3 store through the API: upload, download, hashes, delete, stores detail."""
import hashlib
import os

import pytest

from images.models import ImageLocation
from tests.images.conftest import image_url, upload
from tests.images.stores.conftest import MiB, object_names
from tests.images.test_data_api import Breaks, download, put_stream

pytestmark = pytest.mark.swift

# Past large_object_size: a Swift static large object, an S3 multipart upload.
DATA = os.urandom(6 * MiB + 7)
LARGE = {"large_object_size": 5 * MiB, "large_object_chunk_size": 5 * MiB}


@pytest.fixture
def object_stores(settings, swift_env, container_name):
    settings.IMAGE_STORES = {
        "objects": {"type": "swift", "description": "Swift", "weight": 5, "auth_url": swift_env["SWIFT_AUTH_URL"],
                    "user": swift_env["SWIFT_USER"], "key": swift_env["SWIFT_KEY"], "container": container_name,
                    **LARGE},
        "buckets": {"type": "s3", "endpoint_url": swift_env["S3_ENDPOINT_URL"], "region": swift_env["S3_REGION"],
                    "access_key": swift_env["S3_ACCESS_KEY"], "secret_key": swift_env["S3_SECRET_KEY"],
                    "bucket": f"{container_name}-bucket", **LARGE},
    }
    settings.IMAGE_DEFAULT_STORE = "objects"


def stored_names(store_id, swift, container_name):
    """What the server holds for a store, asked with swiftclient (an S3 bucket is a container)."""
    container = container_name if store_id == "objects" else f"{container_name}-bucket"
    return object_names(swift, container)


@pytest.mark.parametrize("store_id", ["objects", "buckets"])
def test_upload_download_and_delete(owner, image, object_stores, store_id, swift, container_name,
                                    django_capture_on_commit_callbacks):
    assert upload(owner, image["id"], DATA, headers={"HTTP_X_IMAGE_META_STORE": store_id}).status_code == 204
    body = owner.get(image_url(image["id"])).json()
    assert (body["status"], body["size"], body["stores"]) == ("active", len(DATA), store_id)
    assert (body["checksum"], body["os_hash_value"]) == (hashlib.md5(DATA).hexdigest(),
                                                         hashlib.sha512(DATA).hexdigest())
    assert stored_names(store_id, swift, container_name) == [image["id"]]
    response, data = download(owner, image["id"])
    assert (response.status_code, response["Content-MD5"], data) == (200, body["checksum"], DATA)
    response, data = download(owner, image["id"], HTTP_RANGE=f"bytes={5 * MiB - 2}-{5 * MiB + 1}")
    assert (response.status_code, data) == (206, DATA[5 * MiB - 2:5 * MiB + 2])
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.delete(image_url(image["id"])).status_code == 204
    assert stored_names(store_id, swift, container_name) == []
    assert not ImageLocation.objects.filter(image_id=image["id"]).exists()


@pytest.mark.parametrize("store_id", ["objects", "buckets"])
def test_a_broken_upload_is_the_clients_fault_and_leaves_nothing(owner, image, object_stores, store_id, swift,
                                                                  container_name):
    response = put_stream(owner, image["id"], Breaks(), HTTP_X_IMAGE_META_STORE=store_id)
    assert response.status_code == 400, response.content
    assert owner.get(image_url(image["id"])).json()["status"] == "queued"
    assert stored_names(store_id, swift, container_name) == []


def test_store_details_show_glances_properties(api, object_stores, container_name):
    assert api.get("/v2/info/stores/detail").json() == {"stores": [
        {"id": "objects", "description": "Swift", "default": "true", "type": "swift", "weight": 5, "properties": {
            "container": container_name, "large_object_size": 5 * MiB, "large_object_chunk_size": 5 * MiB}},
        {"id": "buckets", "type": "s3", "weight": 0, "properties": {
            "s3_store_large_object_size": 5 * MiB, "s3_store_large_object_chunk_size": 5 * MiB,
            "s3_store_thread_pools": 1}},
    ]}


@pytest.mark.parametrize("store_id", ["objects", "buckets"])
def test_the_health_check_asks_the_default_object_store(owner, object_stores, settings, store_id, closed_port):
    settings.IMAGE_DEFAULT_STORE = store_id
    response = owner.get("/healthcheck", headers={"HTTP_ACCEPT": "text/plain"})
    assert (response.status_code, response.content) == (200, b"OK")
    address = {"objects": "auth_url", "buckets": "endpoint_url"}[store_id]
    unreachable = dict(settings.IMAGE_STORES[store_id], **{address: f"http://127.0.0.1:{closed_port}/auth/v1.0"})
    settings.IMAGE_STORES = {**settings.IMAGE_STORES, store_id: {**unreachable, "retries": 0}}
    response = owner.get("/healthcheck", headers={"HTTP_ACCEPT": "text/plain"})
    assert (response.status_code, response.content) == (503, b"DEFAULT STORE UNAVAILABLE")
