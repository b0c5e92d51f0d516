"""ImageFilterSet, tested directly on the ORM (no HTTP)."""
from datetime import datetime, timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.http import QueryDict

from images.filters import ImageFilterSet, split_in_list, split_operator
from images.models import Image, ImageMember, ImageProperty, ImageTag
from project.auth.context import RequestContext
from project.errors import InvalidInput

ADMIN = RequestContext.from_roles("admin", None, ["admin"])
TENANT_A = RequestContext.from_roles("tenant-a", "u", ["member"])
TENANT_B = RequestContext.from_roles("tenant-b", "u", ["member"])
NOBODY = RequestContext.from_roles(None, "u", ["member"])
JAN = datetime(2024, 1, 1, tzinfo=timezone.utc)
FEB = datetime(2024, 2, 1, tzinfo=timezone.utc)
DEC = datetime(2023, 12, 1, tzinfo=timezone.utc)


def make(name, owner="tenant-a", visibility="shared", *, tags=(), properties=None, **fields):
    fields = {"created_at": DEC, "updated_at": DEC, **fields}
    image = Image.objects.create(id=f"00000000-0000-0000-0000-{len(name):04d}{abs(hash(name)) % 10**8:08d}",
                                 name=name, owner=owner, visibility=visibility, **fields)
    ImageTag.objects.bulk_create(ImageTag(image=image, value=tag) for tag in tags)
    ImageProperty.objects.bulk_create(ImageProperty(image=image, name=k, value=v)
                                      for k, v in (properties or {}).items())
    return image


def listed(query, context=TENANT_A):
    filterset = ImageFilterSet(QueryDict(query), context=context)
    return sorted(image.name for image in filterset.images())


@pytest.fixture
def images(db):
    return {
        "mine": make("mine", tags=["x", "y"], properties={"os": "linux"}, size=10, disk_format="raw",
                     created_at=JAN, updated_at=JAN),
        "my-private": make("my-private", visibility="private", size=30, protected=True, created_at=FEB,
                           updated_at=FEB),
        "my-community": make("my-community", visibility="community", tags=["x"]),
        "public": make("public", owner="tenant-b", visibility="public", properties={"os": "bsd"},
                       disk_format="iso"),
        "community": make("community", owner="tenant-b", visibility="community"),
        "b-private": make("b-private", owner="tenant-b", visibility="private"),
        "b-shared": make("b-shared", owner="tenant-b"),
        "hidden": make("hidden", os_hidden=True),
        "killed": make("killed", status="killed"),
    }


def share(image, member, status):
    ImageMember.objects.create(image=image, member=member, status=status)


def test_default_listing_of_a_project(images):
    assert listed("") == ["mine", "my-community", "my-private", "public"]


def test_default_listing_of_an_admin_skips_others_community_images(images):
    assert listed("", ADMIN) == ["b-private", "b-shared", "mine", "my-private", "public"]


def test_caller_without_project_sees_public_only(images):
    assert listed("", NOBODY) == ["public"]


@pytest.mark.parametrize("visibility, expected", [
    ("public", ["public"]),
    ("community", ["community", "my-community"]),
    ("private", ["my-private"]),
    ("shared", ["mine"]),
    ("all", ["community", "mine", "my-community", "my-private", "public"]),
])
def test_visibility_filter(images, visibility, expected):
    assert listed(f"visibility={visibility}") == expected


@pytest.mark.parametrize("membership, member_status, expected", [
    ("accepted", None, True),
    ("pending", None, False),
    ("rejected", None, False),
    ("pending", "pending", True),
    ("rejected", "rejected", True),
    ("pending", "all", True),
    ("accepted", "pending", False),
])
def test_shared_images_follow_membership_status(images, membership, member_status, expected):
    share(images["b-shared"], "tenant-a", membership)
    query = f"member_status={member_status}" if member_status else ""
    assert ("b-shared" in listed(query)) is expected


@pytest.mark.parametrize("query, membership, expected", [
    ("visibility=shared", "accepted", ["b-shared", "mine"]),
    ("visibility=shared", "pending", ["mine"]),
    ("visibility=shared&member_status=pending", "pending", ["b-shared", "mine"]),
    ("visibility=shared&member_status=all", "rejected", ["b-shared", "mine"]),
    ("visibility=private", "accepted", ["my-private"]),
    ("visibility=public", "accepted", ["public"]),
])
def test_one_visibility_keeps_the_projects_own_and_member_images(images, query, membership, expected):
    share(images["b-shared"], "tenant-a", membership)
    assert listed(query) == expected


def test_caller_without_project_lists_no_shared_or_private_images(images):
    share(images["b-shared"], "tenant-a", "accepted")
    assert listed("visibility=shared", NOBODY) == []
    assert listed("visibility=private", NOBODY) == []
    assert listed("visibility=community", NOBODY) == ["community", "my-community"]


def test_membership_of_a_non_shared_image_shows_nothing(images):
    share(images["b-private"], "tenant-a", "accepted")
    assert "b-private" not in listed("")


@pytest.mark.parametrize("query, expected", [
    ("name=mine", ["mine"]),
    ("name=in:mine,public", ["mine", "public"]),
    ('name=in:"mine",public', ["mine", "public"]),
    ("name=eq:mine", ["mine"]),
    ("disk_format=raw", ["mine"]),
    ("disk_format=in:raw,iso", ["mine", "public"]),
    ("tag=x", ["mine", "my-community"]),
    ("tag=x&tag=y", ["mine"]),
    ("os=linux", ["mine"]),
    ("os=bsd", ["public"]),
    ("os=linux&name=public", []),
    ("size_min=20", ["my-private"]),
    ("size_max=20", ["mine"]),
    ("size=30", ["my-private"]),
    ("protected=true", ["my-private"]),
    ("os_hidden=true", ["hidden"]),
    ("os_hidden=TRUE", ["hidden"]),
    ("owner=tenant-b", ["public"]),
    ("created_at=lt:2024-01-15T00:00:00Z&created_at_unused=1", []),
    # a repeated filter: the last value counts, as in Glance
    ("created_at=gt:2023-12-15T00:00:00Z&created_at=lt:2024-01-15T00:00:00Z", ["mine", "my-community", "public"]),
    ("created_at=gt:2023-12-15T00:00:00Z", ["mine", "my-private"]),
    ("created_at=gte:2024-02-01T00:00:00Z", ["my-private"]),
    ("created_at=2024-02-01T00:00:00Z", ["my-private"]),
    ("created_at=eq:2024-02-01T00:00:00%2B00:00", ["my-private"]),
    ("updated_at=gte:2024-01-01", ["mine", "my-private"]),
    ("created_at=gt:0001-01-01T00:00:00Z", ["mine", "my-community", "my-private", "public"]),
    ("created_at=lt:9999-12-31T23:59:59Z", ["mine", "my-community", "my-private", "public"]),
    ("limit=1&marker=x&sort=name&sort_key=a&sort_dir=b", ["mine", "my-community", "my-private", "public"]),
])
def test_filters(images, query, expected):
    assert listed(query) == expected


@pytest.mark.parametrize("leading", [0, 1000], ids=["checked-per-image", "looked-up-first"])
@pytest.mark.parametrize("query, expected", [
    ("tag=x", ["mine", "my-community"]),
    ("tag=x&tag=y", ["mine"]),
    ("tag=nope", []),
    ("os=linux", ["mine"]),
    ("os=linux&tag=x", ["mine"]),
    ("os=bsd&tag=x", []),
])
def test_tag_and_property_filters_match_whichever_way_the_query_is_shaped(images, monkeypatch, leading, query,
                                                                         expected):
    # Few matches lead the query (ids looked up first); many are checked image by image.
    monkeypatch.setattr("images.filters.LEADING_MATCHES", leading)
    assert listed(query) == expected
    assert listed(query, ADMIN) == [name for name in expected if name != "my-community"]


@pytest.mark.parametrize("query", ["disk_format=raw", "disk_format=in:raw,iso", "status=active", "status=queued",
                                   "created_at=gte:2024-01-15T00:00:00Z", "updated_at=lt:2024-01-15T00:00:00Z",
                                   "created_at=eq:2024-01-01T00:00:00Z", "size_min=20", "size_max=20",
                                   "size_min=10&size_max=25", "size=30&size_min=20"])
def test_column_filters_match_however_many_images_they_match(images, monkeypatch, query):
    """On SQLite a condition most images meet is written so that the sort order's index leads
    (images.filters.column_condition); the answer is the same."""
    monkeypatch.setattr("images.filters.LEADING_MATCHES", 10**6)
    rare = listed(query)
    monkeypatch.setattr("images.filters.LEADING_MATCHES", 0)
    with CaptureQueriesContext(connection) as queries:
        assert listed(query) == rare
    if connection.vendor == "sqlite":
        assert any('+"images_image".' in query["sql"] for query in queries.captured_queries)
    assert rare or query == "status=active"  # the fixture's images are all queued


def test_time_neq_excludes_one_moment(images):
    assert "mine" not in listed("created_at=neq:2024-01-01T00:00:00Z")
    assert "my-private" in listed("created_at=neq:2024-01-01T00:00:00Z")


@pytest.mark.parametrize("query, message", [
    ("protected=False", "Invalid value 'False' for 'protected' filter. Valid values are 'true' or 'false'."),
    ("os_hidden=abcd", "Invalid value 'abcd' for 'os_hidden' filter. Valid values are 'true' or 'false'."),
    ("size_min=big", "Unable to filter on a range with a non-numeric value."),
    ("size_max=1e999", "Unable to filter on a range with a non-numeric value."),
    ("size_min=99999999999999999999999", "Unable to filter on a range with a non-numeric value."),
    ("min_ram=lots", "Invalid value for 'min_ram' filter: an integer is expected."),
    ("visibility=everyone", "Invalid visibility value: everyone"),
    ("member_status=maybe", "Invalid status: maybe"),
    ("name=gt:x", "Unable to filter by unknown operator 'gt'."),
    ("created_at=after:2024-01-01T00:00:00Z", "Unable to filter on a unknown operator."),
    ("created_at=soon", 'Bad "created_at" query filter format. Use ISO 8601 DateTime notation.'),
    ("created_at=gt:yesterday", 'Bad "created_at" query filter format. Use ISO 8601 DateTime notation.'),
    ("created_at=gt:0001-01-01T00:00:00%2B14:00", 'Bad "created_at" query filter format. Use ISO 8601 DateTime '
                                                   'notation.'),
    ('name=in:"a', "Invalid filter value \"a. The quote is not closed."),
    ('name=in:a"b",c', 'Invalid filter value a"b",c. There is no comma before opening quotation mark.'),
    ("changes-since=2020-01-01T00:00:00Z", 'The "changes-since" filter is no longer available on v2.'),
])
def test_bad_filters_are_invalid_input(images, query, message):
    with pytest.raises(InvalidInput) as raised:
        listed(query)
    assert raised.value.message == message


@pytest.mark.parametrize("expression, expected", [
    ("x", ("eq", "x")),
    ("in:a,b", ("in", "a,b")),
    ("2024-01-01T10:00:00Z", ("eq", "2024-01-01T10:00:00Z")),
    ("gte:2024-01-01T10:00:00Z", ("gte", "2024-01-01T10:00:00Z")),
    ("a:b:c", ("a", "b:c")),
])
def test_split_operator(expression, expected):
    assert split_operator(expression) == expected


@pytest.mark.parametrize("value, expected", [
    ("a,b", ["a", "b"]),
    ('"a,b",c', ["a,b", "c"]),
    ('a,"b,c"', ["a", "b,c"]),
    ('"a\\"b",c', ['a\\"b', "c"]),
    ("a,,b", ["a", "", "b"]),
])
def test_split_in_list(value, expected):
    assert split_in_list(value) == expected
