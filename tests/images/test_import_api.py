"""Interoperable import through the API: stage, import (glance-direct, copy-image), tasks, the lock.

The import runs where it runs in production, in an import worker: `run_imports` drives
django_tasks_db's worker in batch mode over the jobs the requests enqueued.
"""
import hashlib

import pytest
from django.core.management import call_command

from images.models import ImageLocation, Task
from tests.images.conftest import create, image_url, upload
from tests.support.disk_images import qcow2_with_data

DATA = b"staged image data " * 4096
REQUEST_ID = "req-00000000-0000-0000-0000-000000000000"


@pytest.fixture
def run_imports(django_capture_on_commit_callbacks, monkeypatch):
    """Requests made inside `with run_imports():` enqueue their jobs (on commit); leaving runs them
    in django_tasks_db's worker (batch mode), in this process.

    The worker closes stale connections between jobs, as it should in its own process; here the
    connection holds the test's transaction, so that housekeeping is switched off.
    """
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    class Runner:
        def __enter__(self):
            self.capture = django_capture_on_commit_callbacks(execute=True)
            self.capture.__enter__()

        def __exit__(self, *exc):
            self.capture.__exit__(*exc)
            with django_capture_on_commit_callbacks(execute=True):  # what the worker removes after commit
                call_command("import_worker", "--batch", verbosity=0)

    return Runner


def stage(api, image_id, data=DATA, **kw):
    return api.put(image_url(image_id, "stage"), raw=data, content_type="application/octet-stream", **kw)


def start_import(api, image_id, name="glance-direct", headers=None, uri=None, **body):
    method = {"name": name, **({"uri": uri} if uri else {})}
    return api.post(image_url(image_id, "import"), {"method": method, **body}, headers=headers)


def test_import_info_lists_the_methods(owner):
    assert owner.get("/v2/info/import").json() == {"import-methods": {
        "description": "Import methods available.", "type": "array",
        "value": ["glance-direct", "web-download", "copy-image"]}}


def test_stage_then_glance_direct_import(owner, image, store_dir, tmp_path, run_imports):
    assert stage(owner, image["id"]).status_code == 204
    staged = owner.get(image_url(image["id"])).json()
    assert (staged["status"], staged["size"], staged["checksum"]) == ("uploading", len(DATA), None)
    assert "os_glance_stage_host" not in staged
    [staged_file] = (tmp_path / "staging").iterdir()
    assert staged_file.name.startswith(image["id"] + ".") and staged_file.read_bytes() == DATA
    with run_imports():
        response = start_import(owner, image["id"])
        assert (response.status_code, response.content) == (202, b"")
        importing = owner.get(image_url(image["id"])).json()
        assert importing["status"] == "importing"
        assert importing["os_glance_import_task"]
        assert (importing["os_glance_importing_to_stores"], importing["os_glance_failed_import"]) == ("", "")
    done = owner.get(image_url(image["id"])).json()
    assert done["status"] == "active"
    assert done["checksum"] == hashlib.md5(DATA).hexdigest()
    assert done["os_hash_value"] == hashlib.sha512(DATA).hexdigest()
    assert "os_glance_import_task" not in done
    assert owner.get(image_url(image["id"], "file")).getvalue() == DATA
    assert list((tmp_path / "staging").iterdir()) == []
    assert [p.name for p in store_dir.iterdir()] == [image["id"]]


def test_image_tasks_and_task_detail(owner, image, run_imports):
    stage(owner, image["id"])
    with run_imports():
        start_import(owner, image["id"], headers={"HTTP_X_OPENSTACK_REQUEST_ID": REQUEST_ID})
    tasks = owner.get(image_url(image["id"], "tasks")).json()["tasks"]
    assert len(tasks) == 1
    task = tasks[0]
    assert {key: task[key] for key in ("type", "status", "owner", "image_id", "user_id", "result", "message",
                                       "deleted", "deleted_at", "request_id")} == {
        "type": "api_image_import", "status": "success", "owner": "tenant-a", "image_id": image["id"],
        "user_id": "user-1", "result": {"image_id": image["id"]}, "message": "", "deleted": False,
        "deleted_at": None, "request_id": REQUEST_ID}
    assert task["input"] == {"image_id": image["id"], "import_req": {"method": {"name": "glance-direct"}},
                             "backend": [None]}
    assert task["expires_at"] > task["created_at"]
    admin = owner.as_("admin", roles="admin")
    detail = admin.get(f"/v2/tasks/{task['id']}").json()
    assert (detail["self"], detail["schema"], detail["status"]) == (f"/v2/tasks/{task['id']}", "/v2/schemas/task",
                                                                   "success")
    assert detail["expires_at"].endswith("Z")
    assert owner.get(f"/v2/tasks/{task['id']}").status_code == 403  # tasks_api_access: admins only


def test_other_projects_see_no_tasks_of_a_private_image(owner, other, image):
    assert other.get(image_url(image["id"], "tasks")).status_code == 404


@pytest.mark.parametrize("body, message", [
    ({}, "Import request requires a 'method' field."),
    ({"method": {}}, "Import request requires a 'name' field."),
    ({"method": {"name": "glance-download"}}, "Unknown import method name 'glance-download'."),
    ({"method": {"name": "glance-direct"}, "all_stores": "yes"}, "'all_stores' must be boolean value only"),
    ({"method": {"name": "glance-direct"}, "all_stores_must_succeed": False},
     "All_stores_must_succeed can only be set with enabled_backends None"),
    ({"method": {"name": "web-download", "uri": "file:///etc/passwd"}},
     "URI for web-download does not pass filtering: file:///etc/passwd"),
])
def test_bad_import_bodies_are_400(owner, image, body, message):
    if body.get("method", {}).get("name") == "glance-direct":
        stage(owner, image["id"])
    response = owner.post(image_url(image["id"], "import"), body)
    assert response.status_code == 400, response.content
    assert message in response.content.decode()


@pytest.mark.parametrize("method, message", [
    ("glance-direct", "Image needs to be staged before 'glance-direct' method can be used"),
    ("copy-image", "Only images with status active can be targeted for copying"),
])
def test_import_in_the_wrong_status_is_409(owner, image, method, message):
    response = start_import(owner, image["id"], method)
    assert response.status_code == 409
    assert message in response.content.decode()


def test_import_of_an_active_image_is_409(owner, image):
    upload(owner, image["id"], DATA)
    response = start_import(owner, image["id"], "web-download", uri="http://127.0.0.1/x")
    assert response.status_code == 409
    assert "Image with status active cannot be target for import" in response.content.decode()


def test_import_without_formats_is_409(owner):
    bare = create(owner, name="no formats")
    response = start_import(owner, bare["id"], "web-download", uri="http://127.0.0.1/x")
    assert response.status_code == 409


def test_second_import_while_the_first_holds_the_lock_is_409(owner, image, settings, tmp_path):
    settings.IMAGE_STORES = {name: {"type": "file", "directory": str(tmp_path / name)} for name in ("file", "b", "c")}
    upload(owner, image["id"], DATA)
    admin = owner.as_("admin", roles="admin,member")
    assert start_import(admin, image["id"], "copy-image", stores=["b"]).status_code == 202  # not run yet
    response = start_import(admin, image["id"], "copy-image", stores=["c"])
    assert response.status_code == 409
    assert "Image has active task" in response.content.decode()


def test_another_project_cannot_import_into_an_image(owner, other, image):
    stage(owner, image["id"])
    public = owner.as_("tenant-a")
    assert start_import(other, image["id"]).status_code == 404
    assert public.get(image_url(image["id"])).json()["status"] == "uploading"


def test_stage_refuses_data_that_is_not_its_disk_format(owner, tmp_path):
    image = create(owner, name="q", disk_format="qcow2", container_format="bare")
    response = stage(owner, image["id"], b"\0" * 65536)
    assert response.status_code == 415
    assert owner.get(image_url(image["id"])).json()["status"] == "queued"
    assert list((tmp_path / "staging").iterdir()) == []


def test_stage_twice_is_409(owner, image):
    stage(owner, image["id"])
    assert stage(owner, image["id"]).status_code == 409


def test_deleting_a_staged_image_removes_the_staged_data(owner, image, tmp_path, django_capture_on_commit_callbacks):
    stage(owner, image["id"])
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.delete(image_url(image["id"])).status_code == 204
    assert list((tmp_path / "staging").iterdir()) == []
    assert not ImageLocation.objects.filter(image_id=image["id"]).exists()


def test_import_of_a_qcow2_sets_its_virtual_size(owner, tmp_path, run_imports):
    image = create(owner, name="q", disk_format="qcow2", container_format="bare")
    data = qcow2_with_data(tmp_path / "disk.qcow2", 1024 * 1024)
    stage(owner, image["id"], data)
    with run_imports():
        start_import(owner, image["id"])
    done = owner.get(image_url(image["id"])).json()
    assert (done["status"], done["size"], done["virtual_size"]) == ("active", len(data), 1024 * 1024)


def test_a_failed_import_fails_its_task_and_requeues_the_image(owner, image, tmp_path, run_imports, settings):
    stage(owner, image["id"])
    settings.IMAGE_SIZE_CAP = 1000  # the store write refuses what staging accepted
    with run_imports():
        start_import(owner, image["id"])
    after = owner.get(image_url(image["id"])).json()
    assert (after["status"], after["size"], after["checksum"]) == ("queued", None, None)
    assert "os_glance_import_task" not in after
    task = Task.objects.get(image_id=image["id"])
    assert task.status == "failure"
    assert "maximum size" in task.message
    assert list((tmp_path / "staging").iterdir()) == []
    assert not ImageLocation.objects.filter(image_id=image["id"]).exists()


def test_staged_data_is_imported_by_the_node_that_staged_it(owner, image, settings, run_imports,
                                                            django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    settings.NODE_NAME = "node-a"
    stage(owner, image["id"])
    settings.NODE_NAME = "node-b"  # the import request reaches another node
    with django_capture_on_commit_callbacks(execute=True):
        assert start_import(owner, image["id"]).status_code == 202
    assert list(DBTaskResult.objects.values_list("queue_name", flat=True)) == ["node.node-a"]
    with run_imports():  # node-b's worker leaves it alone
        pass
    assert owner.get(image_url(image["id"])).json()["status"] == "importing"
    settings.NODE_NAME = "node-a"
    with run_imports():
        pass
    assert owner.get(image_url(image["id"])).json()["status"] == "active"


def test_a_task_whose_worker_died_is_failed_and_its_image_requeued(owner, image, tmp_path,
                                                                    django_capture_on_commit_callbacks):
    import socket

    from images import recovery

    stage(owner, image["id"])
    start_import(owner, image["id"])
    task = Task.objects.get(image_id=image["id"])
    Task.objects.filter(pk=task.pk).update(status="processing", holder=f"{socket.gethostname()}:999999999")
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.imports_recover() == 1
    task.refresh_from_db()
    assert (task.status, task.message) == ("failure", "The import was interrupted: the worker running it stopped.")
    after = owner.get(image_url(image["id"])).json()
    assert after["status"] == "queued" and "os_glance_import_task" not in after
    assert list((tmp_path / "staging").iterdir()) == []


def test_a_task_silent_for_too_long_on_another_node_is_failed(owner, image, settings):
    from django.utils import timezone

    from images import recovery

    stage(owner, image["id"])
    start_import(owner, image["id"])
    long_ago = timezone.now() - timezone.timedelta(minutes=settings.TASK_STALE_MINUTES + 1)
    Task.objects.update(status="processing", holder="another-host:1", updated_at=long_ago)
    assert recovery.imports_recover() == 1
    assert owner.get(image_url(image["id"])).json()["status"] == "queued"


def test_a_live_task_on_another_node_is_left_alone(owner, image):
    from images import recovery

    stage(owner, image["id"])
    start_import(owner, image["id"])
    Task.objects.update(status="processing", holder="another-host:1")
    assert recovery.imports_recover() == 0
    assert owner.get(image_url(image["id"])).json()["status"] == "importing"


def test_a_running_task_of_a_node_gone_for_good_is_failed_when_the_operator_says_so(owner, image):
    from images import recovery

    stage(owner, image["id"])
    start_import(owner, image["id"])
    Task.objects.update(status="processing", holder="another-host:1")
    assert recovery.imports_recover(dead_host="a-third-host") == 0
    assert recovery.imports_recover(dead_host="another-host") == 1
    assert owner.get(image_url(image["id"])).json()["status"] == "queued"


def test_a_created_image_names_the_import_methods(owner, settings, tmp_path):
    response = owner.post("/v2/images", {"name": "x"})
    assert response["OpenStack-image-import-methods"] == "glance-direct,web-download,copy-image"
    assert not response.has_header("OpenStack-image-store-ids")
    settings.IMAGE_STORES = {name: {"type": "file", "directory": str(tmp_path / name)} for name in ("a", "b")}
    settings.IMAGE_DEFAULT_STORE = "a"
    assert owner.post("/v2/images", {"name": "y"})["OpenStack-image-store-ids"] == "a,b"
    settings.IMPORT_METHODS = []
    assert not owner.post("/v2/images", {"name": "z"}).has_header("OpenStack-image-import-methods")


def test_tasks_list_pages_filters_and_is_for_admins(owner, settings):
    from django.utils import timezone

    now = timezone.now()
    for n, status in enumerate(["success", "failure", "success"]):
        Task.objects.create(id=f"00000000-0000-0000-0000-00000000000{n}", owner="tenant-a", image_id="i",
                            status=status, created_at=now - timezone.timedelta(minutes=n), updated_at=now)
    admin = owner.as_("admin", roles="admin")
    assert owner.get("/v2/tasks").status_code == 403
    first = admin.get("/v2/tasks?limit=2").json()
    assert [task["id"][-1] for task in first["tasks"]] == ["0", "1"]
    assert (first["first"], first["schema"]) == ("/v2/tasks?limit=2", "/v2/schemas/tasks")
    assert set(first["tasks"][0]) == {"id", "type", "status", "owner", "created_at", "updated_at", "self", "schema"}
    second = admin.get(first["next"]).json()
    assert [task["id"][-1] for task in second["tasks"]] == ["2"] and "next" not in second
    assert [t["id"][-1] for t in admin.get("/v2/tasks?status=success").json()["tasks"]] == ["0", "2"]
    assert admin.get("/v2/tasks?status=lost").status_code == 400
    assert admin.get("/v2/tasks?marker=nope").status_code == 400


def test_a_new_stage_after_a_failed_import_keeps_its_data(owner, image, tmp_path, run_imports, settings):
    """The staged data of an ended import goes by name; a stage right after never shares that name."""
    stage(owner, image["id"])
    settings.IMAGE_SIZE_CAP = 1000
    with run_imports():
        start_import(owner, image["id"])
    settings.IMAGE_SIZE_CAP = 1 << 40
    assert stage(owner, image["id"], b"again").status_code == 204
    [staged] = ImageLocation.objects.filter(image_id=image["id"], status="staged")
    [staged_file] = (tmp_path / "staging").iterdir()
    assert staged.url == staged_file.as_uri() and staged_file.read_bytes() == b"again"
