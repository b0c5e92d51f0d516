"""openstacksdk's image API against the running service, without Keystone.

`auth_type="none"` with a fixed endpoint: keystoneauth sends a dummy token there and
the SDK discovers the image API version from the service's own version document.
Downloads are verified by the SDK itself against os_hash_value while they stream.
"""
import uuid

import openstack
import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def conn(live_service):
    connection = openstack.connect(auth_type="none", auth={"endpoint": live_service.url},
                                   load_yaml_config=False, load_envvars=False)
    yield connection
    connection.close()


@pytest.fixture
def uploaded(conn, image_file):
    """An image made by `create_image(..., filename=..., wait=True)`; deleted afterwards."""
    image = conn.create_image(f"e2e-sdk-{uuid.uuid4().hex[:8]}", filename=str(image_file.path),
                              disk_format="raw", container_format="bare", wait=True)
    yield image
    conn.image.delete_image(image, ignore_missing=True)


def test_create_image_uploads_and_waits_for_active(conn, uploaded, image_file):
    image = conn.image.get_image(uploaded.id)
    assert (image.status, image.size, image.checksum, image.hash_algo, image.hash_value) == (
        "active", len(image_file.data), image_file.md5, "sha512", image_file.sha512)
    assert (uploaded.status, uploaded.checksum) == ("active", image_file.md5)


def test_images_lists_it(conn, uploaded):
    assert [image.status for image in conn.image.images() if image.id == uploaded.id] == ["active"]
    assert [image.id for image in conn.image.images(name=uploaded.name)] == [uploaded.id]


def test_download_image_to_a_file_returns_the_same_bytes(conn, uploaded, image_file, tmp_path):
    out = tmp_path / "out.img"
    conn.image.download_image(uploaded, output=str(out))
    assert out.read_bytes() == image_file.data


def test_download_image_in_memory_and_by_name(conn, uploaded, image_file, tmp_path):
    assert conn.image.download_image(uploaded).content == image_file.data
    out = tmp_path / "by-name.img"
    conn.download_image(uploaded.name, output_path=str(out))
    assert out.read_bytes() == image_file.data


def test_delete_image(conn, uploaded):
    conn.image.delete_image(uploaded)
    with pytest.raises(openstack.exceptions.NotFoundException):
        conn.image.get_image(uploaded.id)
