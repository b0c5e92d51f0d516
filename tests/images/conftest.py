import pytest

from tests.conftest import Api

IMAGES = "/v2/images"
PATCH_V21 = "application/openstack-images-v2.1-json-patch"
PATCH_V20 = "application/openstack-images-v2.0-json-patch"


def image_url(image_id, *rest):
    return "/".join([IMAGES, image_id, *rest])


@pytest.fixture(autouse=True)
def store_dir(tmp_path, settings):
    """Every test writes image data to its own temporary directory."""
    directory = tmp_path / "images"
    settings.IMAGE_STORES = {"file": {"type": "file", "directory": str(directory)}}
    settings.STAGING_DIR = tmp_path / "staging"
    return directory


def create(api, **fields):
    response = api.post(IMAGES, fields)
    assert response.status_code == 201, response.content
    return response.json()


def patch(api, image_id, operations, media_type=PATCH_V21, **kw):
    return api.patch(image_url(image_id), operations, content_type=media_type, **kw)


def upload(api, image_id, data, **kw):
    return api.put(image_url(image_id, "file"), raw=data, content_type="application/octet-stream", **kw)


@pytest.fixture
def owner(db):
    """A member of project 'tenant-a' (not an admin)."""
    return Api().as_("tenant-a")


@pytest.fixture
def other(db):
    """A member of project 'tenant-b' (not an admin)."""
    return Api().as_("tenant-b", user="user-2")


@pytest.fixture
def image(owner):
    """A queued image of tenant-a with formats set (raw: any bytes are valid data), a property and a tag."""
    return create(owner, name="cirros", disk_format="raw", container_format="bare", distro="cirros",
                  tags=["small"])


def with_body(api, method, path, raw=b'["body"]', content_type="application/json", **headers):
    """Any method with a body (the test client turns GET data into a query string)."""
    return api.client.generic(method, path, raw, content_type=content_type, **{**api.headers, **headers})
