"""The path image data takes into a store: a source read in chunks, through a chain of taps.

A source says whose fault a failed read is (the client's body, another store,
a staged file, a remote URL). Each tap does one thing with every chunk
(count and cap, hash, report progress) and may check the whole at the end.
`DataPipeline` builds the chain in one place; the store then consumes
`pipeline.chunks()` while md5 and the multihash run on threads of their own
(hashlib releases the GIL on large buffers), so hashing and writing overlap.
"""
import hashlib
import queue
import threading

from images.stores.base import CHUNK_SIZE
from images.stores.errors import StoreFault, StoreUnavailable
from project.errors import InvalidInput, TooLarge


# --- sources ------------------------------------------------------------------

class Source:
    """A readable (read(n)) whose failures become `fault(exc)`: the side that failed, as a domain error."""

    def __init__(self, readable, fault):
        self.readable, self.fault = readable, fault

    def chunks(self, size=CHUNK_SIZE):
        while chunk := self._read(size):
            yield chunk

    def _read(self, size):
        try:
            return self.readable.read(size)
        except (StoreFault, InvalidInput, TooLarge):
            raise
        except Exception as exc:
            # Dropped connections are OSErrors, but servers report malformed chunked
            # bodies with their own exception classes: all are the sending side's.
            raise self.fault(exc) from exc


def request_body(stream):
    """The client's upload: a broken stream is the client's 400."""
    return Source(stream, lambda exc: InvalidInput(f"Error reading image data from the request: {exc}"))


def stored_data(store, url):
    """Data another store holds (copy, import from staging): a failed read is that store's 503."""
    return Source(store.get(url), lambda exc: StoreUnavailable(f"Reading {url} from store {store.store_id} "
                                                               f"failed: {exc}"))


# --- taps -------------------------------------------------------------------

class Tap:
    """Sees every chunk in order (`feed`), then the end of the data (`finish`); `close` always runs."""

    def feed(self, chunk):
        pass

    def finish(self):
        pass

    def close(self):
        pass


class SizeCap(Tap):
    """TooLarge from `too_large(size)` as soon as more than `limit` bytes arrived."""

    def __init__(self, limit, too_large):
        self.limit, self.too_large, self.size = limit, too_large, 0

    def feed(self, chunk):
        self.size += len(chunk)
        if self.size > self.limit:
            raise self.too_large(self.size)


class ExpectedSize(Tap):
    """InvalidInput when the data ends at another size than was announced."""

    def __init__(self, expected):
        self.expected, self.size = expected, 0

    def feed(self, chunk):
        self.size += len(chunk)

    def finish(self):
        if self.size != self.expected:
            raise InvalidInput(f"Image data size mismatch: {self.expected} bytes were announced, "
                               f"{self.size} were received.")


class ThreadedHash(Tap):
    """One hashlib digest computed on its own thread; a bounded queue keeps memory flat."""

    def __init__(self, name):
        self.hasher = hashlib.new(name, usedforsecurity=name != "md5")
        self._queue = queue.Queue(maxsize=2)
        self._thread = threading.Thread(target=self._run, name=f"hash-{name}", daemon=True)
        self.hexdigest = None

    def _run(self):
        while (chunk := self._queue.get()) is not None:
            self.hasher.update(chunk)

    def feed(self, chunk):
        if self._thread.ident is None:  # started with the data, so an unused tap holds no thread
            self._thread.start()
        self._queue.put(chunk)

    def finish(self):
        self.close()
        self.hexdigest = self.hasher.hexdigest()

    def close(self):
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


class Progress(Tap):
    """Calls `report(bytes_so_far)` every `every` bytes and at the end."""

    def __init__(self, report, every=64 * CHUNK_SIZE):
        self.report, self.every, self.size, self._next = report, every, 0, every

    def feed(self, chunk):
        self.size += len(chunk)
        if self.size >= self._next:
            self._next += self.every
            self.report(self.size)

    def finish(self):
        self.report(self.size)


# --- the chain ------------------------------------------------------------------

class DataPipeline:
    """A source through taps: size cap, announced size, md5 + multihash, progress, format inspection.

    `chunks()` yields what the source reads once every tap has seen it; after it
    is exhausted, `size`, `checksum`, `hash_algo` and `hash_value` describe the data.
    """

    def __init__(self, source, *, hash_algo, cap=None, expected_size=None, progress=None, inspection=None):
        self.source, self.hash_algo = source, hash_algo
        self.counter = Tap() if cap is None else cap
        self.md5, self.multihash = ThreadedHash("md5"), ThreadedHash(hash_algo)
        self.taps = [self.counter, self.md5, self.multihash]
        if expected_size is not None:
            self.taps.insert(1, ExpectedSize(expected_size))
        if progress is not None:
            self.taps.append(Progress(progress))
        if inspection is not None:
            self.taps.append(inspection)
        self.size = 0

    def chunks(self):
        try:
            for chunk in self.source.chunks():
                self.size += len(chunk)
                for tap in self.taps:
                    tap.feed(chunk)
                yield chunk
            for tap in self.taps:
                tap.finish()
        finally:
            for tap in self.taps:
                tap.close()

    @property
    def checksum(self):
        return self.md5.hexdigest

    @property
    def hash_value(self):
        return self.multihash.hexdigest
