"""The image commands of an OpenStack install guide, with nothing but each user's OS_* variables.

In keystone mode the real openstack CLI can do what it cannot without Keystone: look
projects up by name to share an image, and accept a share as the member project.
"""
import hashlib
import json

import pytest

from tests.support.disk_images import qcow2_with_data

pytestmark = pytest.mark.keystone


@pytest.fixture
def cirros(tmp_path):
    path = tmp_path / "cirros.img"
    qcow2_with_data(path, 2 * 1024 * 1024 + 17)
    return path


def test_create_share_accept_save_delete(os_cli, identities, cirros, tmp_path):
    admin, alpha, beta = (os_cli("openstack", user) for user in ("admin", "alpha-member", "beta-member"))
    created = json.loads(admin("image", "create", "cirros-public", "--file", cirros, "--disk-format", "qcow2",
                               "--container-format", "bare", "--public", "-f", "json").stdout)
    assert created["visibility"] == "public"
    assert "cirros-public" in beta("image", "list", "-f", "value", "-c", "Name").stdout.split()

    shared = json.loads(alpha("image", "create", "alpha-shared", "--file", cirros, "--disk-format", "raw",
                              "--container-format", "bare", "--shared", "-f", "json").stdout)
    # By id: a member may not look other projects up by name in Keystone (the CLI would then send the name).
    beta_id = identities["beta-member"].project_id()
    alpha("image", "add", "project", shared["id"], beta_id)
    assert "alpha-shared" not in beta("image", "list", "-f", "value", "-c", "Name").stdout.split()
    beta("image", "set", "--accept", shared["id"])
    assert "alpha-shared" in beta("image", "list", "-f", "value", "-c", "Name").stdout.split()
    members = json.loads(alpha("image", "member", "list", shared["id"], "-f", "json").stdout)
    assert [(m["Member ID"], m["Status"]) for m in members] == [(beta_id, "accepted")]

    saved = tmp_path / "out.img"
    beta("image", "save", "--file", saved, shared["id"])
    assert hashlib.sha512(saved.read_bytes()).hexdigest() == hashlib.sha512(cirros.read_bytes()).hexdigest()
    beta("image", "delete", shared["id"], expect_failure=True)  # not the owner
    alpha("image", "delete", shared["id"])
    admin("image", "delete", created["id"])
