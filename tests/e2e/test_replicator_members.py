"""`manage.py replicate` keeps the memberships of shared images: who an image is shared with, and each answer.

Servers of their own: the command runs as each side's administrator here (setting another project's
answer takes one), so it sees every image on them.
"""
import json
import os

import pytest

from tests.support.http_calls import call, ok
from tests.support.live_server import LiveServer
from tests.support.replication import replicate

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    root = tmp_path_factory.mktemp("replication-members")
    with LiveServer(root / "source", workers=1) as source, LiveServer(root / "target", workers=1) as target:
        yield source, target


def members_of(server, image_id):
    body = ok(server, "GET", f"/v2/images/{image_id}/members")
    return {member["member_id"]: member["status"] for member in body["members"]}


def share(server, image_id, member_id, status):
    ok(server, "POST", f"/v2/images/{image_id}/members", {"member": member_id})
    if status != "pending":
        ok(server, "PUT", f"/v2/images/{image_id}/members/{member_id}", {"status": status})


def test_memberships_are_copied_and_kept_in_step(servers, tmp_path):
    source, target = servers
    image = ok(source, "POST", "/v2/images", {"name": "shared", "disk_format": "raw", "container_format": "bare",
                                              "visibility": "shared"})
    ok(source, "PUT", f"/v2/images/{image['id']}/file", data=os.urandom(5000),
       headers={"Content-Type": "application/octet-stream"})
    for member_id, status in (("p-accepts", "accepted"), ("p-waits", "pending"), ("p-refuses", "rejected")):
        share(source, image["id"], member_id, status)
    replicate(tmp_path, "livecopy", source.url, target.url)
    assert members_of(target, image["id"]) == {"p-accepts": "accepted", "p-waits": "pending", "p-refuses": "rejected"}

    ok(source, "DELETE", f"/v2/images/{image['id']}/members/p-waits")
    share(source, image["id"], "p-new", "accepted")
    ok(target, "PUT", f"/v2/images/{image['id']}/members/p-accepts", {"status": "rejected"})
    compare = replicate(tmp_path, "compare", source.url, target.url, expect_status=1).stdout
    assert "member p-new differs (source 'accepted', target None)" in compare
    assert "member p-accepts differs (source 'accepted', target 'rejected')" in compare
    result = replicate(tmp_path, "livecopy", source.url, target.url)
    assert "metadata updated 1" in result.stdout and "data copied 0" in result.stdout
    assert members_of(target, image["id"]) == members_of(source, image["id"]) == {
        "p-accepts": "accepted", "p-refuses": "rejected", "p-new": "accepted"}
    assert " 0 differ." in replicate(tmp_path, "compare", source.url, target.url).stdout
    status, _ = call(target, "GET", f"/v2/images/{image['id']}", headers={"X-Project-Id": "p-new", "X-Roles": "reader"})
    assert status == 200, "the member the target learnt of sees the image there"


def test_a_dump_keeps_the_memberships_and_load_brings_them_back(servers, tmp_path):
    source, target = servers
    image = ok(source, "POST", "/v2/images", {"name": "shared via a dump", "disk_format": "raw",
                                              "container_format": "bare", "visibility": "shared"})
    ok(source, "PUT", f"/v2/images/{image['id']}/file", data=os.urandom(3000),
       headers={"Content-Type": "application/octet-stream"})
    share(source, image["id"], "p-dump-accepts", "accepted")
    share(source, image["id"], "p-dump-waits", "pending")
    dump_dir = tmp_path / "dump"
    replicate(tmp_path, "dump", source.url, dump_dir)
    assert json.loads((dump_dir / f"{image['id']}.members.json").read_text()) == {
        "p-dump-accepts": "accepted", "p-dump-waits": "pending"}
    ok(source, "PUT", f"/v2/images/{image['id']}/members/p-dump-waits", {"status": "rejected"})
    assert "metadata updated 1" in replicate(tmp_path, "dump", source.url, dump_dir).stdout
    assert "identical" in replicate(tmp_path, "dump", source.url, dump_dir).stdout
    replicate(tmp_path, "load", dump_dir, target.url)
    assert members_of(target, image["id"]) == {"p-dump-accepts": "accepted", "p-dump-waits": "rejected"}
    again = replicate(tmp_path, "load", dump_dir, target.url).stdout
    assert "metadata updated 0" in again and "data copied 0" in again, again
