"""manage.py cache_prefetch, cache_prune and cache_clean; and two fills of one image at once."""
import io
import os
import threading
import time

import pytest
from django.core.management import CommandError, call_command

from images import cache, locations
from images.models import CachedImage, Image, QueuedImage
from tests.images.conftest import create, upload
from tests.images.test_cache_serving import DATA, cache_dir, cached_files  # noqa: F401 - the fixture
from tests.images.test_data_api import download, files_in


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def active(api):
    image = create(api, name="cached", disk_format="raw", container_format="bare")
    assert upload(api, image["id"], DATA).status_code == 204
    return image


def test_prefetch_caches_the_queue_and_reports(api, active, cache_dir):  # noqa: F811
    queued = create(api, name="never uploaded", disk_format="raw", container_format="bare")
    for image_id in (active["id"], queued["id"]):
        QueuedImage.objects.create(image_id=image_id, node="node-a")
    assert run("cache_prefetch").splitlines() == [
        f"  [1/2] {active['id']}: cached", f"  [2/2] {queued['id']}: not cached",
        "Prefetched 1 of 2 queued image(s)."]
    assert cached_files(cache_dir) == [active["id"]]
    # Not active: it left the queue (Glance's prefetcher drops what it cannot cache).
    assert QueuedImage.objects.count() == 0


def test_prune_reports_what_it_removed(api, active, cache_dir, settings):  # noqa: F811
    download(api, active["id"])
    settings.IMAGE_CACHE_MAX_SIZE = 10
    assert run("cache_prune") == f"Pruned 1 file(s), {len(DATA)} byte(s); the cache holds 0 of 10 byte(s).\n"
    assert (cached_files(cache_dir), CachedImage.objects.count()) == ([], 0)


def test_clean_removes_stalled_partial_files(api, cache_dir):  # noqa: F811
    (cache_dir / "incomplete").mkdir(parents=True)
    stalled = cache_dir / "incomplete" / "x.partial"
    stalled.write_bytes(b"x")
    past = time.time() - 100
    os.utime(stalled, (past, past))
    assert run("cache_clean", "--stall-time", "50") == \
        "Removed 1 invalid or stalled cache file(s) (stalled: older than 50s).\n"
    assert files_in(cache_dir / "incomplete") == []


@pytest.mark.parametrize("command", ["cache_prefetch", "cache_prune", "cache_clean"])
def test_the_commands_need_a_cache(db, settings, command):
    settings.IMAGE_CACHE_DIR = ""
    with pytest.raises(CommandError, match="IMAGE_CACHE_DIR is not set"):
        call_command(command)


def test_two_fills_of_one_image_at_once_leave_one_good_file_and_one_row(api, active, cache_dir):  # noqa: F811
    """Two downloads interleaved chunk by chunk (the race between processes is tests/e2e/test_image_cache.py)."""
    image = Image.objects.get(pk=active["id"])
    fills = [cache.caching_iter(image, locations.image_data_open(image=image, offset=0, length=image.size))
             for _ in range(2)]
    firsts = [next(fill) for fill in fills]
    assert len(files_in(cache_dir / "incomplete")) == 2  # each writes a temporary file of its own
    bodies = [first + b"".join(fill) for first, fill in zip(firsts, fills)]
    assert bodies == [DATA, DATA]
    assert (cache_dir / image.pk).read_bytes() == DATA
    assert (cached_files(cache_dir), files_in(cache_dir / "incomplete")) == ([image.pk], [])
    assert list(CachedImage.objects.values_list("image_id", "node", "size")) == [(image.pk, "node-a", len(DATA))]


def test_one_prune_at_a_time_on_a_node(cache_dir):  # noqa: F811
    """A prune (API or command) waits for the one running: two would each free the same overage."""
    from images import cache_manage

    done = threading.Event()
    with cache_manage._node_lock("prune"):
        waiting = threading.Thread(target=lambda: (cache_manage.cache_prune(), done.set()))
        waiting.start()
        assert not done.wait(0.3)
    waiting.join(10)
    assert done.is_set()


def test_an_image_whose_data_cannot_be_read_stays_queued(api, active, cache_dir, store_dir):  # noqa: F811
    (store_dir / active["id"]).unlink()
    QueuedImage.objects.create(image_id=active["id"], node="node-a")
    assert run("cache_prefetch").splitlines()[-1] == "Prefetched 0 of 1 queued image(s)."
    assert list(QueuedImage.objects.values_list("image_id", flat=True)) == [active["id"]]
    assert cached_files(cache_dir) == []
