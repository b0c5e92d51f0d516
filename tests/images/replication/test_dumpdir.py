"""The dump directory's layout and its faults: each names the file at fault."""
import json

import pytest

from images.replication import ReplicationError
from images.replication.dumpdir import DumpDirectory

IMAGE_ID = "0b4bc1f0-5a3a-4a53-9e4b-3a3e36a1c4de"


def test_only_complete_images_are_read_back(tmp_path):
    directory = DumpDirectory(tmp_path)
    directory.write_data(IMAGE_ID, [b"abc", b"def"], check=lambda: None)
    assert list(directory.images()) == [], "data without its JSON is an interrupted dump, not an image"
    directory.write_metadata({"id": IMAGE_ID, "size": 6, "status": "active"})
    (tmp_path / "notes.txt").write_text("ignored")
    assert list(directory.images()) == [{"id": IMAGE_ID, "size": 6, "status": "active"}]
    assert directory.has_data({"id": IMAGE_ID, "size": 6})
    assert not directory.has_data({"id": IMAGE_ID, "size": 7})
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"{IMAGE_ID}.img", f"{IMAGE_ID}.json", "notes.txt"]


def test_data_that_fails_its_check_leaves_nothing(tmp_path):
    directory = DumpDirectory(tmp_path)

    def refuse():
        raise ReplicationError("bad md5")

    with pytest.raises(ReplicationError, match="bad md5"):
        directory.write_data(IMAGE_ID, [b"abc"], check=refuse)
    assert list(tmp_path.iterdir()) == []


def test_a_broken_document_names_its_file(tmp_path):
    (tmp_path / f"{IMAGE_ID}.json").write_text("{not json")
    with pytest.raises(ReplicationError, match=f"{tmp_path / IMAGE_ID}.json: not an image document"):
        list(DumpDirectory(tmp_path).images())
    (tmp_path / f"{IMAGE_ID}.json").write_text(json.dumps({"id": "another"}))
    with pytest.raises(ReplicationError, match=f'its "id" is not {IMAGE_ID}'):
        list(DumpDirectory(tmp_path).images())


def test_a_missing_directory_is_named(tmp_path):
    with pytest.raises(ReplicationError, match=f"{tmp_path / 'nowhere'}: not a directory"):
        DumpDirectory(tmp_path / "nowhere")
