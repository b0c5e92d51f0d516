"""A stream of chunks cut into pieces of chosen sizes, for object stores that keep large data in parts.

The size of an upload is not known until its stream ends, so the swift and s3
drivers take the data piece by piece (a Swift segment, an S3 part) and ask
whether more follows before they commit to the next piece.
"""
from collections import deque

# A single object or part is at most this large on Swift (max_file_size) and on S3.
MAX_OBJECT_SIZE = 5 * 1024 ** 3


class Pieces:
    """The chunks of an upload, handed out in pieces of at most a given size.

    `error` is what the source raised, if it did: a driver re-raises it (unchanged,
    as Store.add promises) rather than what its SDK made of the broken stream.
    """

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._pending = deque()
        self._buffered = 0
        self.size = 0
        self.error = None

    def stream(self, limit):
        """A generator over the next `limit` bytes (fewer at the end), one chunk at a time."""
        sent = 0
        while sent < limit and self.more():
            chunk = self._pending.popleft()
            if len(chunk) > limit - sent:
                chunk, rest = chunk[:limit - sent], chunk[limit - sent:]
                self._pending.appendleft(rest)
            self._buffered -= len(chunk)
            sent += len(chunk)
            self.size += len(chunk)
            yield chunk

    def read(self, limit):
        """The next `limit` bytes (fewer at the end) as one bytes object."""
        return b"".join(self.stream(limit))

    def more(self):
        """Whether data follows what was handed out (reads one chunk ahead to know)."""
        return self._buffered > 0 or self._pull()

    def fits(self, limit):
        """Whether all the data left is at most `limit` bytes; buffers up to that much (and a chunk) to know."""
        while self._buffered <= limit:
            if not self._pull():
                return True
        return False

    def _pull(self):
        """Buffer the source's next non-empty chunk; False at its end."""
        while True:
            try:
                chunk = next(self._chunks)
            except StopIteration:
                return False
            except BaseException as exc:
                self.error = exc
                raise
            if chunk:
                self._pending.append(chunk)
                self._buffered += len(chunk)
                return True

    def reraise_source_error(self):
        """Raise the source's own exception if the source is what failed."""
        if self.error is not None:
            raise self.error


def piece_size(index, base, per_doubling):
    """The size of piece `index` (from 0): `base`, doubled after every `per_doubling` pieces.

    Stores cap the number of pieces of one object (a Swift SLO manifest 1000 segments, an S3
    multipart upload 10,000 parts) and the size is unknown in advance: growing pieces let an
    object of any size fit while small ones keep small pieces.
    """
    return min(base * 2 ** (index // per_doubling), MAX_OBJECT_SIZE)
