"""Reading stored data back for the auditor: hashed as it streams, at a bounded byte rate.

The rate is the whole run's (every file shares one budget), so an audit of a production store
takes at most that share of its I/O however many images there are. A sleep-when-ahead budget is
all that needs: a rate-limiting library would bring buckets and clocks for one comparison.
"""
import time
from dataclasses import dataclass

from images.pipeline import ThreadedHash
from images.stores.base import CHUNK_SIZE

PROGRESS_EVERY = 64 * CHUNK_SIZE


class Throttle:
    """At most `rate` bytes a second on average since the first byte; 0 is unlimited."""

    def __init__(self, rate):
        self.rate, self.spent, self.started = rate, 0, None

    def spend(self, size):
        if not self.rate:
            return
        if self.started is None:
            self.started = time.monotonic()
        self.spent += size
        ahead = self.spent / self.rate - (time.monotonic() - self.started)
        if ahead > 0:
            time.sleep(ahead)

    def read_size(self):
        """Reads small enough that a slow rate still sleeps in short steps (progress stays smooth)."""
        return CHUNK_SIZE if not self.rate else max(4096, min(CHUNK_SIZE, self.rate // 4))


@dataclass(frozen=True)
class Digest:
    size: int
    checksum: str
    hash_value: str


def data_digest(readable, *, hash_algo, throttle, progress=lambda size: None):
    """Size, md5 and `hash_algo` digest (None without one) of everything `readable` yields; closes it.

    The digests run on threads of their own as uploads' do (images.pipeline), overlapping the reads.
    `progress(bytes_so_far)` every 64 MiB. Store faults from reading propagate.
    """
    md5, multihash = ThreadedHash("md5"), ThreadedHash(hash_algo) if hash_algo else None
    hashes = [md5, *([multihash] if multihash else [])]
    size, reported = 0, PROGRESS_EVERY
    try:
        while chunk := readable.read(throttle.read_size()):
            throttle.spend(len(chunk))
            for digest in hashes:
                digest.feed(chunk)
            size += len(chunk)
            if size >= reported:
                reported += PROGRESS_EVERY
                progress(size)
        for digest in hashes:
            digest.finish()
    finally:
        for digest in hashes:
            digest.close()
        readable.close()
    return Digest(size, md5.hexdigest, multihash.hexdigest if multihash else None)
