"""Downloads through this node's image cache: filled on a miss, served on a hit, never a bad copy."""
import hashlib
import os

import pytest
from django.db import OperationalError, connection

from images import cache
from images.models import CachedImage, Image, QueuedImage
from images.stores.base import CHUNK_SIZE
from tests.images.conftest import image_url, upload
from tests.images.test_data_api import download, files_in

DATA = os.urandom(2 * CHUNK_SIZE + 1234)


@pytest.fixture
def cache_dir(settings, tmp_path):
    settings.IMAGE_CACHE_DIR = str(tmp_path / "cache")
    settings.NODE_NAME = "node-a"
    return tmp_path / "cache"


@pytest.fixture
def active(owner, image):
    assert upload(owner, image["id"], DATA).status_code == 204
    return image


def rows():
    return list(CachedImage.objects.values_list("image_id", "node", "size", "hits", "checksum"))


def cached_files(cache_dir):
    return [name for name in files_in(cache_dir) if name not in ("incomplete", "locks")]


def test_a_miss_fills_the_cache_and_a_hit_is_served_from_it(owner, active, cache_dir, store_dir):
    response, body = download(owner, active["id"])
    assert (response.status_code, body) == (200, DATA)
    assert cached_files(cache_dir) == [active["id"]]
    assert (cache_dir / active["id"]).read_bytes() == DATA
    assert rows() == [(active["id"], "node-a", len(DATA), 0, hashlib.md5(DATA).hexdigest())]
    first_access = CachedImage.objects.get().last_accessed
    (store_dir / active["id"]).unlink()  # only the cache has the data now
    response, body = download(owner, active["id"])
    assert (response.status_code, body, response["Content-Length"]) == (200, DATA, str(len(DATA)))
    assert response["Content-MD5"] == hashlib.md5(DATA).hexdigest()
    assert rows()[0][3] == 1
    assert CachedImage.objects.get().last_accessed > first_access
    assert files_in(cache_dir / "incomplete") == []


def test_without_a_cache_dir_nothing_is_cached(owner, active, settings, tmp_path):
    settings.IMAGE_CACHE_DIR = ""
    assert download(owner, active["id"])[1] == DATA
    assert rows() == []


def test_a_range_request_bypasses_the_cache(owner, active, cache_dir):
    response, body = download(owner, active["id"], HTTP_RANGE="bytes=0-9")
    assert (response.status_code, body) == (206, DATA[:10])
    assert (cached_files(cache_dir), rows()) == ([], [])


def test_a_client_that_goes_away_leaves_nothing(owner, active, cache_dir):
    """What the server does when its client is gone: it closes the response's content after a chunk
    (the same through gunicorn: tests/e2e/test_image_cache.py)."""
    stream = cache.image_data_read(image=Image.objects.get(pk=active["id"]))
    assert len(next(stream)) == CHUNK_SIZE
    assert len(files_in(cache_dir / "incomplete")) == 1
    stream.close()
    assert (cached_files(cache_dir), files_in(cache_dir / "incomplete"), rows()) == ([], [], [])


def test_data_that_does_not_match_the_checksum_is_not_kept(owner, active, cache_dir, store_dir):
    (store_dir / active["id"]).write_bytes(b"X" * len(DATA))
    download(owner, active["id"])
    assert (cached_files(cache_dir), files_in(cache_dir / "incomplete"), rows()) == ([], [], [])


def test_a_deactivated_image_bypasses_the_cache(owner, api, active, cache_dir):
    assert api.post(image_url(active["id"], "actions", "deactivate")).status_code == 204
    assert download(api, active["id"])[1] == DATA
    assert (cached_files(cache_dir), rows()) == ([], [])


@pytest.mark.parametrize("removal", ["delete", "deactivate"])
def test_deleting_or_deactivating_uncaches_on_every_node(owner, active, cache_dir, removal,
                                                         django_capture_on_commit_callbacks):
    download(owner, active["id"])
    CachedImage.objects.create(image_id=active["id"], node="node-b", size=len(DATA))
    QueuedImage.objects.create(image_id=active["id"], node="node-c")
    with django_capture_on_commit_callbacks(execute=True):
        if removal == "delete":
            assert owner.delete(image_url(active["id"])).status_code == 204
        else:
            assert owner.post(image_url(active["id"], "actions", "deactivate")).status_code == 204
    assert (cached_files(cache_dir), rows(), QueuedImage.objects.count()) == ([], [], 0)


def test_a_file_without_its_row_is_absent_and_removed(owner, active, cache_dir):
    download(owner, active["id"])
    CachedImage.objects.all().delete()  # as another node's deletion of the image leaves this node's file
    (cache_dir / active["id"]).write_bytes(b"stale")
    assert download(owner, active["id"])[1] == DATA
    assert (cache_dir / active["id"]).read_bytes() == DATA  # removed, then filled again
    assert len(rows()) == 1


def test_a_row_without_its_file_is_absent_and_removed(owner, active, cache_dir):
    download(owner, active["id"])
    (cache_dir / active["id"]).unlink()
    assert download(owner, active["id"])[1] == DATA
    assert (cached_files(cache_dir), len(rows())) == ([active["id"]], 1)


def test_the_versions_document_lists_the_cache_versions_with_a_cache(api, cache_dir):
    versions = api.get("/versions").json()["versions"]
    assert [(v["id"], v["status"]) for v in versions][:5] == [
        ("v2.18", "CURRENT"), ("v2.17", "SUPPORTED"), ("v2.16", "SUPPORTED"), ("v2.15", "SUPPORTED"),
        ("v2.14", "SUPPORTED")]


def test_a_damaged_cached_file_is_never_served(owner, active, cache_dir):
    download(owner, active["id"])
    (cache_dir / active["id"]).write_bytes(DATA[:100])  # shorter than its row says
    assert download(owner, active["id"])[1] == DATA
    assert (cache_dir / active["id"]).read_bytes() == DATA  # removed, then filled again
    assert rows()[0][3] == 0


def test_the_copy_is_kept_before_the_last_bytes_go_out(owner, active, cache_dir):
    """A client that has the whole image (and asks GET /v2/cache next) finds it cached."""
    stream = cache.image_data_read(image=Image.objects.get(pk=active["id"]))
    received = b""
    while len(received) < len(DATA):
        received += next(stream)
    assert (received, cached_files(cache_dir), len(rows())) == (DATA, [active["id"]], 1)
    stream.close()
    assert cached_files(cache_dir) == [active["id"]]


def test_a_download_goes_on_when_the_database_goes_away_before_its_last_chunk(owner, active, cache_dir):
    """The fill is recorded before the last chunk is sent; a database lost then used to cut the download
    short (found by tests/cluster/test_database_restart.py). Now the client gets every byte, nothing is kept."""
    response = owner.get(image_url(active["id"], "file"))
    chunks = iter(response.streaming_content)
    received = next(chunks)

    def gone(execute, sql, params, many, context):
        raise OperationalError(2006, "Server has gone away")

    with connection.execute_wrapper(gone):
        received += b"".join(chunks)
    assert (response.status_code, received) == (200, DATA)
    assert (cached_files(cache_dir), files_in(cache_dir / "incomplete"), rows()) == ([], [], [])
