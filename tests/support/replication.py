"""Helpers for the replicator's end-to-end tests: images made through the API, the command run for real."""
import hashlib
import os
import re
import subprocess
from dataclasses import dataclass

from tests.support.http_calls import call, ok
from tests.support.live_server import PYTHON, ROOT

# Only what an image's copy must share with its original (dates, links, status differ).
COMPARED = ("id", "name", "disk_format", "container_format", "visibility", "protected", "os_hidden",
            "min_ram", "min_disk", "owner", "size", "checksum", "os_hash_algo", "os_hash_value")
BASE = {"id", "name", "disk_format", "container_format", "visibility", "protected", "os_hidden", "min_ram",
        "min_disk", "owner", "size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value", "status",
        "created_at", "updated_at", "tags", "self", "file", "schema", "direct_url", "locations", "stores"}


@dataclass
class Project:
    """A noauth project of its own per test: its members list only its images (none is public)."""
    id: str

    @property
    def headers(self):
        return {"X-Project-Id": self.id, "X-Roles": "member"}

    def options(self, *sides):
        return [option for side in sides
                for option in (f"--{side}-project-id", self.id, f"--{side}-roles", "member")]


def make_image(server, project, name, data=None, **properties):
    """An image of `project` on `server`, given `data` when not None; returns its document."""
    body = {"name": name, "disk_format": "raw", "container_format": "bare", **properties}
    image = ok(server, "POST", "/v2/images", body, headers=project.headers)
    if data is not None:
        ok(server, "PUT", f"/v2/images/{image['id']}/file", data=data,
           headers={**project.headers, "Content-Type": "application/octet-stream"})
    return ok(server, "GET", f"/v2/images/{image['id']}", headers=project.headers)


def image_of(server, project, image_id):
    status, body = call(server, "GET", f"/v2/images/{image_id}", headers=project.headers)
    return body if status == 200 else None


def data_sha512(server, project, image_id):
    status, data = call(server, "GET", f"/v2/images/{image_id}/file", headers=project.headers)
    assert status == 200, f"GET /v2/images/{image_id}/file answered {status}"
    return hashlib.sha512(data).hexdigest()


def custom_properties(image):
    return {key: value for key, value in image.items() if key not in BASE and not key.startswith("os_glance_")}


def assert_same_image(source_image, target_image):
    assert target_image is not None, f"image {source_image['id']} is missing from the target"
    assert {key: target_image.get(key) for key in COMPARED} == {key: source_image.get(key) for key in COMPARED}
    assert sorted(target_image["tags"]) == sorted(source_image["tags"])
    assert custom_properties(target_image) == custom_properties(source_image)


def _file_requests(server, method, since):
    """Image ids of the `method` /v2/images/{id}/file requests in the server's access lines (glance.access)."""
    return re.findall(rf"\bmethod={method} path=/v2/images/([0-9a-f-]{{36}})/file ", server.log(since))


def uploads_logged(server, since=0):
    """image id -> how many PUT /v2/images/{id}/file requests the server's access log shows."""
    counts = {}
    for image_id in _file_requests(server, "PUT", since):
        counts[image_id] = counts.get(image_id, 0) + 1
    return counts


def downloads_logged(server, since=0):
    return len(_file_requests(server, "GET", since))


def replicate_argv(*args):
    return [str(PYTHON), "manage.py", "replicate", *map(str, args)]


def replicate_env(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("OS_")}
    # The command reads no database; a data directory of its own keeps it off the developer's.
    return {**env, "GLANCE_DATA_DIR": str(tmp_path / "replicator-data"), "DJANGO_SETTINGS_MODULE": "project.settings"}


def replicate(tmp_path, *args, expect_status=0):
    """Run `manage.py replicate ARGS` as a user would; the exit status must be `expect_status`."""
    result = subprocess.run(replicate_argv(*args), cwd=ROOT, env=replicate_env(tmp_path), capture_output=True,
                            text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert result.returncode == expect_status, (
        f"replicate {' '.join(map(str, args))} exited {result.returncode}, expected {expect_status}:\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}")
    return result
