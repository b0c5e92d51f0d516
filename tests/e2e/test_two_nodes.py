"""Two API nodes (separate processes and data directories) sharing one MariaDB database and one Swift store.

What one node does, the other sees and finishes: an image uploaded through node A is listed,
downloaded, imported into and deleted through node B. Data staged on node A stays on A's disk
(node-local staging): its import, asked of B, runs on A's queue. Always MariaDB, whatever the
suite runs on: that is the shared database of a real deployment.
"""
import hashlib
import json
import os
import time
import uuid

import MySQLdb
import pytest
from swiftclient.client import Connection

from tests.support.http_calls import call, ok
from tests.support.live_server import LiveServer, ThrowawayDatabase
from tests.support.swift_server import swift_env  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.swift]

MARIADB = "mysql://root@127.0.0.1:3306"
MiB = 1024 * 1024


def raw_image(node, name):
    return ok(node, "POST", "/v2/images", {"name": name, "disk_format": "raw", "container_format": "bare"})["id"]


def wait_until_active(node, image_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        image = ok(node, "GET", f"/v2/images/{image_id}")
        if image["status"] not in ("queued", "uploading", "importing"):
            return image
        time.sleep(0.1)
    raise AssertionError(f"image {image_id} still {image['status']} after {timeout}s")


@pytest.fixture(scope="module")
def shared_database():
    try:
        MySQLdb.connect(host="127.0.0.1", port=3306, user="root").close()
    except MySQLdb.OperationalError as exc:
        pytest.fail(f"MariaDB is not answering on 127.0.0.1:3306 ({exc}); the two-node test shares it")
    name = f"glance_nodes_{uuid.uuid4().hex[:12]}"
    database = ThrowawayDatabase(f"{MARIADB}/{name}", name)
    database.create()
    yield database
    database.drop()


@pytest.fixture(scope="module")
def swift(swift_env):  # noqa: F811
    return Connection(authurl=swift_env["SWIFT_AUTH_URL"], user=swift_env["SWIFT_USER"], key=swift_env["SWIFT_KEY"])


@pytest.fixture(scope="module")
def nodes(shared_database, swift_env, tmp_path_factory):  # noqa: F811
    container = f"two-nodes-{uuid.uuid4().hex[:8]}"
    stores = {"swift": {"type": "swift", "auth_url": swift_env["SWIFT_AUTH_URL"], "user": swift_env["SWIFT_USER"],
                        "key": swift_env["SWIFT_KEY"], "container": container}}
    shared = {"DATABASE_URL": shared_database.url, "IMAGE_STORES": json.dumps(stores), "IMAGE_DEFAULT_STORE": "swift"}
    root = tmp_path_factory.mktemp("two-nodes")
    a = LiveServer(root / "a", workers=1, extra_env={**shared, "NODE_NAME": "node-a"})
    b = LiveServer(root / "b", workers=1, extra_env={**shared, "NODE_NAME": "node-b"})
    with a, b:
        a.container = b.container = container
        yield a, b


def test_uploaded_through_one_listed_downloaded_and_deleted_through_the_other(nodes, swift):
    a, b = nodes
    data = os.urandom(3 * MiB + 5)
    image_id = raw_image(a, "from-a")
    ok(a, "PUT", f"/v2/images/{image_id}/file", data=data, headers={"Content-Type": "application/octet-stream"})
    assert image_id in [image["id"] for image in ok(b, "GET", "/v2/images")["images"]]
    image = ok(b, "GET", f"/v2/images/{image_id}")
    assert (image["status"], image["checksum"]) == ("active", hashlib.md5(data).hexdigest())
    status, downloaded = call(b, "GET", f"/v2/images/{image_id}/file")
    assert (status, downloaded) == (200, data)
    assert [entry["name"] for entry in swift.get_container(a.container)[1]] == [image_id]
    assert call(b, "DELETE", f"/v2/images/{image_id}")[0] == 204
    assert swift.get_container(a.container)[1] == []
    assert call(a, "GET", f"/v2/images/{image_id}")[0] == 404


def test_staged_on_one_imported_through_the_other(nodes):
    a, b = nodes
    data = os.urandom(2 * MiB)
    image_id = raw_image(a, "staged-on-a")
    ok(a, "PUT", f"/v2/images/{image_id}/stage", data=data, headers={"Content-Type": "application/octet-stream"})
    assert [path.name.split(".")[0] for path in (a.data_dir / "staging").iterdir()] == [image_id]
    assert call(b, "POST", f"/v2/images/{image_id}/import", {"method": {"name": "glance-direct"}})[0] == 202
    image = wait_until_active(b, image_id)
    assert (image["status"], image["os_hash_value"]) == ("active", hashlib.sha512(data).hexdigest())
    assert call(b, "GET", f"/v2/images/{image_id}/file") == (200, data)
    assert list((a.data_dir / "staging").iterdir()) == []
    [task] = ok(b, "GET", f"/v2/images/{image_id}/tasks")["tasks"]
    assert task["status"] == "success" and task["request_id"]


def test_an_image_imported_through_one_is_served_by_the_other(nodes):
    a, b = nodes
    data = os.urandom(MiB)
    image_id = raw_image(b, "staged-and-imported-on-b")
    ok(b, "PUT", f"/v2/images/{image_id}/stage", data=data, headers={"Content-Type": "application/octet-stream"})
    assert call(b, "POST", f"/v2/images/{image_id}/import", {"method": {"name": "glance-direct"}})[0] == 202
    assert wait_until_active(a, image_id)["status"] == "active"
    assert call(a, "GET", f"/v2/images/{image_id}/file") == (200, data)
