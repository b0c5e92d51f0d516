"""manage.py audit of a swift and an s3 store (the real Swift of .ci/swift/start, and its s3api)."""
import hashlib
import os
import time
import uuid

import pytest

from images.models import ImageLocation
from tests.images.conftest import create, image_url, upload
from tests.images.stores.conftest import object_names
from tests.images.stores.test_api import object_stores, stored_names  # noqa: F401 - a fixture
from tests.images.test_audit import audit_json, kinds

pytestmark = pytest.mark.swift

DATA = os.urandom(300 * 1024)
BIG = os.urandom(6 * 1024 * 1024 + 7)  # past the stores' large_object_size (tests/images/stores/test_api.py)


def stored(owner, store_id):
    image = create(owner, disk_format="raw", container_format="bare")
    assert upload(owner, image["id"], DATA, headers={"HTTP_X_IMAGE_META_STORE": store_id}).status_code == 204
    return image["id"]


def test_swift_and_s3_are_audited_and_fixed(owner, object_stores, swift, s3, container_name):  # noqa: F811
    good, bad, in_bucket = stored(owner, "objects"), stored(owner, "objects"), stored(owner, "buckets")
    swift.put_object(container_name, bad, DATA[::-1])  # same size, other bytes
    swift.put_object(container_name, "stray-object", b"nobody's")
    s3.put_object(Bucket=f"{container_name}-bucket", Key="stray-key", Body=b"nobody's either")
    report, err = audit_json("--store", "objects", "--store", "buckets")
    assert kinds(report) == [("corrupt", "objects", bad), ("orphan", "buckets", "stray-key"),
                             ("orphan", "objects", "stray-object")]
    assert next(f["detail"] for f in report["findings"] if f["kind"] == "corrupt").startswith(
        f"md5 {hashlib.md5(DATA[::-1]).hexdigest()}, the image's checksum is")
    assert report["summary"]["bytes_read"] == 3 * len(DATA)
    assert f"  [objects] swift://objects/{container_name}/{good}: {len(DATA)} byte(s), ok" in err
    time.sleep(1.1)  # s3api rounds LastModified up to the next second: the stray key is "newer" until then
    report, _ = audit_json("--store", "objects", "--store", "buckets", "--fix", "--grace-hours", "0")
    assert sorted(f["action"] for f in report["findings"]) == ["marked corrupt", "removed", "removed"]
    assert sorted(object_names(swift, container_name)) == sorted([good, bad])  # the corrupt data stays
    assert stored_names("buckets", swift, container_name) == [in_bucket]
    assert ImageLocation.objects.get(image_id=bad).status == "corrupt"
    assert owner.get(image_url(bad)).json()["os_glance_audit_failed"].startswith("corrupt in store objects since ")
    swift.delete_object(container_name, good)
    report, _ = audit_json("--store", "objects", "--fix")
    assert [(f["kind"], f["image_id"], f["action"]) for f in report["findings"] if f["kind"] != "corrupt"] == [
        ("missing", good, "marked missing")]


def test_what_crashed_large_uploads_left_is_found_and_removed(owner, object_stores, swift, s3,  # noqa: F811
                                                             container_name):
    """Swift: segments of an attempt no manifest names (the image was uploaded again since, or never);
    S3: a multipart upload left open. The segments the image's manifest names stay."""
    segments, bucket = f"{container_name}_segments", f"{container_name}-bucket"
    retried, crashed, open_upload = (create(owner, disk_format="raw", container_format="bare")["id"] for _ in range(3))
    swift.put_container(segments)
    swift.put_object(segments, f"{retried}/{uuid.uuid4().hex}/00000000", b"x" * 1000)  # its first attempt
    swift.put_object(segments, f"{crashed}/{uuid.uuid4().hex}/00000000", b"y" * 2000)
    swift.put_object(segments, f"{crashed}/{uuid.uuid4().hex.replace('a', 'b')}/00000000", b"z" * 10)
    assert upload(owner, retried, BIG, headers={"HTTP_X_IMAGE_META_STORE": "objects"}).status_code == 204
    s3.create_bucket(Bucket=bucket)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=open_upload)["UploadId"]
    s3.upload_part(Bucket=bucket, Key=open_upload, UploadId=upload_id, PartNumber=1, Body=b"w" * 3000)
    report, err = audit_json("--store", "objects", "--store", "buckets", "--no-hash")
    left = sorted((f["kind"], f["store"], f["image_id"], f["size"]) for f in report["findings"])
    assert left == sorted([("orphan", "objects", retried, 1000), ("orphan", "objects", crashed, 2000),
                           ("orphan", "objects", crashed, 10), ("orphan", "buckets", open_upload, 3000)])
    assert all("left by an upload that never finished" in f["detail"] for f in report["findings"])
    time.sleep(1.1)  # listings' times are whole seconds
    report, _ = audit_json("--store", "objects", "--store", "buckets", "--fix", "--grace-hours", "0")
    assert [f["action"] for f in report["findings"]] == ["removed"] * 4
    assert all(name.startswith(f"{retried}/") for name in object_names(swift, segments))
    assert len(object_names(swift, segments)) == 2  # the manifest's two segments (6 MiB in 5 MiB pieces)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert b"".join(owner.get(image_url(retried) + "/file").streaming_content) == BIG
    assert audit_json("--store", "objects", "--store", "buckets")[0]["findings"] == []
