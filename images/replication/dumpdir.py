"""A dump directory: `<id>.json` (the image's v2 document), `<id>.img` (its data) and, for a shared
image, `<id>.members.json` (member project id -> its answer) per image.

Written so that an interrupted dump resumes: data goes to `<id>.img.part` and is renamed once
its size and hashes are the source's, the members next, and the image's JSON is written (atomically)
last, so a JSON file means a complete image. Read back by `load` as a source.
"""
import json
import os
import re
from pathlib import Path

from images.replication import ReplicationError

UUID_NAME = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json", re.IGNORECASE)


class DumpDirectory:
    def __init__(self, path, *, create=False):
        self.path = Path(path)
        if create:
            self.path.mkdir(parents=True, exist_ok=True)
        if not self.path.is_dir():
            raise ReplicationError(f"{self.path}: not a directory")

    def __str__(self):
        return f"directory {self.path}"

    def metadata_path(self, image_id):
        return self.path / f"{image_id}.json"

    def data_path(self, image_id):
        return self.path / f"{image_id}.img"

    def members_path(self, image_id):
        return self.path / f"{image_id}.members.json"

    # --- as a source (load) ---

    def images(self):
        for entry in sorted(self.path.iterdir()):
            if UUID_NAME.fullmatch(entry.name):
                yield self._read_metadata(entry)

    def _read_metadata(self, entry):
        try:
            document = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ReplicationError(f"{entry}: not an image document: {exc}") from None
        if not isinstance(document, dict) or document.get("id") != entry.stem:
            raise ReplicationError(f"{entry}: its \"id\" is not {entry.stem}")
        return document

    def has_data(self, document):
        path = self.data_path(document["id"])
        return path.is_file() and path.stat().st_size == document.get("size")

    def download(self, image_id):
        return open(self.data_path(image_id), "rb")

    def members(self, image_id):
        """member project id -> membership status, as dumped ({} when none were)."""
        path = self.members_path(image_id)
        if not path.exists():
            return {}
        try:
            members = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ReplicationError(f"{path}: not a members document: {exc}") from None
        if not isinstance(members, dict) or not all(isinstance(status, str) for status in members.values()):
            raise ReplicationError(f"{path}: not an object of member project id -> status")
        return members

    # --- as a target (dump) ---

    def dumped(self, image_id):
        """The document dumped earlier, or None."""
        path = self.metadata_path(image_id)
        return self._read_metadata(path) if path.exists() else None

    def write_data(self, image_id, blocks, check):
        """Write `blocks` as the image's data; `check()` (raising on bad data) runs before the file counts."""
        partial = self.path / f"{image_id}.img.part"
        with open(partial, "wb") as out:
            for block in blocks:
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        try:
            check()
        except ReplicationError:
            partial.unlink()
            raise
        os.replace(partial, self.data_path(image_id))

    def write_metadata(self, document):
        self._write_json(self.metadata_path(document["id"]), document)

    def write_members(self, image_id, members):
        if members:
            self._write_json(self.members_path(image_id), members)
        else:
            self.members_path(image_id).unlink(missing_ok=True)

    @staticmethod
    def _write_json(path, value):
        partial = path.with_name(path.name + ".part")
        partial.write_text(json.dumps(value, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(partial, path)

    def forget(self, image_id):
        """Drop a dumped image whose source changed, so it is dumped again whole."""
        for path in (self.metadata_path(image_id), self.data_path(image_id), self.members_path(image_id)):
            path.unlink(missing_ok=True)
