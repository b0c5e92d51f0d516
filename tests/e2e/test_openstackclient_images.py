"""python-openstackclient's `openstack image ...` commands against the running service.

No Keystone: the `none` auth plugin (see the `openstack` fixture). Two sharing steps
cannot be done by this CLI then, and another real client does them instead:
- `openstack image add project` first looks the project up in Keystone's API, here the
  service itself (GET /v2/tenants/<project>: a 404 aborts the command, only a 403 would
  make it use the name as given): `glance member-create` adds the member;
- `openstack image set --accept` needs the caller's own project from a Keystone token
  ("'NoneType' object has no attribute 'project_id'"), and with `--project` it looks the
  project up as above. glanceclient's Python API can send the trusted identity headers
  (X-Project-Id, X-Roles), so the member project accepts through it.
"""
import json
import uuid

import glanceclient
import pytest

pytestmark = pytest.mark.e2e


def show(openstack, image):
    return json.loads(openstack("image", "show", "-f", "json", image).stdout)


def as_project(live_service, project=None):
    """glanceclient's Python API as a member of `project` (trusted identity headers), or as admin."""
    headers = {"X-Project-Id": project, "X-Roles": "member"} if project else None
    return glanceclient.Client("2", endpoint=live_service.url, token="e2e-token", identity_headers=headers)


@pytest.fixture
def cirros(openstack, live_service, image_file):
    """An image uploaded with `openstack image create`: its unique name, deleted afterwards."""
    name = f"cirros-{uuid.uuid4().hex[:8]}"
    openstack("image", "create", name, "--file", image_file.path, "--disk-format", "qcow2",
              "--container-format", "bare", "--public")
    yield name
    admin = as_project(live_service)
    for image in admin.images.list(filters={"name": name}):
        admin.images.delete(image.id)


def test_create_uploads_the_file_and_show_reports_it(openstack, cirros, image_file):
    image = show(openstack, cirros)
    assert {key: image[key] for key in ("name", "status", "visibility", "disk_format", "container_format",
                                        "size", "checksum", "owner")} == {
        "name": cirros, "status": "active", "visibility": "public", "disk_format": "qcow2",
        "container_format": "bare", "size": len(image_file.data), "checksum": image_file.md5, "owner": "admin"}
    assert image["properties"]["os_hash_algo"] == "sha512"
    assert image["properties"]["os_hash_value"] == image_file.sha512


def test_list_includes_the_image(openstack, cirros):
    rows = json.loads(openstack("image", "list", "-f", "json").stdout)
    assert [row["Status"] for row in rows if row["Name"] == cirros] == ["active"]


def test_save_writes_the_same_bytes(openstack, cirros, image_file, tmp_path):
    out = tmp_path / "out.img"
    openstack("image", "save", "--file", out, cirros)
    assert out.read_bytes() == image_file.data


def test_set_and_unset_property_and_tag(openstack, cirros):
    openstack("image", "set", "--property", "hw_disk_bus=scsi", "--tag", "demo", cirros)
    image = show(openstack, cirros)
    assert (image["properties"]["hw_disk_bus"], image["tags"]) == ("scsi", ["demo"])
    openstack("image", "unset", "--property", "hw_disk_bus", "--tag", "demo", cirros)
    image = show(openstack, cirros)
    assert ("hw_disk_bus" in image["properties"], image["tags"]) == (False, [])


def test_share_with_a_project_that_accepts(openstack, glance, live_service, cirros):
    project = f"project-{uuid.uuid4().hex[:8]}"
    openstack("image", "set", "--shared", cirros)
    image = show(openstack, cirros)
    image_id = image["id"]
    assert image["visibility"] == "shared"
    glance("member-create", image_id, project)  # instead of `openstack image add project` (Keystone lookup)
    member = as_project(live_service, project)
    assert image_id not in [image.id for image in member.images.list()]  # pending: not in the default list
    member.image_members.update(image_id, project, "accepted")  # instead of `openstack image set --accept`
    assert image_id in [image.id for image in member.images.list()]
    rows = json.loads(openstack("image", "member", "list", "-f", "json", cirros).stdout)
    assert rows == [{"Image ID": image_id, "Member ID": project, "Status": "accepted"}]


def test_delete_removes_record_and_data(openstack, live_service, image_file):
    name = f"cirros-{uuid.uuid4().hex[:8]}"
    openstack("image", "create", name, "--file", image_file.path, "--disk-format", "qcow2",
              "--container-format", "bare")
    image_id = show(openstack, name)["id"]
    assert (live_service.data_dir / "images" / image_id).exists()
    openstack("image", "delete", name)
    result = openstack("image", "show", name, expect_failure=True)
    assert f"No Image found for {name}" in result.stderr
    assert not (live_service.data_dir / "images" / image_id).exists()
