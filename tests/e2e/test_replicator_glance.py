"""`manage.py replicate` from a real OpenStack Glance 33 (noauth, .ci/glance/start) into this service."""
import hashlib
import os
import uuid

import pytest
import requests

from tests.support.glance_server import glance33_url  # noqa: F401 (a fixture)
from tests.support.http_calls import call
from tests.support.live_server import LiveServer
from tests.support.replication import assert_same_image, replicate

pytestmark = [pytest.mark.e2e, pytest.mark.glance]
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("from-glance"), workers=1) as server:
        yield server


def glance_image(url, data, **properties):
    """An image made in Glance through its API, with data; deleted again at the end of the test."""
    body = {"name": f"from-glance-{uuid.uuid4().hex[:8]}", "disk_format": "raw", "container_format": "bare",
            **properties}
    created = requests.post(f"{url}/v2/images", json=body, timeout=30)
    assert created.status_code == 201, created.text
    image_id = created.json()["id"]
    uploaded = requests.put(f"{url}/v2/images/{image_id}/file", data=data, timeout=120,
                            headers={"Content-Type": "application/octet-stream"})
    assert uploaded.status_code == 204, uploaded.text
    return requests.get(f"{url}/v2/images/{image_id}", timeout=30).json()


@pytest.fixture
def glance_images(glance33_url):  # noqa: F811
    made = [glance_image(glance33_url, os.urandom(3 * MiB + 1), visibility="public", tags=["glance", "33"],
                         min_ram=256, os_distro="cirros", hw_qemu_guest_agent="yes"),
            glance_image(glance33_url, os.urandom(70000), min_disk=1, os_hidden=True)]
    yield made
    for image in made:
        requests.delete(f"{glance33_url}/v2/images/{image['id']}", timeout=30)


def test_livecopy_from_glance33_keeps_ids_and_data(glance33_url, glance_images, target, tmp_path):  # noqa: F811
    result = replicate(tmp_path, "livecopy", glance33_url, target.url)
    assert "failed 0" in result.stdout
    for image in glance_images:
        assert image["os_hash_algo"] == "sha512" and image["status"] == "active"
        status, copy = call(target, "GET", f"/v2/images/{image['id']}")
        assert status == 200, f"image {image['id']} is missing from the target"
        assert_same_image(image, copy)
        status, data = call(target, "GET", f"/v2/images/{image['id']}/file")
        assert hashlib.sha512(data).hexdigest() == image["os_hash_value"]
        assert hashlib.md5(data).hexdigest() == image["checksum"]
    compared = replicate(tmp_path, "compare", glance33_url, target.url)
    assert " 0 differ." in compared.stdout
    again = replicate(tmp_path, "livecopy", glance33_url, target.url)
    assert "created 0, data copied 0, metadata updated 0" in again.stdout
