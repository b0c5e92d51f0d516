"""/v2/cache: Glance's cache management API (admin only), on this node's cache."""
import os
import time

import pytest

from images.models import CachedImage, QueuedImage
from tests.images.conftest import create, image_url, upload
from tests.images.test_cache_serving import DATA, cache_dir, cached_files  # noqa: F401 - the fixture
from tests.images.test_data_api import download, files_in
from tests.images.test_import_api import run_imports  # noqa: F401 - the fixture

NOT_HERE = "Caching via API is not supported at this site."


@pytest.fixture
def active(api):
    image = create(api, name="cached", disk_format="raw", container_format="bare")
    assert upload(api, image["id"], DATA).status_code == 204
    return image


def message(response):
    return response.json()["message"]


def test_without_a_cache_every_route_is_404(api, settings):
    settings.IMAGE_CACHE_DIR = ""
    for method, path in [("get", "/v2/cache"), ("delete", "/v2/cache"), ("post", "/v2/cache/clean"),
                         ("post", "/v2/cache/prune")]:
        response = getattr(api, method)(path)
        assert (response.status_code, message(response)) == (404, NOT_HERE), path


@pytest.mark.parametrize("method, path", [("get", "/v2/cache"), ("delete", "/v2/cache"),
                                          ("post", "/v2/cache/clean"), ("post", "/v2/cache/prune")])
def test_only_administrators_manage_the_cache(owner, cache_dir, method, path):  # noqa: F811
    response = getattr(owner, method)(path)
    assert (response.status_code, message(response)) == (403, "Access was denied to this resource.")


def test_the_state_lists_cached_then_queued_images_as_glance_does(api, active, cache_dir):  # noqa: F811
    assert api.get("/v2/cache").json() == {"cached_images": [], "queued_images": []}
    download(api, active["id"])
    row = CachedImage.objects.get()
    assert api.get("/v2/cache").json() == {"cached_images": [{
        "id": row.pk, "image_id": active["id"], "last_accessed": row.last_accessed.timestamp(),
        "last_modified": row.last_modified.timestamp(), "size": len(DATA), "hits": 0,
        "checksum": row.checksum}], "queued_images": []}


def test_queueing_is_202_and_this_nodes_worker_fills_the_cache(api, active, cache_dir, run_imports):  # noqa: F811
    from django_tasks_db.models import DBTaskResult

    with run_imports():
        response = api.put(f"/v2/cache/{active['id']}")
        assert (response.status_code, response.content) == (202, b"")
        assert api.get("/v2/cache").json()["queued_images"] == [active["id"]]
    assert list(DBTaskResult.objects.values_list("queue_name", flat=True)) == ["node.node-a"]
    state = api.get("/v2/cache").json()
    assert ([entry["image_id"] for entry in state["cached_images"]], state["queued_images"]) == ([active["id"]], [])
    assert (cache_dir / active["id"]).read_bytes() == DATA


def test_queueing_needs_an_active_image_that_exists(api, owner, cache_dir):  # noqa: F811
    image = create(api, name="queued", disk_format="raw", container_format="bare")
    response = api.put(f"/v2/cache/{image['id']}")
    assert (response.status_code, message(response)) == (
        400, "Only images with status active can be targeted for queueing")
    missing = "00000000-0000-0000-0000-000000000000"
    response = api.put(f"/v2/cache/{missing}")
    assert (response.status_code, message(response)) == (404, f"Image {missing} not found.")
    assert QueuedImage.objects.count() == 0


def test_deleting_an_entry_removes_it_from_cache_and_queue(api, active, cache_dir):  # noqa: F811
    download(api, active["id"])
    QueuedImage.objects.create(image_id=active["id"], node="node-a")
    response = api.delete(f"/v2/cache/{active['id']}")
    assert (response.status_code, response.content) == (204, b"")
    assert api.get("/v2/cache").json() == {"cached_images": [], "queued_images": []}
    assert cached_files(cache_dir) == []
    response = api.delete(f"/v2/cache/{active['id']}")  # the image exists: nothing to do is no error
    assert response.status_code == 204
    missing = "00000000-0000-0000-0000-000000000000"
    assert message(api.delete(f"/v2/cache/{missing}")) == f"Image {missing} not found."


@pytest.mark.parametrize("target, left", [(None, ([], [])), ("cache", ([], ["q"])), ("queue", (["c"], [])),
                                          ("CACHE", ([], ["q"]))])
def test_clearing_takes_a_target(api, active, cache_dir, target, left):  # noqa: F811
    download(api, active["id"])
    other = create(api, name="other", disk_format="raw", container_format="bare")
    QueuedImage.objects.create(image_id=other["id"], node="node-a")
    headers = {"HTTP_X_IMAGE_CACHE_CLEAR_TARGET": target} if target else {}
    assert api.delete("/v2/cache", headers=headers).status_code == 204
    state = api.get("/v2/cache").json()
    names = {active["id"]: "c", other["id"]: "q"}
    assert ([names[e["image_id"]] for e in state["cached_images"]], [names[i] for i in state["queued_images"]]) \
        == left


def test_clearing_refuses_another_target(api, cache_dir):  # noqa: F811
    response = api.delete("/v2/cache", headers={"HTTP_X_IMAGE_CACHE_CLEAR_TARGET": "all"})
    assert (response.status_code, message(response)) == (
        400, "If provided 'x-image-cache-clear-target' must be 'cache', 'queue' or empty string.")


def test_clean_removes_invalid_and_stalled_files_only(api, active, cache_dir, settings):  # noqa: F811
    download(api, active["id"])
    (cache_dir / "orphan").write_bytes(b"no row")
    stalled, fresh = cache_dir / "incomplete" / "a.old", cache_dir / "incomplete" / "b.new"
    stalled.write_bytes(b"x")
    fresh.write_bytes(b"y")
    past = time.time() - settings.IMAGE_CACHE_STALL_TIME - 10
    os.utime(stalled, (past, past))
    response = api.post("/v2/cache/clean")
    assert (response.status_code, response.content) == (200, b"")
    assert (cached_files(cache_dir), files_in(cache_dir / "incomplete")) == ([active["id"]], ["b.new"])


def test_prune_removes_the_least_recently_used_until_under_the_limit(api, owner, cache_dir, settings):  # noqa: F811
    images = [create(api, name=f"i{n}", disk_format="raw", container_format="bare") for n in range(3)]
    for image in images:
        upload(api, image["id"], DATA)
        download(api, image["id"])
    download(api, images[0]["id"])  # now the most recently used
    settings.IMAGE_CACHE_MAX_SIZE = 2 * len(DATA)
    response = api.post("/v2/cache/prune")
    assert (response.status_code, response.json()) == (200, {"total_files_pruned": 1,
                                                             "total_bytes_pruned": len(DATA)})
    assert sorted(cached_files(cache_dir)) == sorted([images[0]["id"], images[2]["id"]])
    assert api.post("/v2/cache/prune").json() == {"total_files_pruned": 0, "total_bytes_pruned": 0}


def test_nodes_lists_where_an_image_is_cached(api, active, cache_dir):  # noqa: F811
    download(api, active["id"])
    CachedImage.objects.create(image_id=active["id"], node="node-b", size=len(DATA))
    assert api.get(f"/v2/cache/nodes/{active['id']}").json() == ["node-a", "node-b"]


def test_other_methods_are_405(api, cache_dir):  # noqa: F811
    assert api.post("/v2/cache").status_code == 405
    assert api.get("/v2/cache/clean").status_code == 405


def test_a_member_may_not_queue_or_remove_even_its_own_image(owner, cache_dir):  # noqa: F811
    image = create(owner, name="mine", disk_format="raw", container_format="bare")
    upload(owner, image["id"], DATA)
    for response in (owner.put(f"/v2/cache/{image['id']}"), owner.delete(f"/v2/cache/{image['id']}"),
                     owner.get(f"/v2/cache/nodes/{image['id']}")):
        assert (response.status_code, message(response)) == (403, "Access was denied to this resource.")
    assert QueuedImage.objects.count() == 0


def test_an_image_the_caller_cannot_see_is_404_before_the_policy(other, owner, cache_dir):  # noqa: F811
    image = create(owner, name="private", disk_format="raw", container_format="bare")
    response = other.put(f"/v2/cache/{image['id']}")
    assert (response.status_code, message(response)) == (404, f"Image {image['id']} not found.")
