"""The read-only http store, reading from a real local server: the driver, then through the API."""
import pytest

from images.models import Image, ImageLocation
from images.stores import registry
from images.stores.errors import DataNotFound, ReadOnlyStore, StoreConfigurationError, StoreUnavailable
from images.stores.http import HttpStore
from tests.images.conftest import create, image_url, upload

DATA = bytes(range(256)) * 64  # 16 KiB


@pytest.fixture
def store():
    return HttpStore("web", allow_private_networks=True)


@pytest.fixture
def url(http_server):
    return http_server.add_file("images/cirros.raw", DATA)


def read_all(readable):
    try:
        return b"".join(iter(lambda: readable.read(4096), b""))
    finally:
        readable.close()


def test_get_reads_the_whole_data_or_a_window(store, url, http_server):
    assert read_all(store.get(url)) == DATA
    assert read_all(store.get(url, 100, 50)) == DATA[100:150]
    assert read_all(store.get(url, 16000)) == DATA[16000:]
    assert http_server.requests[1].headers["Range"] == "bytes=100-149"


def test_a_server_ignoring_ranges_still_gives_the_window(store, url, http_server):
    http_server.honour_ranges = False
    assert read_all(store.get(url, 100, 50)) == DATA[100:150]


def test_size_comes_from_head_or_else_from_a_one_byte_range(store, url, http_server):
    assert store.get_size(url) == len(DATA)
    assert [request.method for request in http_server.requests] == ["HEAD"]
    http_server.unsized.add("/images/cirros.raw")  # HEAD without Content-Length
    assert store.get_size(url) == len(DATA)
    assert http_server.requests[-1].headers["Range"] == "bytes=0-0"


def test_redirects_are_followed_within_the_stores_bound(url, http_server):
    bounded = HttpStore("web", allow_private_networks=True, max_redirects=2)
    assert read_all(bounded.get(http_server.url("redirect/2/images/cirros.raw"))) == DATA
    with pytest.raises(StoreUnavailable, match="More than 2 redirects"):
        bounded.get(http_server.url("redirect/3/images/cirros.raw"))


def test_missing_data_and_failing_servers(store, http_server):
    http_server.fail("/broken", 500)
    with pytest.raises(DataNotFound, match="No image data at .*/nothing: The server answered 404 Not Found"):
        store.get(http_server.url("nothing"))
    with pytest.raises(DataNotFound):
        store.get_size(http_server.url("nothing"))
    with pytest.raises(StoreUnavailable, match="The server answered 500"):
        store.get(http_server.url("broken"))


def test_loopback_and_private_servers_need_the_stores_permission(url, http_server):
    with pytest.raises(StoreUnavailable, match="127.0.0.1 is a loopback address"):
        HttpStore("web").get(url)
    assert http_server.requests == []


def test_a_redirect_to_the_metadata_service_is_refused_even_for_a_trusted_location(store, http_server):
    http_server.redirect("/mirror/image", "http://169.254.169.254/latest/meta-data/iam/")
    with pytest.raises(StoreUnavailable, match="169.254.169.254 is a link-local address"):
        store.get(http_server.url("mirror/image"))


def test_a_transfer_cut_short_is_a_store_fault(store, url, http_server):
    http_server.truncate("/images/cirros.raw", 5000)
    readable = store.get(url)
    with pytest.raises(StoreUnavailable, match="The body ended"):
        read_all(readable)


def test_data_shorter_than_the_image_is_refused_before_anything_is_sent(store, url):
    with pytest.raises(StoreUnavailable, match="shorter than the image: 384 bytes from 16000 where 1000"):
        store.get(url, 16000, 1000)


def test_add_is_refused_delete_leaves_the_data_and_nothing_is_listed(store, url, http_server):
    with pytest.raises(ReadOnlyStore) as refused:
        store.add("some-image", iter([b"data"]))
    assert refused.value.status == 410
    store.delete(url)
    store.discard_partial("some-image")
    assert list(store.iter_stored()) == []
    assert http_server.requests == []
    with pytest.raises(DataNotFound, match="is not in store web"):
        store.delete("file:///etc/passwd")
    with pytest.raises(DataNotFound, match="is not in store web"):
        store.get("file:///etc/passwd")


@pytest.mark.parametrize("options, message", [
    ({"allow_private_networks": "yes"}, "option 'allow_private_networks' must be a bool"),
    ({"max_redirects": -1}, "option 'max_redirects' must be a number of at least 0"),
    ({"max_redirects": True}, "option 'max_redirects' must be a number of at least 0"),
    ({"insecure": 1}, "option 'insecure' must be a bool"),
    ({"proxy": "http://proxy:3128"}, "unknown option(s) proxy"),
])
def test_bad_options_name_the_entry(options, message, tmp_path):
    with pytest.raises(StoreConfigurationError) as refused:
        registry.build({"web": {"type": "http", **options}}, "web", tmp_path)
    assert message in str(refused.value) and "IMAGE_STORES['web']" in str(refused.value)


# --- through the API -------------------------------------------------------------------------

@pytest.fixture
def stores(settings, tmp_path):
    settings.IMAGE_STORES = {
        "file": {"type": "file", "directory": str(tmp_path / "images")},
        "web": {"type": "http", "description": "Images on the mirror", "allow_private_networks": True},
    }
    settings.IMAGE_DEFAULT_STORE = "file"


@pytest.fixture
def remote_image(owner, stores, url):
    """An active image of tenant-a whose only copy is at the local server's URL."""
    image = create(owner, name="remote", disk_format="raw", container_format="bare")
    Image.objects.filter(pk=image["id"]).update(status="active", size=len(DATA))
    ImageLocation.objects.create(image_id=image["id"], store="web", url=url)
    return image


def test_download_streams_the_remote_data(owner, remote_image):
    response = owner.get(image_url(remote_image["id"], "file"))
    assert (response.status_code, response["Content-Length"], response.getvalue()) == (200, str(len(DATA)), DATA)


def test_download_of_a_range(owner, remote_image, http_server):
    response = owner.get(image_url(remote_image["id"], "file"), headers={"HTTP_RANGE": "bytes=10-29"})
    assert (response.status_code, response["Content-Range"], response.getvalue()) == (
        206, f"bytes 10-29/{len(DATA)}", DATA[10:30])
    assert http_server.requests[-1].headers["Range"] == "bytes=10-29"


def test_upload_to_the_http_store_is_410_and_the_image_stays_queued(owner, image, stores):
    response = upload(owner, image["id"], b"data", headers={"HTTP_X_IMAGE_META_STORE": "web"})
    assert (response.status_code, response.json()["message"]) == (
        410, "Error in store configuration. Adding images to store web is disabled.")
    assert owner.get(image_url(image["id"])).json()["status"] == "queued"


def test_the_http_store_is_listed_read_only(api, stores):
    assert api.get("/v2/info/stores").json() == {"stores": [
        {"id": "file", "default": "true"},
        {"id": "web", "description": "Images on the mirror", "read-only": "true"}]}
    web = api.get("/v2/info/stores/detail").json()["stores"][1]
    assert web == {"id": "web", "description": "Images on the mirror", "read-only": "true", "type": "http",
                   "properties": {}, "weight": 0}


def test_deleting_the_image_forgets_the_location_and_leaves_the_remote_data(
        owner, remote_image, http_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.delete(image_url(remote_image["id"])).status_code == 204
    assert not ImageLocation.objects.filter(image_id=remote_image["id"]).exists()
    assert http_server.requests == []
    assert (http_server.directory / "images" / "cirros.raw").read_bytes() == DATA
