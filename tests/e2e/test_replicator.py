"""`manage.py replicate` between two running instances of this service (own databases, own data dirs).

Each test works in a noauth project of its own, and the command authenticates to both sides with
trusted headers as a member of it: the images of other tests are invisible to it.
"""
import hashlib
import json
import os
import pty
import signal
import socket
import subprocess
import sys
import time
import uuid
from urllib.parse import urlsplit

import pytest

from tests.support.disk_images import qcow2_with_data
from tests.support.http_calls import ok
from tests.support.live_server import ROOT, LiveServer
from tests.support.replication import (Project, assert_same_image, data_sha512, downloads_logged, image_of,
                                       make_image, replicate, replicate_argv, replicate_env, uploads_logged)

pytestmark = pytest.mark.e2e
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    root = tmp_path_factory.mktemp("replication")
    with LiveServer(root / "source", workers=1) as source, LiveServer(root / "target", workers=1) as target:
        yield source, target


@pytest.fixture
def project():
    return Project(f"replica-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def images(servers, project, tmp_path):
    """Three active images (a real qcow2, a raw one with every kind of property, a hidden one) and a queued one."""
    source, _ = servers
    qcow2 = qcow2_with_data(tmp_path / "disk.qcow2", 2 * MiB + 7)
    return [
        make_image(source, project, "disk", qcow2, disk_format="qcow2", tags=["linux", "base"]),
        make_image(source, project, "props", os.urandom(MiB + 3), visibility="shared", protected=True, min_ram=512,
                   min_disk=2, os_distro="debian", hw_disk_bus="scsi", secret_note="do not copy"),
        make_image(source, project, "hidden", os.urandom(4096), os_hidden=True),
        make_image(source, project, "no data yet"),
    ]


def livecopy(servers, project, tmp_path, *options, expect_status=0):
    source, target = servers
    return replicate(tmp_path, "livecopy", *project.options("source", "target"), *options, source.url, target.url,
                     expect_status=expect_status)


def test_livecopy_keeps_ids_metadata_and_data(servers, project, images, tmp_path):
    source, target = servers
    result = livecopy(servers, project, tmp_path)
    for image in images[:3]:
        assert_same_image(image, image_of(target, project, image["id"]))
        assert data_sha512(target, project, image["id"]) == data_sha512(source, project, image["id"])
    assert image_of(target, project, images[3]["id"]) is None, "a queued image has nothing to replicate"
    assert "created 3, data copied 3, metadata updated 0, identical 0, failed 0" in result.stdout
    assert "ETA" in result.stderr and "data copied" in result.stderr


def test_second_run_sends_no_data_and_changes_nothing(servers, project, images, tmp_path):
    source, target = servers
    first_offset, source_offset = target.log_size(), source.log_size()
    livecopy(servers, project, tmp_path)
    # What the first run sent, as the access log shows it: the same reading must see nothing the second time.
    assert uploads_logged(target, since=first_offset) == {image["id"]: 1 for image in images[:3]}
    assert downloads_logged(source, since=source_offset) == 3
    before = {image["id"]: image_of(target, project, image["id"])["updated_at"] for image in images[:3]}
    offset, source_offset = target.log_size(), source.log_size()
    result = livecopy(servers, project, tmp_path)
    assert "created 0, data copied 0, metadata updated 0, identical 3, failed 0" in result.stdout
    assert uploads_logged(target, since=offset) == {}
    assert downloads_logged(source, since=source_offset) == 0
    assert {image_id: image_of(target, project, image_id)["updated_at"] for image_id in before} == before


def test_changed_metadata_is_brought_in_step(servers, project, images, tmp_path):
    source, target = servers
    livecopy(servers, project, tmp_path)
    changed = images[1]["id"]
    ok(source, "PATCH", f"/v2/images/{changed}", data=json.dumps([
        {"op": "replace", "path": "/name", "value": "renamed"}, {"op": "remove", "path": "/os_distro"},
        {"op": "add", "path": "/tags", "value": ["new"]}, {"op": "replace", "path": "/min_ram", "value": 1024}]),
       headers={**project.headers, "Content-Type": "application/openstack-images-v2.1-json-patch"})
    offset = target.log_size()
    result = livecopy(servers, project, tmp_path)
    assert "metadata updated 1, identical 2" in result.stdout
    assert_same_image(image_of(source, project, changed), image_of(target, project, changed))
    assert "os_distro" not in image_of(target, project, changed)
    assert uploads_logged(target, since=offset) == {}


def test_metaonly_copies_records_without_data(servers, project, images, tmp_path):
    source, target = servers
    result = livecopy(servers, project, tmp_path, "--metaonly")
    assert "created 3, data copied 0" in result.stdout
    for image in images[:3]:
        copy = image_of(target, project, image["id"])
        assert copy["status"] == "queued" and copy["size"] is None and copy["name"] == image["name"]
    assert uploads_logged(target).keys().isdisjoint(image["id"] for image in images)
    compare = ["compare", *project.options("source", "target"), source.url, target.url]
    replicate(tmp_path, *compare, "--metaonly")
    assert "status differs (source 'active', target 'queued')" in replicate(tmp_path, *compare, expect_status=1).stdout
    result = livecopy(servers, project, tmp_path)
    assert "created 0, data copied 3" in result.stdout
    for image in images[:3]:
        assert_same_image(image, image_of(target, project, image["id"]))


def test_dontreplicate_leaves_named_properties_behind(servers, project, images, tmp_path):
    source, target = servers
    dont = "created_at date deleted_at location updated_at secret_note hw_disk_bus"
    livecopy(servers, project, tmp_path, "--dontreplicate", dont)
    copy = image_of(target, project, images[1]["id"])
    assert "secret_note" not in copy and "hw_disk_bus" not in copy and copy["os_distro"] == "debian"
    compare = ["compare", *project.options("source", "target"), source.url, target.url]
    replicate(tmp_path, *compare, "-D", dont)
    assert "secret_note differs (source 'do not copy', target (absent))" in \
        replicate(tmp_path, *compare, expect_status=1).stdout


def test_compare_lists_missing_and_different_images(servers, project, images, tmp_path):
    source, target = servers
    compare = ["compare", *project.options("source", "target"), source.url, target.url]
    result = replicate(tmp_path, *compare, expect_status=1)
    assert result.stdout.count("missing from the target") == 3
    livecopy(servers, project, tmp_path)
    assert "3 identical, 0 differ" in replicate(tmp_path, *compare).stdout
    ok(target, "PATCH", f"/v2/images/{images[0]['id']}", data=json.dumps([{"op": "add", "path": "/os_distro",
                                                                             "value": "changed"}]),
       headers={**project.headers, "Content-Type": "application/openstack-images-v2.1-json-patch"})
    result = replicate(tmp_path, *compare, expect_status=1)
    assert f"{images[0]['id']} (disk, {images[0]['size']} bytes): os_distro differs (source (absent), " \
           "target 'changed')" in result.stdout
    assert "2 identical, 1 differ" in result.stdout


def test_dump_then_load(servers, project, images, tmp_path):
    source, target = servers
    dump_dir = tmp_path / "dump"
    result = replicate(tmp_path, "dump", *project.options("source"), source.url, dump_dir)
    assert "created 3, data copied 3" in result.stdout
    assert sorted(path.name for path in dump_dir.iterdir()) == sorted(
        f"{image['id']}.{suffix}" for image in images[:3] for suffix in ("img", "json"))
    assert json.loads((dump_dir / f"{images[1]['id']}.json").read_text())["secret_note"] == "do not copy"
    offset = source.log_size()
    assert "identical 3" in replicate(tmp_path, "dump", *project.options("source"), source.url, dump_dir).stdout
    assert downloads_logged(source, since=offset) == 0
    result = replicate(tmp_path, "load", *project.options("target"), dump_dir, target.url)
    assert "created 3, data copied 3" in result.stdout
    for image in images[:3]:
        assert_same_image(image, image_of(target, project, image["id"]))
        assert data_sha512(target, project, image["id"]) == data_sha512(source, project, image["id"])
    assert "identical 3" in replicate(tmp_path, "load", *project.options("target"), dump_dir, target.url).stdout


def test_size_counts_active_images(servers, project, images, tmp_path):
    source, _ = servers
    total = sum(image["size"] for image in images[:3])
    result = replicate(tmp_path, "size", *project.options("source"), source.url)
    assert f"Total size is {total} bytes" in result.stdout and "across 3 active image(s)" in result.stdout


def test_unreachable_side_is_named(servers, project, tmp_path):
    source, _ = servers
    result = replicate(tmp_path, "livecopy", source.url, "127.0.0.1:9", expect_status=1)
    assert "target http://127.0.0.1:9" in result.stderr and "Traceback" not in result.stderr
    result = replicate(tmp_path, "size", "ftp://example", expect_status=1)
    assert "'ftp://example' is not an image service URL" in result.stderr


def wait_for_status(server, project, image_id, status, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        image = image_of(server, project, image_id)
        if image and image["status"] == status:
            return image
        time.sleep(0.02)
    raise AssertionError(f"image {image_id} never became {status} on {server.url}")


def test_killed_mid_transfer_resumes_without_copying_twice(servers, project, tmp_path):
    source, target = servers
    first = make_image(source, project, "first", os.urandom(MiB))
    big = make_image(source, project, "big", os.urandom(256 * MiB))
    last = make_image(source, project, "last", os.urandom(MiB))
    offset = target.log_size()
    argv = replicate_argv("livecopy", *project.options("source", "target"), source.url, target.url)
    process = subprocess.Popen(argv, cwd=ROOT, env=replicate_env(tmp_path), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for_status(target, project, big["id"], "saving")
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert image_of(target, project, first["id"])["status"] == "active"
    assert image_of(target, project, last["id"]) is None, "the run was killed before the last image"
    # Run through a parent that reports its child's peak memory: the 256 MiB image must stream, not sit in memory.
    measure = ("import resource, subprocess, sys; completed = subprocess.run(sys.argv[1:], capture_output=True, "
               "text=True); print(completed.stdout, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    resumed = subprocess.run([sys.executable, "-c", measure, *argv], cwd=ROOT, env=replicate_env(tmp_path),
                             capture_output=True, text=True, timeout=600)
    summary, peak_kib = resumed.stdout.rsplit(maxsplit=1)
    assert "created 1, data copied 2, metadata updated 0, identical 1, failed 0" in summary
    assert uploads_logged(target, since=offset) == {first["id"]: 1, big["id"]: 2, last["id"]: 1}
    for image in (first, big, last):
        assert_same_image(image, image_of(target, project, image["id"]))
    assert int(peak_kib) < 160 * 1024, f"the replicator peaked at {int(peak_kib) // 1024} MiB copying 256 MiB"


def test_killed_dump_resumes_without_fetching_twice(servers, project, tmp_path):
    source, _ = servers
    first = make_image(source, project, "first", os.urandom(MiB))
    big = make_image(source, project, "big", os.urandom(128 * MiB))
    last = make_image(source, project, "last", os.urandom(MiB))
    dump_dir = tmp_path / "dump"
    argv = replicate_argv("dump", *project.options("source"), source.url, dump_dir)
    process = subprocess.Popen(argv, cwd=ROOT, env=replicate_env(tmp_path), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    partial = dump_dir / f"{big['id']}.img.part"
    try:
        wait_until(lambda: partial.exists() and partial.stat().st_size > 0)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert (dump_dir / f"{first['id']}.json").exists() and not (dump_dir / f"{big['id']}.json").exists()
    offset = source.log_size()
    result = replicate(tmp_path, *argv[3:])
    assert "created 2, data copied 2, metadata updated 0, identical 1, failed 0" in result.stdout
    assert downloads_logged(source, since=offset) == 2
    assert not partial.exists()
    for image in (first, big, last):
        assert hashlib.sha512((dump_dir / f"{image['id']}.img").read_bytes()).hexdigest() == image["os_hash_value"]


def wait_until(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_upload_still_saving_on_the_target_is_left_then_finished(servers, project, tmp_path):
    source, target = servers
    image = make_image(source, project, "busy", os.urandom(MiB))
    ok(target, "POST", "/v2/images", {"id": image["id"], "name": "busy", "disk_format": "raw",
                                      "container_format": "bare"}, headers=project.headers)
    parts = urlsplit(target.url)
    with socket.create_connection((parts.hostname, parts.port)) as upload:
        upload.sendall((f"PUT /v2/images/{image['id']}/file HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        f"X-Project-Id: {project.id}\r\nX-Roles: member\r\n"
                        f"Content-Type: application/octet-stream\r\nContent-Length: {MiB}\r\n\r\n").encode())
        upload.sendall(os.urandom(MiB // 2))
        wait_for_status(target, project, image["id"], "saving")
        result = livecopy(servers, project, tmp_path, "--saving-wait", "2", expect_status=1)
        assert "failed 1" in result.stdout
        assert "still saving data for it after 2s" in result.stderr
    wait_for_status(target, project, image["id"], "queued")
    assert "data copied 1" in livecopy(servers, project, tmp_path).stdout
    assert_same_image(image, image_of(target, project, image["id"]))


def test_progress_bar_on_a_terminal(servers, project, tmp_path):
    source, target = servers
    make_image(source, project, "shown", os.urandom(8 * MiB))
    controller, terminal = pty.openpty()
    argv = replicate_argv("livecopy", *project.options("source", "target"), source.url, target.url)
    process = subprocess.Popen(argv, cwd=ROOT, env={**replicate_env(tmp_path), "TERM": "xterm", "COLUMNS": "150"},
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert process.wait() == 0
    assert "data copied 1" in process.stdout.read().decode()
    screen = shown.decode("utf-8", "replace")
    assert "━" in screen and "8.4/8.4 MB" in screen and "ETA" in screen
