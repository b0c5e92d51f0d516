"""GET /v2/images: envelope, filters through HTTP, sorting, marker paging, query count."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from images.models import Image
from tests.images.conftest import IMAGES, create, image_url, patch, upload


def ids(response):
    assert response.status_code == 200, response.content
    return [image["id"] for image in response.json()["images"]]


def names(response):
    assert response.status_code == 200, response.content
    return [image["name"] for image in response.json()["images"]]


@pytest.fixture
def catalog(owner):
    """Three images created a minute apart: a (oldest), b, c (newest)."""
    created = []
    for index, (name, disk, size) in enumerate([("a", "raw", 10), ("b", "qcow2", 20), ("c", "iso", None)]):
        image = create(owner, name=name, disk_format=disk, container_format="bare", tags=[name, "all"],
                       flavor="x" if name != "c" else "y")
        moment = timezone.now().replace(microsecond=0) - timedelta(minutes=10 - index)
        Image.objects.filter(pk=image["id"]).update(created_at=moment, updated_at=moment, size=size)
        created.append(owner.get(image_url(image["id"])).json())
    return created


def test_empty_list_envelope(owner):
    assert owner.get(IMAGES).json() == {"images": [], "first": "/v2/images", "schema": "/v2/schemas/images"}


def test_default_order_is_newest_first_with_whole_bodies(owner, catalog):
    body = owner.get(IMAGES).json()
    assert body == {"images": catalog[::-1], "first": "/v2/images", "schema": "/v2/schemas/images"}


def test_paging_with_links(owner, catalog):
    first = owner.get(IMAGES + "?limit=2&sort_key=name&sort_dir=asc").json()
    assert [image["name"] for image in first["images"]] == ["a", "b"]
    assert first["first"] == "/v2/images?limit=2&sort_key=name&sort_dir=asc"
    assert first["next"] == f"/v2/images?limit=2&sort_key=name&sort_dir=asc&marker={catalog[1]['id']}"
    second = owner.get(first["next"]).json()
    assert [image["name"] for image in second["images"]] == ["c"]
    assert "next" not in second
    assert second["first"] == first["first"]


def test_limit_zero_and_limit_capped(owner, catalog, settings):
    assert ids(owner.get(IMAGES + "?limit=0")) == []
    settings.API_LIMIT_MAX = 2
    assert len(ids(owner.get(IMAGES + "?limit=50"))) == 2


def test_bad_marker_is_400(owner, other, catalog):
    assert owner.get(IMAGES + "?marker=00000000-0000-0000-0000-000000000000").status_code == 400
    assert other.get(IMAGES + f"?marker={catalog[0]['id']}").status_code == 400


@pytest.mark.parametrize("query, expected", [
    ("sort_key=name&sort_dir=asc", ["a", "b", "c"]),
    ("sort_key=name", ["c", "b", "a"]),
    ("sort=name:asc", ["a", "b", "c"]),
    ("sort=disk_format:asc,name", ["c", "b", "a"]),
    ("sort=size:desc", ["b", "a", "c"]),
    ("sort=size:asc", ["c", "a", "b"]),
    ("sort_key=size&sort_key=name&sort_dir=asc&sort_dir=desc", ["c", "a", "b"]),
    ("sort_key=created_at&sort_dir=asc", ["a", "b", "c"]),
])
def test_sorting(owner, catalog, query, expected):
    assert names(owner.get(f"{IMAGES}?{query}")) == expected


@pytest.mark.parametrize("query", ["sort=size:asc", "sort=size:desc,name:asc", "sort=name:asc"])
def test_marker_paging_walks_every_image_once(owner, catalog, query):
    seen, url = [], f"{IMAGES}?{query}&limit=1"
    while url:
        body = owner.get(url).json()
        seen += [image["name"] for image in body["images"]]
        url = body.get("next")
    assert seen == names(owner.get(f"{IMAGES}?{query}"))


@pytest.fixture
def nulls(owner):
    """Names and sizes that are NULL, empty/zero or set, a minute apart (oldest first)."""
    created = []
    for index, (name, size) in enumerate([(None, None), ("", 0), ("a", None), (None, 0), ("", 7), ("a", 7)]):
        image = create(owner, **({"name": name} if name is not None else {}))
        moment = timezone.now().replace(microsecond=0) - timedelta(minutes=10 - index)
        Image.objects.filter(pk=image["id"]).update(created_at=moment, size=size)
        created.append(image["id"])
    return created


@pytest.mark.parametrize("query, expected", [
    # NULLs first ascending, last descending (as SQLite and MariaDB sort them), then created_at
    ("sort=name:asc", [0, 3, 1, 4, 2, 5]),
    ("sort=name:desc", [5, 2, 4, 1, 3, 0]),
    ("sort=size:asc", [0, 2, 1, 3, 4, 5]),
    ("sort=size:desc", [5, 4, 3, 1, 2, 0]),
    ("sort=name:asc,size:desc", [3, 0, 4, 1, 5, 2]),
    ("sort=name:desc,size:asc", [2, 5, 1, 4, 0, 3]),
    ("sort=size:asc,name:desc", [2, 0, 1, 3, 5, 4]),
    ("sort=size:desc,created_at:asc", [4, 5, 1, 3, 0, 2]),
])
@pytest.mark.parametrize("limit", [1, 2, 4])
def test_nulls_sort_apart_and_marker_paging_walks_them_once(owner, nulls, query, expected, limit):
    """Pages of every size: a mixed order (keys going different ways) narrows each page to the rows up to the
    limit-th one's first key, NULLs and ties included."""
    assert ids(owner.get(f"{IMAGES}?{query}")) == [nulls[index] for index in expected]
    seen, url = [], f"{IMAGES}?{query}&limit={limit}"
    while url:
        body = owner.get(url).json()
        seen += [image["id"] for image in body["images"]]
        url = body.get("next")
    assert seen == [nulls[index] for index in expected]


@pytest.mark.parametrize("query, expected", [
    ("name=b", ["b"]),
    ("name=in:a,c", ["c", "a"]),
    ('name=in:"a",b', ["b", "a"]),
    ("name=eq:a", ["a"]),
    ("disk_format=in:raw,iso", ["c", "a"]),
    ("container_format=bare", ["c", "b", "a"]),
    ("status=queued", ["c", "b", "a"]),
    ("tag=all", ["c", "b", "a"]),
    ("tag=all&tag=a", ["a"]),
    ("tag=nope", []),
    ("size_min=15", ["b"]),
    ("size_max=15", ["a"]),
    ("size_min=10&size_max=20", ["b", "a"]),
    ("flavor=x", ["b", "a"]),
    ("flavor=x&name=a", ["a"]),
    ("flavor=z", []),
    ("owner=tenant-a", ["c", "b", "a"]),
    ("protected=false", ["c", "b", "a"]),
    ("protected=true", []),
])
def test_filters(owner, catalog, query, expected):
    assert names(owner.get(f"{IMAGES}?{query}")) == expected


def test_id_filter(owner, catalog):
    response = owner.get(f"{IMAGES}?id=in:{catalog[0]['id']},{catalog[2]['id']}")
    assert ids(response) == [catalog[2]["id"], catalog[0]["id"]]


def test_time_filters(owner, catalog):
    middle = catalog[1]["created_at"]
    assert names(owner.get(f"{IMAGES}?created_at=gte:{middle}")) == ["c", "b"]
    assert names(owner.get(f"{IMAGES}?created_at=lt:{middle}")) == ["a"]
    assert names(owner.get(f"{IMAGES}?updated_at=gt:{middle}")) == ["c"]
    assert names(owner.get(f"{IMAGES}?created_at=neq:2000-01-01T00:00:00Z")) == ["c", "b", "a"]


def test_hidden_images_only_when_asked(owner, catalog):
    patch(owner, catalog[0]["id"], [{"op": "replace", "path": "/os_hidden", "value": True}])
    assert names(owner.get(IMAGES)) == ["c", "b"]
    assert names(owner.get(IMAGES + "?os_hidden=true")) == ["a"]
    assert names(owner.get(IMAGES + "?os_hidden=False")) == ["c", "b"]


def test_killed_images_are_never_listed(owner, catalog):
    Image.objects.filter(pk=catalog[0]["id"]).update(status="killed")
    assert names(owner.get(IMAGES)) == ["c", "b"]


def test_active_filter_after_upload(owner, catalog):
    upload(owner, catalog[0]["id"], b"data")
    assert names(owner.get(IMAGES + "?status=active")) == ["a"]


def test_list_costs_a_fixed_number_of_queries(owner, django_assert_max_num_queries):
    for index in range(30):
        create(owner, name=f"image-{index}", disk_format="raw", container_format="bare", tags=["t1", "t2"],
               p1="v1", p2="v2")
    counts = []
    for limit in (1, 30):
        with CaptureQueriesContext(connection) as queries:
            assert len(ids(owner.get(f"{IMAGES}?limit={limit}&tag=t1&p1=v1&visibility=shared"))) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]
    marker = ids(owner.get(IMAGES + "?limit=1"))[0]
    # the page's ids, its rows, their properties and tags, and the marker image
    with django_assert_max_num_queries(5):
        assert len(ids(owner.get(f"{IMAGES}?limit=30&marker={marker}"))) == 29
