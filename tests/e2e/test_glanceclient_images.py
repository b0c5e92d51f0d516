"""python-glanceclient's `glance image-*` and `member-*` commands against the running service.

The CLI's table output is what a user reads, so that is what is parsed and checked; the
client's Python API only cleans up. `glance image-download` itself verifies the data
against the image's os_hash_value (or md5 checksum) while it writes the file.
"""
import uuid

import glanceclient
import pytest
from glanceclient import exc

from tests.e2e.test_glanceclient_metadefs import record, table

pytestmark = pytest.mark.e2e


def digest(value):
    """A hex digest from a table cell: prettytable breaks a long one over lines, which the parser joins with spaces."""
    return value.replace(" ", "")


@pytest.fixture
def gc(live_service):
    return glanceclient.Client("2", endpoint=live_service.url, token="e2e-token")


@pytest.fixture
def created(glance, gc, image_file):
    """`glance image-create --file ...` output as a dict; the image is deleted afterwards."""
    name = f"e2e-raw-{uuid.uuid4().hex[:8]}"
    image = record(glance("image-create", "--file", image_file.path, "--disk-format", "raw",
                          "--container-format", "bare", "--name", name).stdout)
    yield image
    try:
        gc.images.delete(image["id"])
    except exc.HTTPNotFound:
        pass


def test_image_create_uploads_the_file(created, image_file):
    assert {key: created[key] for key in ("status", "disk_format", "container_format", "size", "checksum",
                                          "os_hash_algo", "visibility", "owner")} == {
        "status": "active", "disk_format": "raw", "container_format": "bare", "size": str(len(image_file.data)),
        "checksum": image_file.md5, "os_hash_algo": "sha512", "visibility": "shared", "owner": "admin"}
    assert digest(created["os_hash_value"]) == image_file.sha512


def test_image_download_writes_the_same_bytes(glance, created, image_file, tmp_path):
    out = tmp_path / "out"
    glance("image-download", "--file", out, created["id"])
    assert out.read_bytes() == image_file.data


def test_image_update_property_then_list_filters_on_it(glance, created):
    value = uuid.uuid4().hex
    updated = record(glance("image-update", "--property", f"e2e_batch={value}", created["id"]).stdout)
    assert updated["e2e_batch"] == value
    listed = table(glance("image-list", "--property-filter", f"e2e_batch={value}").stdout)
    assert listed == [{"ID": created["id"], "Name": created["name"]}]
    assert table(glance("image-list", "--property-filter", "e2e_batch=other").stdout) == []


def test_image_tag_update_adds_tags(glance, created):
    glance("image-tag-update", created["id"], "demo")
    glance("image-tag-update", created["id"], "gold")
    assert record(glance("image-show", created["id"]).stdout)["tags"] == '["demo", "gold"]'


def test_member_create_lists_a_pending_member(glance, created):
    project = f"project-{uuid.uuid4().hex[:8]}"
    expected = [{"Image ID": created["id"], "Member ID": project, "Status": "pending"}]
    assert table(glance("member-create", created["id"], project).stdout) == expected
    assert table(glance("member-list", "--image-id", created["id"]).stdout) == expected


def test_image_delete_removes_record_and_data(glance, live_service, created):
    stored = live_service.data_dir / "images" / created["id"]
    assert stored.exists()
    glance("image-delete", created["id"])
    result = glance("image-show", created["id"], expect_failure=True)
    assert f"No image found with ID {created['id']}" in result.stderr
    assert not stored.exists()
