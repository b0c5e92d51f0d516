"""Interoperable import (stage, glance-direct, copy-image, tasks) through the real clients.

python-glanceclient's `glance`, python-openstackclient's `openstack` and openstacksdk against the
service as `make run` starts it, its import worker included: an import is accepted with 202 and
finished by that worker, so a test polls the image over HTTP until the worker is done, then checks
what the client shows and the bytes it downloads.

Both CLIs run with a terminal as stdin, as a user types them: with any other stdin (a pipe,
/dev/null) they take stdin for image data: glanceclient's `image-create-via-import --file` then
refuses to run ("You cannot use both --file and stdin") and `openstack image create` without
--file uploads an empty image.
"""
import hashlib
import json
import os
import subprocess
import time
import urllib.request
import uuid
from dataclasses import dataclass

import glanceclient
import openstack as openstacksdk
import pytest

from tests.e2e.conftest import Cli, CliResult
from tests.e2e.test_glanceclient_metadefs import record
from tests.support.disk_images import qcow2_with_data
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.e2e

ALL_METHODS = ["glance-direct", "web-download", "copy-image"]


class TerminalCli(Cli):
    """A CLI run with a terminal (a pty) as stdin; otherwise as tests.e2e.conftest.Cli."""

    def __call__(self, *args, expect_failure=False):
        argv = [self.program, *self.options, *map(str, args)]
        leader, follower = os.openpty()
        try:
            completed = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=120,
                                       stdin=follower)
        finally:
            os.close(follower)
            os.close(leader)
        result = CliResult(argv, completed.returncode, completed.stdout, completed.stderr)
        if expect_failure != (result.returncode != 0):
            pytest.fail(f"expected the command to {'fail' if expect_failure else 'succeed'}:\n{result.describe()}",
                        pytrace=False)
        return result


@dataclass
class DataFile:
    path: object
    data: bytes

    @property
    def md5(self):
        return hashlib.md5(self.data).hexdigest()

    @property
    def sha512(self):
        return hashlib.sha512(self.data).hexdigest()

    def assert_same_as(self, path):
        """The downloaded file at `path` is this file: same md5 and sha512 (and so the same bytes)."""
        got = path.read_bytes()
        assert (hashlib.md5(got).hexdigest(), hashlib.sha512(got).hexdigest()) == (self.md5, self.sha512)


@pytest.fixture
def raw_file(tmp_path):
    path = tmp_path / "disk.raw"
    path.write_bytes(os.urandom(2 * 1024 * 1024 + 4321))
    return DataFile(path, path.read_bytes())


def get(server, path):
    with urllib.request.urlopen(server.url + path, timeout=10) as response:
        return json.loads(response.read())


def image_tasks(server, image_id):
    return get(server, f"/v2/images/{image_id}/tasks")["tasks"]


def wait_until_imported(server, image_id, timeout=30):
    """The image once no import task of it is pending or processing; fails with its tasks if it is not active."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks = image_tasks(server, image_id)
        if tasks and all(task["status"] in ("success", "failure") for task in tasks):
            image = get(server, f"/v2/images/{image_id}")
            assert image["status"] == "active", f"import ended with {image['status']}: {tasks}"
            return image
        time.sleep(0.1)
    raise AssertionError(f"import of {image_id} not finished within {timeout}s: {image_tasks(server, image_id)}")


def task_statuses(output):
    """The Status column of `glance image-tasks` (its first column, Message, is often empty, which
    the table parser would take for a wrapped row)."""
    rows = [line.split("|") for line in output.splitlines() if line.startswith("|")]
    return [cells[2].strip() for cells in rows[1:]]


def digest(value):
    """A hex digest from a table cell (prettytable wraps it; the parser joins the parts with spaces)."""
    return value.replace(" ", "")


def data_of(shown):
    """What `glance image-show` says about an image's data."""
    return {"status": shown["status"], "size": shown["size"], "checksum": shown["checksum"],
            "os_hash_algo": shown["os_hash_algo"], "os_hash_value": digest(shown["os_hash_value"])}


def expected_data(data_file):
    return {"status": "active", "size": str(len(data_file.data)), "checksum": data_file.md5,
            "os_hash_algo": "sha512", "os_hash_value": data_file.sha512}


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def cleanup(live_service):
    """Image ids to delete after the test (the session's server is shared with other modules)."""
    image_ids = []
    yield image_ids
    admin = glanceclient.Client("2", endpoint=live_service.url, token="e2e-token")
    for image_id in image_ids:
        admin.images.delete(image_id)


def glance_cli(server, client_env):
    return TerminalCli("glance", ["--os-image-url", server.url, "--os-auth-token", "e2e-token"], client_env)


def openstack_cli(server, client_env):
    """keystoneauth's `none` plugin: a dummy token sent to a fixed endpoint (as in tests.e2e.conftest)."""
    return TerminalCli("openstack", ["--os-auth-type", "none", "--os-endpoint", server.url,
                                     "--os-image-api-version", "2"], client_env)


@pytest.fixture(scope="module")
def glance_tty(live_service, client_env):
    return glance_cli(live_service, client_env)


@pytest.fixture(scope="module")
def openstack(live_service, client_env):
    return openstack_cli(live_service, client_env)


def staged_files(server, image_id):
    """The image's files in the server's staging directory (other modules' tests may use it too)."""
    staging = server.data_dir / "staging"
    return sorted(path.name for path in staging.glob(f"*{image_id}*"))


# --- glanceclient, one store --------------------------------------------------------------------

def test_import_info_lists_the_enabled_methods(glance_tty):
    shown = record(glance_tty("import-info").stdout)["import-methods"]
    # prettytable wraps the JSON value anywhere: compare it without whitespace.
    expected = {"description": "Import methods available.", "type": "array", "value": ALL_METHODS}
    assert "".join(shown.split()) == "".join(json.dumps(expected).split())


def test_create_via_import_stages_imports_and_downloads_the_same_bytes(glance_tty, live_service, raw_file, cleanup,
                                                                       tmp_path):
    created = record(glance_tty("image-create-via-import", "--disk-format", "raw", "--container-format", "bare",
                                "--name", unique("via-import"), "--file", raw_file.path).stdout)
    cleanup.append(created["id"])
    assert created["status"] in ("importing", "active")
    wait_until_imported(live_service, created["id"])

    assert data_of(record(glance_tty("image-show", created["id"]).stdout)) == expected_data(raw_file)
    out = tmp_path / "downloaded"
    glance_tty("image-download", "--file", out, created["id"])
    raw_file.assert_same_as(out)
    assert staged_files(live_service, created["id"]) == []


def test_stage_then_glance_direct_import_records_a_successful_task(glance_tty, live_service, raw_file, cleanup,
                                                                   tmp_path):
    image_id = record(glance_tty("image-create", "--disk-format", "raw", "--container-format", "bare",
                                 "--name", unique("staged")).stdout)["id"]
    cleanup.append(image_id)
    glance_tty("image-stage", "--file", raw_file.path, image_id)
    staged = record(glance_tty("image-show", image_id).stdout)
    assert (staged["status"], staged["size"], staged["checksum"]) == ("uploading", str(len(raw_file.data)), "None")
    assert [name.split(".")[0] for name in staged_files(live_service, image_id)] == [image_id]

    glance_tty("image-import", "--import-method", "glance-direct", image_id)
    wait_until_imported(live_service, image_id)
    assert data_of(record(glance_tty("image-show", image_id).stdout)) == expected_data(raw_file)
    out = tmp_path / "downloaded"
    glance_tty("image-download", "--file", out, image_id)
    raw_file.assert_same_as(out)
    assert staged_files(live_service, image_id) == []

    [task] = image_tasks(live_service, image_id)
    shown = record(glance_tty("task-show", task["id"]).stdout)
    assert {key: shown[key] for key in ("id", "type", "status", "image_id", "result", "message", "owner")} == {
        "id": task["id"], "type": "api_image_import", "status": "success", "image_id": image_id,
        "result": json.dumps({"image_id": image_id}), "message": "", "owner": "admin"}


def test_image_tasks_needs_api_2_12_which_one_store_does_not_list(glance_tty, live_service, raw_file, cleanup):
    """As Glance: v2.8-v2.13 are listed only with several stores, and glanceclient checks for v2.12."""
    image_id = record(glance_tty("image-create", "--disk-format", "raw", "--container-format", "bare",
                                 "--name", unique("no-tasks-api")).stdout)["id"]
    cleanup.append(image_id)
    refused = glance_tty("image-tasks", image_id, expect_failure=True)
    assert "Server does not support image tasks API (v2.12)" in refused.stderr


def test_qcow2_imported_via_glance_direct_shows_its_virtual_size(glance_tty, live_service, cleanup, tmp_path):
    path = tmp_path / "disk.qcow2"
    qcow2 = DataFile(path, qcow2_with_data(path, 5 * 1024 * 1024 + 512))
    info = json.loads(subprocess.run(["qemu-img", "info", "--output=json", str(path)], check=True,
                                     capture_output=True, text=True).stdout)
    image_id = record(glance_tty("image-create-via-import", "--disk-format", "qcow2", "--container-format", "bare",
                                 "--name", unique("qcow2"), "--file", path).stdout)["id"]
    cleanup.append(image_id)
    wait_until_imported(live_service, image_id)

    shown = record(glance_tty("image-show", image_id).stdout)
    assert (shown["virtual_size"], shown["disk_format"]) == (str(info["virtual-size"]), "qcow2")
    assert data_of(shown) == expected_data(qcow2)
    out = tmp_path / "downloaded"
    glance_tty("image-download", "--file", out, image_id)
    qcow2.assert_same_as(out)


def test_random_bytes_declared_qcow2_are_refused_at_stage_and_the_image_stays_queued(glance_tty, live_service,
                                                                                      raw_file, cleanup):
    image_id = record(glance_tty("image-create", "--disk-format", "qcow2", "--container-format", "bare",
                                 "--name", unique("not-qcow2")).stdout)["id"]
    cleanup.append(image_id)
    refused = glance_tty("image-stage", "--file", raw_file.path, image_id, expect_failure=True)
    assert "415 Unsupported Media Type" in refused.stderr
    assert "Image disk_format qcow2 does not match stream data raw" in refused.stderr
    shown = record(glance_tty("image-show", image_id).stdout)
    assert (shown["status"], shown["size"]) == ("queued", "None")
    assert staged_files(live_service, image_id) == []


# --- openstackclient, one store -----------------------------------------------------------------

def osc_show(openstack, image_id):
    return json.loads(openstack("image", "show", "-f", "json", image_id).stdout)


def test_openstack_import_info_lists_the_enabled_methods(openstack):
    shown = json.loads(openstack("image", "import", "info", "-f", "json").stdout)
    assert shown["import-methods"] == ALL_METHODS


def test_openstack_stage_then_import_glance_direct(openstack, live_service, raw_file, cleanup, tmp_path):
    image_id = json.loads(openstack("image", "create", "--disk-format", "raw", "--container-format", "bare",
                                    "-f", "json", unique("osc-staged")).stdout)["id"]
    cleanup.append(image_id)
    openstack("image", "stage", "--file", raw_file.path, image_id)
    assert osc_show(openstack, image_id)["status"] == "uploading"

    # Without --disallow-failure the client sends all_stores_must_succeed=false, which Glance (and so
    # this service) refuses with 400 when there is only one store; the client does not report that.
    openstack("image", "import", image_id, "--method", "glance-direct", "--disallow-failure")
    wait_until_imported(live_service, image_id)
    shown = osc_show(openstack, image_id)
    assert (shown["status"], shown["size"], shown["checksum"], shown["properties"]["os_hash_value"]) == (
        "active", len(raw_file.data), raw_file.md5, raw_file.sha512)
    out = tmp_path / "saved"
    openstack("image", "save", "--file", out, image_id)
    raw_file.assert_same_as(out)


def test_openstack_image_create_import(openstack, live_service, raw_file, cleanup, tmp_path):
    name = unique("osc-import")
    try:
        created = openstack("image", "create", "--import", "--disk-format", "raw", "--container-format", "bare",
                            "--file", raw_file.path, "-f", "json", name)
    finally:
        admin = glanceclient.Client("2", endpoint=live_service.url, token="e2e-token")
        cleanup.extend(image.id for image in admin.images.list(filters={"name": name}))
    image_id = json.loads(created.stdout)["id"]
    wait_until_imported(live_service, image_id)
    out = tmp_path / "saved"
    openstack("image", "save", "--file", out, image_id)
    raw_file.assert_same_as(out)


# --- openstacksdk, one store --------------------------------------------------------------------

@pytest.fixture
def conn(live_service):
    connection = openstacksdk.connect(auth_type="none", auth={"endpoint": live_service.url},
                                      load_yaml_config=False, load_envvars=False)
    yield connection
    connection.close()


def test_sdk_stage_and_import_glance_direct(conn, live_service, raw_file, cleanup, tmp_path):
    image = conn.image.create_image(name=unique("sdk-staged"), disk_format="raw", container_format="bare")
    cleanup.append(image.id)
    conn.image.stage_image(image, filename=str(raw_file.path))
    assert conn.image.get_image(image.id).status == "uploading"

    response = conn.image.import_image(image, method="glance-direct")
    assert response.status_code == 202
    image = conn.image.wait_for_status(image, "active", failures=["queued", "killed"], interval=0.2, wait=30)
    assert (image.size, image.checksum, image.hash_algo, image.hash_value) == (
        len(raw_file.data), raw_file.md5, "sha512", raw_file.sha512)
    out = tmp_path / "downloaded"
    conn.image.download_image(image, output=str(out))
    raw_file.assert_same_as(out)


def test_sdk_create_image_use_import(conn, live_service, raw_file, cleanup, tmp_path):
    name = unique("sdk-import")
    try:
        image = conn.image.create_image(name=name, filename=str(raw_file.path), disk_format="raw",
                                        container_format="bare", use_import=True, wait=True)
    finally:
        cleanup.extend(image.id for image in conn.image.images(name=name))
    image = conn.image.wait_for_status(image, "active", failures=["queued", "killed"], interval=0.2, wait=30)
    out = tmp_path / "downloaded"
    conn.image.download_image(image, output=str(out))
    raw_file.assert_same_as(out)


# --- several stores -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_stores(tmp_path_factory):
    root = tmp_path_factory.mktemp("import-stores")
    stores = {"a": {"type": "file", "directory": str(root / "a"), "description": "first"},
              "b": {"type": "file", "directory": str(root / "b"), "description": "second"}}
    with LiveServer(root / "server", extra_env={"IMAGE_STORES": json.dumps(stores),
                                                "IMAGE_DEFAULT_STORE": "a"}) as server:
        yield server, root
        assert not server.crashed, server.log()


@pytest.fixture(scope="module")
def glance_stores(two_stores, client_env):
    return glance_cli(two_stores[0], client_env)


@pytest.fixture(scope="module")
def openstack_stores(two_stores, client_env):
    return openstack_cli(two_stores[0], client_env)


def test_stores_info_lists_both_stores(glance_stores):
    shown = "".join(record(glance_stores("stores-info").stdout)["stores"].split())
    assert json.loads(shown) == [{"id": "a", "description": "first", "default": "true"},
                                 {"id": "b", "description": "second"}]


def test_create_via_import_into_both_stores(glance_stores, two_stores, raw_file, tmp_path):
    server, root = two_stores
    image_id = record(glance_stores("image-create-via-import", "--disk-format", "raw", "--container-format", "bare",
                                    "--name", unique("both"), "--file", raw_file.path, "--stores", "a,b").stdout)["id"]
    wait_until_imported(server, image_id)

    shown = record(glance_stores("image-show", image_id).stdout)
    assert (shown["stores"], shown["os_glance_failed_import"], shown["os_glance_importing_to_stores"]) == (
        "a,b", "", "")
    assert data_of(shown) == expected_data(raw_file)
    raw_file.assert_same_as(root / "a" / image_id)
    raw_file.assert_same_as(root / "b" / image_id)
    out = tmp_path / "downloaded"
    glance_stores("image-download", "--file", out, image_id)
    raw_file.assert_same_as(out)
    assert task_statuses(glance_stores("image-tasks", image_id).stdout) == ["success"]
    assert staged_files(server, image_id) == []


def test_copy_image_to_a_second_store(glance_stores, two_stores, raw_file):
    server, root = two_stores
    image_id = record(glance_stores("image-create-via-import", "--disk-format", "raw", "--container-format", "bare",
                                    "--name", unique("copied"), "--file", raw_file.path, "--store", "a").stdout)["id"]
    wait_until_imported(server, image_id)
    assert record(glance_stores("image-show", image_id).stdout)["stores"] == "a"
    assert not (root / "b" / image_id).exists()

    glance_stores("image-import", "--import-method", "copy-image", "--stores", "b", image_id)
    wait_until_imported(server, image_id)
    shown = record(glance_stores("image-show", image_id).stdout)
    assert (shown["stores"], shown["os_glance_importing_to_stores"]) == ("a,b", "")
    assert data_of(shown) == expected_data(raw_file)  # a copy leaves the image's data as it was
    raw_file.assert_same_as(root / "b" / image_id)
    assert task_statuses(glance_stores("image-tasks", image_id).stdout) == ["success", "success"]

    refused = glance_stores("image-import", "--import-method", "copy-image", "--stores", "b", image_id,
                            expect_failure=True)
    # HTML error body, as Glance's: glanceclient strips the tags but leaves the quotes escaped.
    assert "HTTP 400 Bad Request: Image is already present at store &#x27;b&#x27;" in refused.stderr


def test_openstack_copy_image_to_a_second_store(openstack_stores, two_stores, raw_file, tmp_path):
    server, root = two_stores
    image_id = json.loads(openstack_stores("image", "create", "--disk-format", "raw", "--container-format", "bare",
                                           "--file", raw_file.path, "-f", "json", unique("osc-copied")).stdout)["id"]
    assert osc_show(openstack_stores, image_id)["properties"]["stores"] == "a"

    openstack_stores("image", "import", image_id, "--method", "copy-image", "--store", "b")
    wait_until_imported(server, image_id)
    assert osc_show(openstack_stores, image_id)["properties"]["stores"] == "a,b"
    raw_file.assert_same_as(root / "b" / image_id)
    listed = json.loads(openstack_stores("image", "stores", "list", "-f", "json").stdout)
    assert sorted(store["ID"] for store in listed) == ["a", "b"]


# --- web-download: the service fetches the URL ---------------------------------------------------

@pytest.fixture(scope="module")
def web_download(tmp_path_factory):
    """A server that may fetch from this test's own HTTP server on loopback (and nowhere else), and that server."""
    from tests.support.http_server import LocalHttpServer

    root = tmp_path_factory.mktemp("web-download")
    with LocalHttpServer(root / "http-root") as source:
        with LiveServer(root / "server", extra_env={"IMPORT_ALLOW_PRIVATE_NETWORKS": "true",
                                                    "IMPORT_ALLOWED_PORTS": str(source.port)}) as server:
            yield server, source
            assert not server.crashed, server.log()


def test_glance_create_via_import_with_web_download(web_download, client_env, raw_file, tmp_path):
    server, source = web_download
    glance = glance_cli(server, client_env)
    url = source.add_file("cirros.raw", raw_file.data)
    created = record(glance("image-create-via-import", "--disk-format", "raw", "--container-format", "bare",
                            "--name", unique("web"), "--import-method", "web-download", "--uri", url).stdout)
    wait_until_imported(server, created["id"])
    out = tmp_path / "downloaded"
    glance("image-download", "--file", out, created["id"])
    raw_file.assert_same_as(out)
    [task] = image_tasks(server, created["id"])
    assert (task["status"], task["input"]["import_req"]["method"]) == ("success", {"name": "web-download",
                                                                                   "uri": url})


def test_openstack_image_import_with_web_download(web_download, client_env, raw_file, tmp_path):
    server, source = web_download
    openstack = openstack_cli(server, client_env)
    url = source.add_file("debian.raw", raw_file.data)
    image_id = json.loads(openstack("image", "create", "--disk-format", "raw", "--container-format", "bare",
                                    "-f", "json", unique("osc-web")).stdout)["id"]
    openstack("image", "import", image_id, "--method", "web-download", "--uri", url, "--disallow-failure")
    wait_until_imported(server, image_id)
    out = tmp_path / "saved"
    openstack("image", "save", "--file", out, image_id)
    raw_file.assert_same_as(out)


def test_web_download_of_a_refused_url_is_an_error_the_client_shows(web_download, client_env):
    server, _ = web_download
    glance = glance_cli(server, client_env)
    image_id = record(glance("image-create", "--disk-format", "raw", "--container-format", "bare",
                             "--name", unique("refused")).stdout)["id"]
    failed = glance("image-import", "--import-method", "web-download", "--uri", "http://169.254.169.254/latest/",
                    image_id, expect_failure=True)
    assert "does not pass filtering" in failed.stderr
    assert record(glance("image-show", image_id).stdout)["status"] == "queued"
