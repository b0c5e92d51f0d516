"""PUT/GET /v2/images/{id}/file: streaming, hashes, ranges, and failures that leave nothing behind."""
import hashlib
import io
import os
import tracemalloc

import pytest

from images import locations
from images.api.views import ImageDataResponse
from images.models import Image
from images.stores.file import FileStore
from tests.images.conftest import create, image_url, upload

DATA = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def put_stream(caller, image_id, stream, *, chunked=True, **headers):
    """PUT with a custom wsgi.input: chunked (no Content-Length) unless told otherwise."""
    environ = {"wsgi.input": stream, **headers}
    if chunked:
        environ.update(HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH="")
    return caller.client.generic("PUT", image_url(image_id, "file"), b"", content_type="application/octet-stream",
                                 **{**caller.headers, **environ})


def download(caller, image_id, **headers):
    response = caller.get(image_url(image_id, "file"), headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def files_in(directory):
    return sorted(path.name for path in directory.iterdir()) if directory.exists() else []


class ServerInput:
    """What Django needs of wsgi.input besides read()."""

    def readline(self, *args):
        return b""


class Zeros(ServerInput):
    """`size` bytes of zeros, produced on demand (never held in memory)."""

    def __init__(self, size):
        self.left = size

    def read(self, n=-1):
        n = self.left if n is None or n < 0 else min(n, self.left)
        self.left -= n
        return bytes(n)


class Breaks(ServerInput):
    """Yields some data, then fails the way a dropped connection (or a malformed chunk) does."""

    def __init__(self, error=ConnectionResetError("client went away"), before=b"partial data"):
        self.error, self.before = error, before

    def read(self, n=-1):
        if self.before:
            data, self.before = self.before, b""
            return data
        raise self.error


class InvalidChunkSize(Exception):
    """What a WSGI server raises for a malformed chunked body (gunicorn's is not an OSError)."""


def test_upload_then_download_round_trip_with_hashes(owner, image, store_dir):
    assert owner.get(image_url(image["id"], "file")).status_code == 204
    assert upload(owner, image["id"], DATA).status_code == 204
    body = owner.get(image_url(image["id"])).json()
    assert body == {**image, "status": "active", "size": len(DATA), "virtual_size": len(DATA),
                    "updated_at": body["updated_at"],
                    "checksum": hashlib.md5(DATA).hexdigest(), "os_hash_algo": "sha512",
                    "os_hash_value": hashlib.sha512(DATA).hexdigest()}
    response, data = download(owner, image["id"])
    assert (response.status_code, data) == (200, DATA)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Length"] == str(len(DATA))
    assert response["Content-MD5"] == hashlib.md5(DATA).hexdigest()
    assert files_in(store_dir) == [image["id"]]


def test_chunked_upload_reads_the_server_stream(owner, image):
    assert put_stream(owner, image["id"], io.BytesIO(DATA)).status_code == 204
    assert download(owner, image["id"])[1] == DATA


def test_hash_algorithm_is_a_setting(owner, image, settings):
    settings.IMAGE_HASH_ALGORITHM = "sha256"
    upload(owner, image["id"], DATA)
    body = owner.get(image_url(image["id"])).json()
    assert (body["os_hash_algo"], body["os_hash_value"]) == ("sha256", hashlib.sha256(DATA).hexdigest())


def test_empty_upload_makes_an_empty_active_image(owner, image):
    assert put_stream(owner, image["id"], io.BytesIO(b"")).status_code == 204
    assert owner.get(image_url(image["id"])).json()["size"] == 0
    response, data = download(owner, image["id"])
    assert (response.status_code, data, response["Content-Length"]) == (200, b"", "0")


def test_upload_streams_in_constant_memory(owner, image):
    size = 48 * 1024 * 1024
    tracemalloc.start()
    try:
        assert put_stream(owner, image["id"], Zeros(size)).status_code == 204
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # A few 1 MiB chunks in flight (being read, queued for the hash threads, being hashed and
    # written), never a share of the image: 48 MiB went through.
    assert peak < 6 * 1024 * 1024
    assert owner.get(image_url(image["id"])).json()["size"] == size


def test_second_upload_is_409_and_keeps_the_first(owner, image):
    upload(owner, image["id"], DATA)
    assert upload(owner, image["id"], b"XXX").status_code == 409
    assert download(owner, image["id"])[1] == DATA


def test_upload_without_formats_is_400_and_stays_queued(owner):
    image = create(owner, name="no formats")
    assert upload(owner, image["id"], DATA).status_code == 400
    assert owner.get(image_url(image["id"])).json()["status"] == "queued"


def test_upload_needs_octet_stream(owner, image):
    assert owner.put(image_url(image["id"], "file"), raw=DATA, content_type="text/plain").status_code == 415
    assert owner.get(image_url(image["id"])).json()["status"] == "queued"


def assert_back_to_queued_without_data(caller, image, store_dir):
    body = caller.get(image_url(image["id"])).json()
    assert (body["status"], body["size"], body["checksum"]) == ("queued", None, None)
    assert files_in(store_dir) == []


@pytest.mark.parametrize("error", [ConnectionResetError("client went away"), InvalidChunkSize("zz")])
def test_interrupted_upload_returns_to_queued_and_leaves_no_file(owner, image, store_dir, error):
    response = put_stream(owner, image["id"], Breaks(error))
    assert response.status_code == 400
    assert_back_to_queued_without_data(owner, image, store_dir)
    assert upload(owner, image["id"], DATA).status_code == 204


def test_body_shorter_than_content_length_is_400(owner, image, store_dir):
    response = put_stream(owner, image["id"], io.BytesIO(b"abc"), chunked=False, CONTENT_LENGTH="10")
    assert response.status_code == 400
    assert_back_to_queued_without_data(owner, image, store_dir)


def test_declared_size_mismatch_is_400(owner, image, store_dir):
    response = put_stream(owner, image["id"], io.BytesIO(DATA), HTTP_X_OPENSTACK_IMAGE_SIZE="5")
    assert response.status_code == 400
    assert_back_to_queued_without_data(owner, image, store_dir)


def test_declared_size_that_matches_is_accepted(owner, image):
    response = put_stream(owner, image["id"], io.BytesIO(DATA), HTTP_X_OPENSTACK_IMAGE_SIZE=str(len(DATA)))
    assert response.status_code == 204


@pytest.mark.parametrize("declared", ["lots", "-1"])
def test_malformed_declared_size_is_400(owner, image, declared):
    assert put_stream(owner, image["id"], io.BytesIO(DATA), HTTP_X_OPENSTACK_IMAGE_SIZE=declared).status_code == 400


def test_size_cap_is_413_while_streaming(owner, image, store_dir, settings):
    settings.IMAGE_SIZE_CAP = 10
    assert put_stream(owner, image["id"], io.BytesIO(DATA)).status_code == 413
    assert_back_to_queued_without_data(owner, image, store_dir)


def test_size_cap_is_413_before_reading_when_declared(owner, image, store_dir, settings):
    settings.IMAGE_SIZE_CAP = 10
    assert upload(owner, image["id"], DATA).status_code == 413
    assert_back_to_queued_without_data(owner, image, store_dir)


class DeletesImage(io.BytesIO):
    """Deletes the image row while its data is being read (a concurrent DELETE)."""

    def __init__(self, image_id):
        super().__init__(DATA)
        self.image_id = image_id

    def read(self, n=-1):
        Image.objects.filter(pk=self.image_id).delete()
        return super().read(n)


def test_image_deleted_during_upload_is_410_and_data_is_removed(owner, image, store_dir):
    assert put_stream(owner, image["id"], DeletesImage(image["id"])).status_code == 410
    assert files_in(store_dir) == []


def test_delete_removes_the_data_file(owner, image, store_dir, django_capture_on_commit_callbacks):
    upload(owner, image["id"], DATA)
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.delete(image_url(image["id"])).status_code == 204
    assert files_in(store_dir) == []
    assert owner.get(image_url(image["id"], "file")).status_code == 404


def test_missing_data_file_answers_204(owner, image, store_dir):
    upload(owner, image["id"], DATA)
    (store_dir / image["id"]).unlink()
    assert owner.get(image_url(image["id"], "file")).status_code == 204


@pytest.mark.parametrize("header, value, expected, content_range", [
    ("HTTP_RANGE", "bytes=3-10", b"DEFGHIJK", "bytes 3-10/26"),
    ("HTTP_RANGE", "bytes=20-", b"UVWXYZ", "bytes 20-25/26"),
    ("HTTP_RANGE", "bytes=-3", b"XYZ", "bytes 23-25/26"),
    ("HTTP_RANGE", "bytes=-100", DATA, "bytes 0-25/26"),
    ("HTTP_RANGE", "bytes=25-100", b"Z", "bytes 25-25/26"),
    ("HTTP_CONTENT_RANGE", "bytes 0-0/26", b"A", "bytes 0-0/26"),
    ("HTTP_CONTENT_RANGE", "bytes 5-9/*", b"FGHIJ", "bytes 5-9/26"),
])
def test_range_requests(owner, image, header, value, expected, content_range):
    upload(owner, image["id"], DATA)
    response, data = download(owner, image["id"], **{header: value})
    assert (response.status_code, data) == (206, expected)
    assert response["Content-Range"] == content_range
    assert response["Content-Length"] == str(len(expected))


@pytest.mark.parametrize("header, value, status", [
    ("HTTP_RANGE", "bytes=10-5", 416),
    ("HTTP_RANGE", "bytes=26-", 416),
    ("HTTP_RANGE", "bytes=-0", 416),
    ("HTTP_RANGE", "bytes=x-y", 416),
    ("HTTP_RANGE", "lines=1-2", 416),
    ("HTTP_RANGE", "bytes=0-1,3-4", 400),
    ("HTTP_CONTENT_RANGE", "bytes 3-16/15", 416),
    ("HTTP_CONTENT_RANGE", "bytes 20-30/*", 416),
    ("HTTP_CONTENT_RANGE", "bytes nonsense", 416),
])
def test_unsatisfiable_ranges(owner, image, header, value, status):
    upload(owner, image["id"], DATA)
    response, _ = download(owner, image["id"], **{header: value})
    assert response.status_code == status
    if status == 416:
        assert response["Content-Range"] == "bytes */26"


def test_range_on_image_without_data_is_204(owner, image):
    assert download(owner, image["id"], HTTP_RANGE="bytes=0-1")[0].status_code == 204


def test_download_response_hands_the_file_to_the_server(owner, image):
    """A WSGI server's file_wrapper gets the descriptor (positioned at the range) for sendfile."""
    upload(owner, image["id"], DATA)
    readable = locations.image_data_open(image=Image.objects.get(pk=image["id"]), offset=2, length=3)
    response = ImageDataResponse(readable, content_type="application/octet-stream")
    assert response.file_to_stream is readable
    assert os.lseek(readable.fileno(), 0, os.SEEK_CUR) == 2
    assert b"".join(response.streaming_content) == b"CDE"
    response.close()


def test_ranges_need_a_random_access_store(owner, image, monkeypatch):
    upload(owner, image["id"], DATA)
    monkeypatch.setattr(FileStore, "random_access", False)
    assert download(owner, image["id"], HTTP_RANGE="bytes=0-1")[0].status_code == 400
    assert download(owner, image["id"])[1] == DATA
