"""The v2.17 location API: who may add what, checked before any task starts."""
import pytest

from images.models import Task
from tests.images.conftest import image_url, upload

SHA512 = "ab" * 64


def add_location(api, image_id, url, **validation):
    body = {"url": url, **({"validation_data": validation} if validation else {})}
    return api.post(image_url(image_id, "locations"), body)


def test_a_user_needs_an_http_store(owner, image):
    response = add_location(owner, image["id"], "http://example.com/image.raw")
    assert response.status_code == 403
    assert "http store must be enabled to use location API by normal user." in response.content.decode()
    assert owner.get(image_url(image["id"])).json()["status"] == "queued"


@pytest.mark.parametrize("roles", ["member", "service,member", "admin"])
def test_nobody_may_point_at_the_services_own_files(owner, image, store_dir, roles):
    caller = owner.as_("tenant-a", roles=roles)
    response = add_location(caller, image["id"], f"file://{store_dir}/{image['id']}")
    assert response.status_code == 403
    assert not Task.objects.exists()


def test_only_a_queued_image_takes_a_location(owner, image):
    upload(owner, image["id"], b"data")
    response = add_location(owner, image["id"], "http://example.com/x")
    assert response.status_code == 409
    assert "It's not allowed to add locations if image status is active." in response.content.decode()


@pytest.mark.parametrize("validation, message", [
    ({"os_hash_value": "zz"}, "os_hash_value (zz) is not a valid hexadecimal value"),
    ({"os_hash_value": "abcd"}, "is not the correct size for (sha512) (should be (64) bytes)"),
    ({"os_hash_value": "ab" * 32, "os_hash_algo": "sha256", "colour": "red"}, "validation_data may only have"),
])
def test_bad_validation_data_is_400(owner, image, validation, message):
    response = add_location(owner, image["id"], "http://example.com/x", **validation)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_url_is_required(owner, image):
    assert owner.post(image_url(image["id"], "locations"), {"validation_data": {}}).status_code == 400


def test_listing_locations_is_for_services(owner, image):
    upload(owner, image["id"], b"data")
    assert owner.get(image_url(image["id"], "locations")).status_code == 403
    service = owner.as_("tenant-a", roles="service,reader")
    listed = service.get(image_url(image["id"], "locations")).json()
    assert len(listed) == 1 and listed[0]["url"].startswith("file://") and listed[0]["metadata"] == {}


def test_locations_and_direct_url_are_off_by_default(owner, image):
    upload(owner, image["id"], b"data")
    body = owner.get(image_url(image["id"])).json()
    assert "locations" not in body and "direct_url" not in body


def test_show_multiple_locations_and_direct_url(owner, image, settings, store_dir):
    settings.SHOW_MULTIPLE_LOCATIONS = settings.SHOW_IMAGE_DIRECT_URL = True
    queued = owner.get(image_url(image["id"])).json()
    assert queued["locations"] == [] and "direct_url" not in queued
    upload(owner, image["id"], b"data")
    body = owner.get(image_url(image["id"])).json()
    url = (store_dir / image["id"]).as_uri()
    assert (body["locations"], body["direct_url"]) == ([{"url": url, "metadata": {}}], url)
    listed = owner.get("/v2/images").json()["images"][0]
    assert listed["direct_url"] == url


def test_locations_are_hidden_from_callers_get_image_location_refuses(owner, image, settings):
    settings.SHOW_MULTIPLE_LOCATIONS = settings.SHOW_IMAGE_DIRECT_URL = True
    upload(owner, image["id"], b"data")
    admin = owner.as_("admin", roles="admin")
    response = admin.patch(image_url(image["id"]), [{"op": "replace", "path": "/visibility", "value": "public"}],
                           content_type="application/openstack-images-v2.1-json-patch")
    assert response.status_code == 200
    stranger = owner.as_("tenant-z", roles="reader")
    body = stranger.get(image_url(image["id"])).json()
    assert body["locations"] == [] and "direct_url" not in body


# --- with an http store, against a real local server --------------------------------------------

import hashlib  # noqa: E402

from tests.images.test_import_api import run_imports  # noqa: E402,F401 (fixture)

DATA = bytes(range(256)) * 1024


@pytest.fixture
def web(http_server, settings, tmp_path):
    settings.IMAGE_STORES = {"file": {"type": "file", "directory": str(tmp_path / "images")},
                             "web": {"type": "http", "allow_private_networks": True}}
    settings.IMPORT_ALLOW_PRIVATE_NETWORKS = True
    settings.IMPORT_ALLOWED_PORTS = [http_server.port]
    return http_server


def test_a_location_is_verified_then_the_image_turns_active(owner, image, web, run_imports):
    url = web.add_file("cirros.raw", DATA)
    with run_imports():
        response = add_location(owner, image["id"], url, os_hash_value=hashlib.sha512(DATA).hexdigest())
        assert (response.status_code, response.content) == (202, b"")
        assert owner.get(image_url(image["id"])).json()["status"] == "importing"
    body = owner.get(image_url(image["id"])).json()
    assert (body["status"], body["size"], body["stores"]) == ("active", len(DATA), "web")
    assert body["checksum"] == hashlib.md5(DATA).hexdigest()
    assert owner.get(image_url(image["id"], "file")).getvalue() == DATA
    task = Task.objects.get(image_id=image["id"])
    assert (task.type, task.status, task.input["loc_url"]) == ("location_import", "success", url)


def test_a_location_whose_data_does_not_match_leaves_the_image_queued(owner, image, web, run_imports):
    url = web.add_file("other.raw", DATA)
    with run_imports():
        add_location(owner, image["id"], url, os_hash_value="00" * 64)
    body = owner.get(image_url(image["id"])).json()
    assert (body["status"], body["size"]) == ("queued", None)
    assert "does not match" in Task.objects.get(image_id=image["id"]).message
    assert (web.directory / "other.raw").exists()  # never the service's to delete


def test_a_location_refused_by_the_url_check(owner, image, web):
    response = add_location(owner, image["id"], "http://169.254.169.254/latest/meta-data/")
    assert response.status_code == 400
    assert "URI for add location does not pass filtering" in response.content.decode()


def test_patch_add_and_remove_locations(owner, image, web, settings, run_imports):
    settings.SHOW_MULTIPLE_LOCATIONS = True
    upload(owner, image["id"], DATA)
    url = web.add_file("mirror.raw", DATA)
    with run_imports():
        response = owner.patch(image_url(image["id"]), [{"op": "add", "path": "/locations/-",
                                                          "value": {"url": url, "metadata": {}}}],
                               content_type="application/openstack-images-v2.1-json-patch")
        assert response.status_code == 200, response.content
    body = owner.get(image_url(image["id"])).json()
    assert [location["url"] for location in body["locations"]][1:] == [url]
    assert body["stores"] == "file,web"
    admin = owner.as_("tenant-a", roles="admin")
    response = admin.patch(image_url(image["id"]), [{"op": "remove", "path": "/locations/1"}],
                           content_type="application/openstack-images-v2.1-json-patch")
    assert response.status_code == 200, response.content
    assert [location["url"] for location in owner.get(image_url(image["id"])).json()["locations"]] == [
        body["locations"][0]["url"]]
    response = admin.patch(image_url(image["id"]), [{"op": "remove", "path": "/locations/0"}],
                           content_type="application/openstack-images-v2.1-json-patch")
    assert (response.status_code, "Cannot remove last location in the image." in response.content.decode()) == (
        403, True)


def test_patch_add_of_different_data_to_an_active_image_is_not_kept(owner, image, web, settings, run_imports):
    settings.SHOW_MULTIPLE_LOCATIONS = True
    upload(owner, image["id"], DATA)
    url = web.add_file("impostor.raw", b"something else")
    with run_imports():
        owner.patch(image_url(image["id"]), [{"op": "add", "path": "/locations/-", "value": {"url": url}}],
                    content_type="application/openstack-images-v2.1-json-patch")
    body = owner.get(image_url(image["id"])).json()
    assert (body["status"], len(body["locations"])) == ("active", 1)
    assert "not this image's data" in Task.objects.get(image_id=image["id"]).message
