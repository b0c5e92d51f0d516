"""The data path: bytes read from one side, counted (and, for dumps, hashed) on the way to the other.

Memory stays constant whatever the image size: the reader hands over blocks as the HTTP
client (or the file writer) asks for them, and only digests are kept.
"""
import hashlib

from images.replication import ReplicationError


class HashingReader:
    """A file-like view of `readable` that hashes what passes and reports each block's size.

    `len` is the size the source announced: requests sends it as Content-Length, so a
    source that ends early makes the target refuse the upload instead of storing a short image.
    """

    def __init__(self, readable, size, *, algorithm, on_bytes, chunk_size=65536, hashing=True):
        self._readable, self.len, self._chunk_size, self._on_bytes = readable, size, chunk_size, on_bytes
        self.md5 = hashlib.md5(usedforsecurity=False) if hashing else None
        self.other = hashlib.new(algorithm) if algorithm and hashing else None
        self.count = 0

    def read(self, amount=-1):
        if amount is None or amount < 0 or amount > self._chunk_size:
            amount = self._chunk_size
        block = self._readable.read(amount)
        if self.md5 is not None:
            self.md5.update(block)
        if self.other is not None:
            self.other.update(block)
        self.count += len(block)
        self._on_bytes(len(block))
        return block

    def blocks(self):
        while block := self.read():
            yield block


def verify_read(reader, source, where):
    """ReplicationError unless what was read is the source's data: size, md5 and os_hash."""
    if reader.count != source.get("size"):
        raise ReplicationError(f"{where}: read {reader.count} bytes, the source says {source.get('size')}")
    if reader.md5 is not None and reader.md5.hexdigest() != source.get("checksum"):
        raise ReplicationError(f"{where}: data read has md5 {reader.md5.hexdigest()}, "
                               f"the source says {source.get('checksum')}")
    if reader.other is not None and reader.other.hexdigest() != source.get("os_hash_value"):
        raise ReplicationError(f"{where}: data read has {source['os_hash_algo']} {reader.other.hexdigest()[:16]}..., "
                               f"the source says {str(source.get('os_hash_value'))[:16]}...")


def reader_for(readable, source, on_bytes, chunk_size, hashing=True):
    """A HashingReader over `readable` with the source's own os_hash_algo when hashlib has it.

    `hashing=False` when the receiving side hashes what it gets and reports it (an upload): comparing its
    digests with the source's then proves the same bytes, without paying for the hashing twice.
    """
    algorithm = source.get("os_hash_algo")
    if algorithm not in hashlib.algorithms_available:
        algorithm = None
    return HashingReader(readable, source.get("size"), algorithm=algorithm, on_bytes=on_bytes, chunk_size=chunk_size,
                         hashing=hashing)
