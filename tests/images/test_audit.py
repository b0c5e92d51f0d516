"""manage.py audit: a file store, the staging store and the cache, with data made through the API."""
import hashlib
import io
import json
import os
import time
import uuid

import jsonschema
import pytest
from django.core.management import CommandError, call_command

from images.audit import Audit, AuditOptions, Report
from images.models import AuditClaim, AuditFinding, AuditRun, CachedImage, ImageLocation
from tests.images.conftest import create, image_url, upload
from tests.images.test_cache_serving import cache_dir  # noqa: F401 - the fixture
from tests.images.test_data_api import download, files_in
from tests.images.test_import_api import run_imports, stage, start_import  # noqa: F401 - a fixture

GOOD, BAD, GONE = b"good data " * 1000, b"corrupted? " * 1000, b"will vanish " * 1000


def run(*args):
    return run_with_status(*args)[1:]


def run_with_status(*args):
    """(exit status, standard output, standard error) of manage.py audit."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit:
        status = exit.code
    return status, out.getvalue(), err.getvalue()


def audit_json(*args):
    out, err = run("--json", *args)
    return json.loads(out), err


def kinds(report):
    """(kind, store, image id or file name) of every finding."""
    return sorted((f["kind"], f["store"], f["image_id"] or f["url"].rsplit("/", 1)[1]) for f in report["findings"])


def make_old(path, hours=48):
    past = time.time() - hours * 3600
    os.utime(path, (past, past))


def active_image(api, data, **fields):
    image = create(api, disk_format="raw", container_format="bare", **fields)
    assert upload(api, image["id"], data).status_code == 204
    return image["id"]


@pytest.fixture
def damaged(api, store_dir):
    """Three active images (one intact, one overwritten with other bytes of its size, one deleted from
    disk) and an old file no image points at."""
    good, bad, gone = (active_image(api, data, name=name) for name, data in
                       (("good", GOOD), ("bad", GOOD), ("gone", GONE)))
    (store_dir / bad).write_bytes(BAD[:len(GOOD)])
    (store_dir / gone).unlink()
    (store_dir / "leftover").write_bytes(b"nobody's")
    make_old(store_dir / "leftover")
    return {"good": good, "bad": bad, "gone": gone}


def test_an_intact_store_has_nothing_to_report(api, store_dir):
    ids = [active_image(api, GOOD), active_image(api, GONE)]
    out, err = run()
    assert out.splitlines()[-1].startswith(
        f"Audited file, os_glance_staging_store: 2 item(s) checked, {len(GOOD) + len(GONE)} byte(s) read in ")
    assert "; 0 orphan, 0 missing, 0 corrupt, 0 stale_staged, 0 recovered, 0 error. Audit run " in out
    assert len(out.splitlines()) == 1
    for image_id in ids:  # progress, per file, on standard error
        assert f"  [file] {(store_dir / image_id).as_uri()}: " in err and ", ok" in err


def test_the_exit_status_says_whether_data_is_lost(api, store_dir, damaged):
    """2 while missing or corrupt data is found (marked or not): what a timer alerts on; orphans alone are 0."""
    assert run_with_status("--store", "file")[0] == 2
    assert run_with_status("--store", "file", "--fix")[0] == 2
    for image_id in (damaged["bad"], damaged["gone"]):
        assert api.delete(image_url(image_id)).status_code == 204
    (store_dir / "young-leftover").write_bytes(b"an upload about to record its row")
    assert run_with_status("--store", "file")[0] == 0
    assert run_with_status("--store", "file", "--fix")[0] == 0


def test_finds_orphans_missing_and_corrupt_data(damaged, store_dir):
    report, err = audit_json()
    assert kinds(report) == sorted([("corrupt", "file", damaged["bad"]), ("missing", "file", damaged["gone"]),
                                    ("orphan", "file", "leftover")])
    corrupt = next(f for f in report["findings"] if f["kind"] == "corrupt")
    assert corrupt == {"kind": "corrupt", "store": "file", "url": (store_dir / damaged["bad"]).as_uri(),
                       "image_id": damaged["bad"], "size": len(GOOD), "action": "",
                       "detail": f"md5 {hashlib.md5(BAD[:len(GOOD)]).hexdigest()}, the image's checksum is "
                                 f"{hashlib.md5(GOOD).hexdigest()}"}
    orphan = next(f for f in report["findings"] if f["kind"] == "orphan")
    assert (orphan["size"], orphan["detail"][:37]) == (8, "no image points at it; written 48.0 h")
    assert report["summary"] == {"items": 3, "bytes_read": 2 * len(GOOD), "orphan": 1, "missing": 1,
                                 "corrupt": 1, "stale_staged": 0, "recovered": 0, "error": 0}
    assert set(report) == {"run", "node", "started_at", "finished_at", "stores", "hashed", "fix", "max_rate",
                           "grace_hours", "findings", "summary"}
    assert (report["stores"], report["hashed"], report["fix"]) == (["file", "os_glance_staging_store"], True, False)
    assert err.splitlines()[-1].startswith("Audited file, os_glance_staging_store: 3 item(s) checked")
    # Nothing changed without --fix.
    assert sorted(files_in(store_dir)) == sorted([damaged["good"], damaged["bad"], "leftover"])
    assert set(ImageLocation.objects.values_list("status", flat=True)) == {"active"}


def test_the_text_report_has_a_line_per_finding(damaged, store_dir):
    out, _ = run()
    lines = out.splitlines()
    assert len(lines) == 4
    assert f"missing      file                     {(store_dir / damaged['gone']).as_uri()} image {damaged['gone']}: " \
           "no data at its location" in lines
    assert lines[-1].endswith(f"1 orphan, 1 missing, 1 corrupt, 0 stale_staged, 0 recovered, 0 error. "
                              f"Audit run {AuditRun.objects.get().pk}.")


def test_no_hash_compares_sizes_only(api, damaged, store_dir):
    (store_dir / damaged["good"]).write_bytes(GOOD[:-1])
    report, _ = audit_json("--no-hash")
    assert kinds(report) == sorted([("corrupt", "file", damaged["good"]), ("missing", "file", damaged["gone"]),
                                    ("orphan", "file", "leftover")])  # same-size damage goes unseen
    assert report["findings"][0]["detail"] == f"{len(GOOD) - 1} bytes stored, the image's size is {len(GOOD)}"
    assert report["summary"]["bytes_read"] == 0


def test_store_limits_the_audit(damaged):
    report, _ = audit_json("--store", "os_glance_staging_store")
    assert (report["stores"], report["findings"]) == (["os_glance_staging_store"], [])


@pytest.mark.parametrize("args, message", [
    (["--store", "nowhere"], "--store 'nowhere' is not something this node can audit; known: file, "
                             "os_glance_staging_store."),
    (["--max-rate", "-1"], "--max-rate -1 must be 0 (unlimited)"),
    (["--grace-hours", "-2"], "--grace-hours -2.0 must not be negative"),
])
def test_bad_options_name_the_value(db, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(*args)


# --- --fix -------------------------------------------------------------------------

def test_fix_removes_old_orphans_and_marks_bad_copies(api, damaged, store_dir):
    report, _ = audit_json("--fix")
    actions = {f["kind"]: f["action"] for f in report["findings"]}
    assert actions == {"orphan": "removed", "corrupt": "marked corrupt", "missing": "marked missing"}
    assert sorted(files_in(store_dir)) == sorted([damaged["good"], damaged["bad"]])  # bad data is kept
    statuses = dict(ImageLocation.objects.values_list("image_id", "status"))
    assert statuses == {damaged["good"]: "active", damaged["bad"]: "corrupt", damaged["gone"]: "missing"}
    body = api.get(image_url(damaged["bad"])).json()
    assert body["status"] == "active"
    assert body["os_glance_audit_failed"].startswith("corrupt in store file since ")
    jsonschema.validate(body, api.get("/v2/schemas/image").json())  # what a Glance client checks
    assert "os_glance_audit_failed" not in api.get(image_url(damaged["good"])).json()
    response, data = download(api, damaged["bad"])  # the corrupt copy is never served
    assert (response.status_code, data) == (204, b"")


def test_fix_keeps_orphans_younger_than_the_grace_period(api, damaged, store_dir):
    (store_dir / "fresh").write_bytes(b"an upload about to record its row")
    make_old(store_dir / "leftover", hours=5)
    report, _ = audit_json("--fix", "--grace-hours", "6")
    assert {f["url"].rsplit("/", 1)[1]: f["action"] for f in report["findings"] if f["kind"] == "orphan"} == {
        "fresh": "kept: younger than the grace period", "leftover": "kept: younger than the grace period"}
    assert {"fresh", "leftover"} <= set(files_in(store_dir))
    report, _ = audit_json("--fix", "--grace-hours", "4")
    assert {f["action"] for f in report["findings"] if f["url"].endswith("/leftover")} == {"removed"}


class RowAppears(Report):
    """An upload recording a location for the orphan between the audit's listing and its --fix."""

    def __init__(self, image_id):
        self.image_id = image_id

    def item(self, store, url, size, verdict):
        if verdict == "orphan":
            ImageLocation.objects.create(image_id=self.image_id, store=store, url=url)


def test_fix_never_removes_data_a_row_points_at_by_the_time_it_acts(api, damaged, store_dir):
    audit = Audit(AuditOptions(stores=("file",), fix=True), RowAppears(damaged["good"]))
    audit.run()
    assert [(f.kind, f.action) for f in audit.findings if f.kind == "orphan"] == [
        ("orphan", "kept: a location row points at it now")]
    assert (store_dir / "leftover").exists()


def test_fix_never_removes_data_named_after_an_image_taking_data_in(api, store_dir):
    image = create(api, name="uploading", disk_format="raw", container_format="bare")
    assert stage(api, image["id"]).status_code == 204  # uploading: its upload to the store may be under way
    store_dir.mkdir()
    (store_dir / image["id"]).write_bytes(b"half an upload")
    make_old(store_dir / image["id"])
    report, _ = audit_json("--fix", "--store", "file")
    assert [f["action"] for f in report["findings"]] == [f"kept: image {image['id']} is uploading"]
    assert (store_dir / image["id"]).exists()


def test_what_a_crashed_upload_left_is_found_and_removed_once_old(api, store_dir):
    """The file store writes `.<image id>.<random>.part` and renames it when the data is complete; a process
    killed in between leaves it, and only a restart on the same node would have removed it."""
    crashed, young = (create(api, name=name, disk_format="raw", container_format="bare")["id"]
                      for name in ("crashed", "young"))
    store_dir.mkdir()
    (store_dir / f".{crashed}.k2j4h1.part").write_bytes(b"the first half")
    make_old(store_dir / f".{crashed}.k2j4h1.part")
    (store_dir / f".{young}.x8f0p3.part").write_bytes(b"still arriving?")
    report, _ = audit_json("--store", "file")
    found = sorted((f["kind"], f["image_id"], f["size"]) for f in report["findings"])
    assert found == sorted([("orphan", crashed, 14), ("orphan", young, 15)])
    assert all("left by an upload that never finished; " in f["detail"] for f in report["findings"])
    report, _ = audit_json("--store", "file", "--fix")
    assert sorted((f["image_id"], f["action"]) for f in report["findings"]) == sorted([
        (crashed, "removed"), (young, "kept: younger than the grace period")])
    assert sorted(path.name for path in store_dir.iterdir()) == [f".{young}.x8f0p3.part"]
    assert upload(api, crashed, GOOD).status_code == 204  # the image itself was never touched


def test_an_old_partial_file_of_an_image_still_uploading_is_kept(api, store_dir):
    image = create(api, name="uploading", disk_format="raw", container_format="bare")
    assert stage(api, image["id"]).status_code == 204
    store_dir.mkdir()
    (store_dir / f".{image['id']}.a1b2c3.part").write_bytes(b"a slow upload")
    make_old(store_dir / f".{image['id']}.a1b2c3.part")
    report, _ = audit_json("--fix", "--store", "file")
    assert [f["action"] for f in report["findings"]] == [f"kept: image {image['id']} is uploading"]


class SecondAudit(Report):
    """Another node's audit with --fix, run to its end while this one is about to fix the same things."""

    def __init__(self):
        self.other = None

    def item(self, store, url, size, verdict):
        if verdict != "ok" and self.other is None:
            self.other = Audit(AuditOptions(stores=("file",), fix=True, grace=AuditOptions.grace))
            self.other.run()


def test_two_audits_fixing_at_once_act_once_and_fail_nothing(api, damaged, store_dir):
    second = SecondAudit()
    first = Audit(AuditOptions(stores=("file",), fix=True), second)
    first.run()
    assert sorted((f.kind, f.action) for f in second.other.findings) == [
        ("corrupt", "marked corrupt"), ("missing", "marked missing"), ("orphan", "removed")]
    assert sorted((f.kind, f.action) for f in first.findings) == [
        ("corrupt", "marked corrupt already"), ("missing", "marked missing already"),
        ("orphan", "kept: another audit removes it")]
    assert AuditClaim.objects.count() == 1 and not (store_dir / "leftover").exists()


def test_a_copy_found_good_again_is_restored(api, damaged, store_dir):
    audit_json("--fix")
    (store_dir / damaged["gone"]).write_bytes(GONE)  # the disk came back
    report, _ = audit_json("--fix")
    assert [(f["kind"], f["image_id"], f["action"]) for f in report["findings"] if f["kind"] == "recovered"] == [
        ("recovered", damaged["gone"], "restored to active")]
    assert ImageLocation.objects.get(image_id=damaged["gone"]).status == "active"
    body = api.get(image_url(damaged["gone"])).json()
    assert "os_glance_audit_failed" not in body
    assert download(api, damaged["gone"])[1] == GONE


def test_deleting_an_image_removes_its_corrupt_copy(api, damaged, store_dir, django_capture_on_commit_callbacks):
    audit_json("--fix")
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(image_url(damaged["bad"])).status_code == 204
    assert damaged["bad"] not in files_in(store_dir)
    assert not ImageLocation.objects.filter(image_id=damaged["bad"]).exists()


def test_downloads_go_to_a_good_copy_in_another_store(api, settings, tmp_path):
    settings.IMAGE_STORES = {name: {"type": "file", "directory": str(tmp_path / name)} for name in ("a", "b")}
    settings.IMAGE_DEFAULT_STORE = "a"
    image_id = active_image(api, GOOD)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / image_id).write_bytes(GOOD)  # a second copy, as copy-image writes it
    ImageLocation.objects.create(image_id=image_id, store="b", url=(tmp_path / "b" / image_id).as_uri())
    (tmp_path / "a" / image_id).write_bytes(BAD[:len(GOOD)])
    settings.IMAGE_STORES = {**settings.IMAGE_STORES, "a": {**settings.IMAGE_STORES["a"], "weight": 10}}
    assert download(api, image_id)[1] != GOOD  # the heavier store's copy was served
    report, _ = audit_json("--fix")
    assert kinds(report) == [("corrupt", "a", image_id)]
    assert download(api, image_id)[1] == GOOD
    assert api.get(image_url(image_id)).json()["stores"] == "b"


def test_a_store_that_lists_nothing_has_its_copies_reported_but_not_marked(api, store_dir):
    image_id = active_image(api, GOOD)
    (store_dir / image_id).unlink()  # as seen through an empty mount point
    report, _ = audit_json("--fix", "--store", "file")
    assert [(f["kind"], f["action"]) for f in report["findings"]] == [
        ("missing", "not marked: the store lists no data at all (is it mounted?)")]
    assert ImageLocation.objects.get().status == "active"


def test_a_store_that_fails_is_an_error_and_the_others_are_audited(api, settings, tmp_path, damaged, store_dir):
    (tmp_path / "not-a-directory").write_bytes(b"")
    settings.IMAGE_STORES = {**settings.IMAGE_STORES,
                             "broken": {"type": "file", "directory": str(tmp_path / "not-a-directory")}}
    report, _ = audit_json()
    errors = [(f["store"], f["detail"]) for f in report["findings"] if f["kind"] == "error"]
    assert errors == [("broken", f"not audited: The file store failed at {tmp_path / 'not-a-directory'}: "
                                 f"[Errno 20] Not a directory: '{tmp_path / 'not-a-directory'}'")]
    assert report["summary"]["corrupt"] == report["summary"]["missing"] == report["summary"]["orphan"] == 1


# --- staging and cache ------------------------------------------------------------------

def test_stale_staged_data_is_found_and_fixed(api, tmp_path, django_capture_on_commit_callbacks):
    waiting = create(api, name="waits for its import", disk_format="raw", container_format="bare")
    abandoned = create(api, name="abandoned", disk_format="raw", container_format="bare")
    for image in (waiting, abandoned):
        assert stage(api, image["id"]).status_code == 204
    from images.models import Image
    Image.objects.filter(pk=abandoned["id"]).update(status="queued")  # an import that never cleaned up
    stray = tmp_path / "staging" / f"{uuid.uuid4()}.0a1b2c3d"
    stray.write_bytes(b"staged by nobody")
    make_old(stray)
    report, _ = audit_json("--store", "os_glance_staging_store")
    assert kinds(report) == sorted([("stale_staged", "os_glance_staging_store", abandoned["id"]),
                                    ("stale_staged", "os_glance_staging_store", stray.name)])
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = audit_json("--store", "os_glance_staging_store", "--fix", "--grace-hours", "0")
    assert sorted(f["action"] for f in report["findings"]) == ["removed", "row retired, its data removed"]
    [left] = files_in(tmp_path / "staging")
    assert left.startswith(waiting["id"])
    assert list(ImageLocation.objects.filter(status="staged").values_list("image_id", flat=True)) == [waiting["id"]]


def test_cache_files_and_rows_without_each_other(api, store_dir, cache_dir):  # noqa: F811
    cached = active_image(api, GOOD)
    download(api, cached)  # fills the cache
    stray = cache_dir / str(uuid.uuid4())
    stray.write_bytes(b"no row")
    make_old(stray)
    ghost = str(uuid.uuid4())
    CachedImage.objects.create(image_id=ghost, node="node-a", size=5)
    report, _ = audit_json("--store", "cache")
    assert kinds(report) == sorted([("missing", "cache", ghost), ("orphan", "cache", stray.name)])
    (cache_dir / cached).write_bytes(BAD[:len(GOOD)])
    report, _ = audit_json("--store", "cache", "--fix")
    assert sorted((f["kind"], f["action"]) for f in report["findings"]) == [
        ("corrupt", "removed from the cache"), ("missing", "row removed"), ("orphan", "removed")]
    assert files_in(cache_dir) == ["incomplete"] and CachedImage.objects.count() == 0
    assert download(api, cached)[1] == GOOD


# --- rate limit and the records -----------------------------------------------------------

def test_the_rate_limit_slows_the_reading(api, store_dir):
    data = os.urandom(96 * 1024)
    active_image(api, data)
    started = time.monotonic()
    report, _ = audit_json("--max-rate", str(64 * 1024), "--store", "file")
    slowed = time.monotonic() - started
    assert report["summary"]["bytes_read"] == len(data)
    assert slowed >= 1.5  # 96 KiB at 64 KiB/s
    started = time.monotonic()
    audit_json("--max-rate", "0", "--store", "file")
    assert time.monotonic() - started < slowed / 3


def test_runs_and_findings_are_kept_for_the_admin(damaged):
    for _ in range(22):
        run("--no-hash")
    assert AuditRun.objects.count() == 20  # the last 20 of this node
    last = AuditRun.objects.first()
    assert (last.counts["orphan"], last.counts["missing"], last.finished_at is not None) == (1, 1, True)
    assert sorted(AuditFinding.objects.filter(run=last).values_list("kind", flat=True)) == ["missing", "orphan"]


def test_copy_image_into_the_store_of_a_corrupt_copy_repairs_it(owner, settings, tmp_path, run_imports):
    settings.IMAGE_STORES = {name: {"type": "file", "directory": str(tmp_path / name)} for name in ("a", "b")}
    settings.IMAGE_DEFAULT_STORE = "a"
    admin = owner.as_("tenant-a", roles="admin,member")
    image_id = active_image(owner, GOOD)
    with run_imports():
        assert start_import(admin, image_id, "copy-image", stores=["b"]).status_code == 202
    (tmp_path / "b" / image_id).write_bytes(BAD[:len(GOOD)])
    audit_json("--fix")
    assert owner.get(image_url(image_id)).json()["stores"] == "a"
    with run_imports():
        assert start_import(admin, image_id, "copy-image", stores=["b"]).status_code == 202
    assert (tmp_path / "b" / image_id).read_bytes() == GOOD
    report, _ = audit_json("--fix")
    assert [(f["kind"], f["store"], f["action"]) for f in report["findings"]] == [
        ("recovered", "b", "row dropped: another active row names the same data")]
    body = owner.get(image_url(image_id)).json()
    assert (body["stores"], "os_glance_audit_failed" in body) == ("a,b", False)
    assert list(ImageLocation.objects.order_by("store").values_list("store", "status")) == [
        ("a", "active"), ("b", "active")]
