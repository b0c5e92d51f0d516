"""The data pipeline: sources say whose fault a failure is; taps count, cap and hash in one pass."""
import hashlib
import io
import threading

import pytest

from images.pipeline import DataPipeline, Progress, SizeCap, request_body, stored_data
from images.stores.errors import StoreUnavailable
from images.stores.file import FileStore
from project.errors import InvalidInput, TooLarge

MiB = 1024 * 1024
DATA = bytes(range(256)) * 20000  # ~5 MiB, several chunks


class RecordingStream(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.read_sizes = []

    def read(self, size=-1):
        self.read_sizes.append(size)
        return super().read(size)


def drain(pipeline):
    return b"".join(pipeline.chunks())


def too_large(size):
    return TooLarge(f"over at {size}")


def test_hashes_and_size_of_the_data_in_one_pass():
    pipeline = DataPipeline(request_body(io.BytesIO(DATA)), hash_algo="sha512")
    assert drain(pipeline) == DATA
    assert (pipeline.size, pipeline.checksum, pipeline.hash_algo) == (len(DATA), hashlib.md5(DATA).hexdigest(), "sha512")
    assert pipeline.hash_value == hashlib.sha512(DATA).hexdigest()


def test_reads_the_source_in_1_mib_steps():
    """gunicorn copies what a smaller read leaves of each body piece: 64 KiB reads cut upload speed by a third."""
    stream = RecordingStream(b"x" * (3 * MiB))
    drain(DataPipeline(request_body(stream), hash_algo="sha512"))
    assert stream.read_sizes == [MiB] * 4


def test_size_cap_stops_as_soon_as_it_is_passed():
    stream = RecordingStream(DATA)
    with pytest.raises(TooLarge, match=f"over at {MiB}"):
        drain(DataPipeline(request_body(stream), hash_algo="sha512", cap=SizeCap(MiB - 1, too_large)))
    assert len(stream.read_sizes) == 1


@pytest.mark.parametrize("expected", [len(DATA) - 1, len(DATA) + 1])
def test_announced_size_must_match(expected):
    with pytest.raises(InvalidInput, match=f"{expected} bytes were announced, {len(DATA)} were received"):
        drain(DataPipeline(request_body(io.BytesIO(DATA)), hash_algo="sha512", expected_size=expected))


class Broken(io.BytesIO):
    def read(self, size=-1):
        raise ConnectionResetError("peer reset")


def test_a_broken_request_body_is_the_clients_400():
    with pytest.raises(InvalidInput, match="Error reading image data from the request: peer reset"):
        drain(DataPipeline(request_body(Broken()), hash_algo="sha512"))


def test_a_failing_source_store_is_that_stores_503(tmp_path):
    store = FileStore("source", directory=tmp_path)
    url = store.add("image", iter([b"data"])).url
    source = stored_data(store, url)
    source.readable.read = Broken().read
    with pytest.raises(StoreUnavailable, match=f"Reading {url} from store source failed: peer reset"):
        drain(DataPipeline(source, hash_algo="sha512"))


def test_hash_threads_end_whether_the_data_completes_or_not():
    before = threading.active_count()
    drain(DataPipeline(request_body(io.BytesIO(DATA)), hash_algo="sha512"))
    failing = DataPipeline(request_body(io.BytesIO(DATA)), hash_algo="sha512", cap=SizeCap(10, too_large))
    with pytest.raises(TooLarge):
        drain(failing)
    abandoned = DataPipeline(request_body(io.BytesIO(DATA)), hash_algo="sha512").chunks()
    next(abandoned)
    abandoned.close()  # the consumer (a store) gave up after one chunk
    assert threading.active_count() == before


def test_progress_reports_along_the_way_and_at_the_end():
    seen = []
    drain(DataPipeline(request_body(io.BytesIO(DATA)), hash_algo="sha512", progress=seen.append))
    assert seen == [len(DATA)]
    tap = Progress(seen.append, every=2 * MiB)
    for chunk in request_body(io.BytesIO(DATA)).chunks():
        tap.feed(chunk)
    tap.finish()
    assert seen[1:] == [2 * MiB, 4 * MiB, len(DATA)]
