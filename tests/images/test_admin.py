"""The images admin's changelist: filters, search, a fixed number of queries."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from images.models import Image, ImageLocation
from tests.images.admin_support import CHANGELIST, active, admin_client, listed  # noqa: F401 - fixture
from tests.conftest import Api
from tests.images.conftest import create, patch


@pytest.fixture
def catalog(owner, other):
    """Images of two projects in several states and formats, one with a copy in a second store."""
    web = active(owner, name="web", data=b"web-data", os_distro="ubuntu", build="2024-01")
    create(owner, name="queued-iso", disk_format="iso", container_format="bare", protected=True)
    create(owner, name="hidden", disk_format="qcow2", container_format="ovf", os_hidden=True)
    old = active(other, name="old", os_distro="debian")
    as_admin = Api()
    for image, visibility in ((web, "public"), (old, "community")):
        patch(as_admin, image["id"], [{"op": "replace", "path": "/visibility", "value": visibility}])
    assert as_admin.post(f"/v2/images/{old['id']}/actions/deactivate").status_code == 204
    ImageLocation.objects.create(image_id=old["id"], store="objects", url="swift://objects/old")


@pytest.mark.parametrize("query, names", [
    ("", ["old", "hidden", "queued-iso", "web"]),
    ("status__exact=active", ["web"]),
    ("status__exact=deactivated", ["old"]),
    ("visibility__exact=public", ["web"]),
    ("visibility__exact=shared", ["hidden", "queued-iso"]),
    ("disk_format=iso", ["queued-iso"]),
    ("container_format=ovf", ["hidden"]),
    ("owner=tenant-b", ["old"]),
    ("store=objects", ["old"]),
    ("store=file", ["old", "web"]),
    ("protected__exact=1", ["queued-iso"]),
    ("os_hidden__exact=1", ["hidden"]),
    ("owner=tenant-a&disk_format=raw", ["web"]),
])
def test_filters(admin_client, catalog, query, names):
    assert listed(admin_client.get(f"{CHANGELIST}?{query}")) == names


def test_every_filter_is_offered(admin_client, catalog):
    page = admin_client.get(CHANGELIST).content.decode()
    for title in ("status", "visibility", "disk format", "container format", "owner", "store", "protected",
                  "os hidden"):
        assert f"By {title}" in page, title
    assert "?store=objects" in page and "?owner=tenant-b" in page
    # Deleted images (pending_delete ones too) are not listed: their statuses are not offered.
    assert "?status__exact=deactivated" in page and "?status__exact=active" in page
    assert "status__exact=deleted" not in page and "status__exact=pending_delete" not in page


def image_id(name):
    return Image.objects.get(name=name).pk


@pytest.mark.parametrize("term, names", [
    ("queued", ["queued-iso"]),
    ("QUEUED", ["queued-iso"]),              # any case, on every database
    ("UBUNTU", ["web"]),
    ("ubuntu", ["web"]),                     # a property value
    ("os_distro=debian", ["old"]),           # one property's value
    ("os_distro=iso", []),
    ("2024", ["web"]),
    ("nothing-like-it", []),
    ('"web" ubuntu', ["web"]),               # every word must match
])
def test_search(admin_client, catalog, term, names):
    assert listed(admin_client.get(CHANGELIST, {"q": term})) == names


def test_search_by_id_prefix_and_checksums(admin_client, catalog):
    web = Image.objects.get(name="web")
    for term in (web.pk[:8], web.pk.upper(), web.checksum, web.checksum.upper(), web.os_hash_value):
        assert listed(admin_client.get(CHANGELIST, {"q": term})) == ["web"], term


def test_an_image_matching_through_several_properties_is_listed_once(admin_client, owner):
    create(owner, name="twice", os_distro="fedora", description="fedora based")
    assert listed(admin_client.get(CHANGELIST, {"q": "fedora"})) == ["twice"]
    assert admin_client.get(CHANGELIST, {"q": "fedora"}).context["cl"].result_count == 1


def test_the_changelist_shows_each_images_stores(admin_client, catalog):
    page = admin_client.get(CHANGELIST).content.decode()
    assert '<td class="field-stores">file, objects</td>' in page
    assert '<td class="field-stores">file</td>' in page and '<td class="field-stores">-</td>' in page


def count_queries(admin_client, url):
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "?q=data", "?store=file&status__exact=active"])
def test_the_changelist_costs_the_same_queries_for_3_or_15_images(admin_client, owner, query):
    for number in range(3):
        active(owner, name=f"data-{number}", os_distro="cirros", tags=["a", "b"])
    few = count_queries(admin_client, CHANGELIST + query)
    for number in range(3, 15):
        active(owner, name=f"data-{number}", os_distro="cirros", tags=["a", "b"])
    assert count_queries(admin_client, CHANGELIST + query) == few
    assert len(listed(admin_client.get(CHANGELIST + query))) == 15
