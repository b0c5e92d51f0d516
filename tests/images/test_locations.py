"""Several named stores: uploads go to the default one, downloads read the best copy and fall back."""
import pytest

from images.models import ImageLocation
from tests.images.conftest import image_url, upload


@pytest.fixture
def two_stores(settings, tmp_path):
    settings.IMAGE_STORES = {"near": {"type": "file", "directory": str(tmp_path / "near"), "weight": 10},
                             "far": {"type": "file", "directory": str(tmp_path / "far"), "weight": 1}}
    settings.IMAGE_DEFAULT_STORE = "far"
    return tmp_path


def test_upload_goes_to_the_default_store_and_records_the_location(owner, image, two_stores):
    assert upload(owner, image["id"], b"data").status_code == 204
    location = ImageLocation.objects.get(image_id=image["id"])
    assert (location.store, location.url) == ("far", (two_stores / "far" / image["id"]).resolve().as_uri())
    assert owner.get(image_url(image["id"], "file")).getvalue() == b"data"


def add_copy(image_id, store, directory, data):
    path = directory / store
    path.mkdir(exist_ok=True)
    (path / image_id).write_bytes(data)
    ImageLocation.objects.create(image_id=image_id, store=store, url=(path / image_id).resolve().as_uri())


def test_download_reads_the_copy_of_highest_weight(owner, image, two_stores):
    upload(owner, image["id"], b"far!")
    add_copy(image["id"], "near", two_stores, b"near")
    assert owner.get(image_url(image["id"], "file")).getvalue() == b"near"


def test_download_falls_back_when_the_best_store_fails(owner, image, two_stores):
    upload(owner, image["id"], b"far!")
    add_copy(image["id"], "near", two_stores, b"near")
    (two_stores / "near" / image["id"]).unlink()
    (two_stores / "near").rmdir()
    (two_stores / "near").write_bytes(b"the directory became a file")
    assert owner.get(image_url(image["id"], "file")).getvalue() == b"far!"


def test_images_show_their_stores_when_several_are_configured(owner, image, two_stores):
    upload(owner, image["id"], b"far!")
    add_copy(image["id"], "near", two_stores, b"near")
    assert owner.get(image_url(image["id"])).json()["stores"] == "far,near"
    assert owner.get("/v2/images").json()["images"][0]["stores"] == "far,near"


def test_a_single_store_shows_no_stores_field(owner, image):
    upload(owner, image["id"], b"data")
    assert "stores" not in owner.get(image_url(image["id"])).json()
