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


# --- /v2/info/stores and DELETE /v2/stores/{store}/{image} --------------------------------

@pytest.mark.parametrize("path", ["/v2/info/stores", "/v2/info/stores/detail"])
def test_one_store_is_not_multi_store(api, path):
    response = api.get(path)
    assert (response.status_code, response.json()["message"]) == (404, "Multi backend is not supported at this site.")


def test_stores_are_listed_as_glance_lists_them(api, settings, two_stores):
    settings.IMAGE_STORES = {
        "near": {**settings.IMAGE_STORES["near"], "description": "Fast local disk"},
        "far": settings.IMAGE_STORES["far"],
        "os_glance_staging_store": {"type": "file", "directory": str(two_stores / "staging")},
    }
    assert api.get("/v2/info/stores").json() == {"stores": [
        {"id": "near", "description": "Fast local disk"}, {"id": "far", "default": "true"}]}


def test_store_details_are_for_admins(api, owner, two_stores):
    assert owner.get("/v2/info/stores/detail").status_code == 403
    near = api.get("/v2/info/stores/detail").json()["stores"][0]
    assert near == {"id": "near", "type": "file", "weight": 10, "properties": {
        "data_dir": str((two_stores / "near").resolve()), "chunk_size": 1024 * 1024, "thin_provisioning": False}}


def test_upload_to_a_chosen_store(owner, image, two_stores):
    response = upload(owner, image["id"], b"data", headers={"HTTP_X_IMAGE_META_STORE": "near"})
    assert response.status_code == 204
    assert owner.get(image_url(image["id"])).json()["stores"] == "near"


def test_upload_to_an_unknown_store_is_400_and_stays_queued(owner, image, two_stores):
    response = upload(owner, image["id"], b"data", headers={"HTTP_X_IMAGE_META_STORE": "tape"})
    assert (response.status_code, response.json()["message"]) == (400, "Unknown scheme 'tape' found in URI")
    assert owner.get(image_url(image["id"])).json()["status"] == "queued"


def test_one_copy_is_removed_and_the_last_is_refused(api, image, two_stores, django_capture_on_commit_callbacks):
    upload(api, image["id"], b"far!")
    add_copy(image["id"], "near", two_stores, b"near")
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/v2/stores/near/{image['id']}").status_code == 204
    assert not (two_stores / "near" / image["id"]).exists()
    assert api.get(image_url(image["id"])).json()["stores"] == "far"
    last = api.delete(f"/v2/stores/far/{image['id']}")
    assert last.status_code == 403 and "only store containing it" in last.json()["message"]
    assert api.get(image_url(image["id"], "file")).getvalue() == b"far!"


def test_removing_a_copy_from_a_store_not_configured_here_is_409(api, image, two_stores):
    upload(api, image["id"], b"far!")
    add_copy(image["id"], "near", two_stores, b"near")
    response = api.delete(f"/v2/stores/tape/{image['id']}")
    assert (response.status_code, response.json()["message"]) == (
        409, "The selected store tape is not available on this node.")


def test_removing_a_copy_the_image_does_not_have_is_404(api, image, two_stores):
    upload(api, image["id"], b"far!")
    ImageLocation.objects.create(image_id=image["id"], store="far", url="file:///elsewhere/second-copy")
    response = api.delete(f"/v2/stores/near/{image['id']}")
    assert (response.status_code, response.json()["message"]) == (
        404, f"Image {image['id']} is not stored in store near.")


def test_members_may_not_remove_copies(owner, image, two_stores):
    upload(owner, image["id"], b"far!")
    add_copy(image["id"], "near", two_stores, b"near")
    assert owner.delete(f"/v2/stores/near/{image['id']}").status_code == 403
