"""The shared `file` store on a 32 MiB tmpfs (tests/cluster/conftest.py) fills up mid-upload.

The upload is 413 "Image storage media is full", its image stays `queued`, nothing is left in the store, and the
space is there again for the next upload.
"""
import hashlib

import pytest

from tests.cluster.conftest import assert_reconciled
from tests.support.cluster_audit import Expected, Ledger
from tests.support.cluster_traffic import MiB, image_data

pytestmark = pytest.mark.cluster


def create(cluster):
    status, _, image = cluster.call("POST", "/v2/images", {"name": "to-file", "disk_format": "raw",
                                                           "container_format": "bare"})
    assert status == 201
    return image["id"]


def upload(cluster, image_id, data):
    return cluster.call("PUT", f"/v2/images/{image_id}/file", data=data, headers={
        "Content-Type": "application/octet-stream", "X-Image-Meta-Store": "file", "Accept": "application/json"})


def test_an_upload_that_fills_the_file_store_is_413_and_leaves_nothing(cluster):
    if cluster.small_file_store is None:
        pytest.skip("the file store is not on a small tmpfs here (mounting needs root)")
    too_big = create(cluster)
    status, _, body = upload(cluster, too_big, image_data(40 * MiB))
    assert status == 413
    assert body["message"].startswith("Image storage media is full")
    status, _, image = cluster.call("GET", f"/v2/images/{too_big}")
    assert (image["status"], image["size"]) == ("queued", None)
    assert list(cluster.small_file_store.iterdir()) == []

    ledger = Ledger()
    fits = create(cluster)
    data = image_data(20 * MiB)
    status, _, _ = upload(cluster, fits, data)
    assert status == 204

    ledger.confirm_upload(fits, Expected(len(data), hashlib.md5(data).hexdigest(), hashlib.sha512(data).hexdigest(),
                                         "file"))
    ledger.failed_uploads.add(too_big)
    assert_reconciled(cluster, ledger)
