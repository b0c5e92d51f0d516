"""The admin's usage page: per project, images and stored bytes against the quotas, from one query."""
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.images.admin_support import USAGE, active, admin_client  # noqa: F401 - fixture
from tests.images.conftest import create

MiB = 1024 * 1024


def usage_rows(response):
    assert response.status_code == 200
    return [(project.owner, project.image_count, project.stored_bytes, project.uploading_count,
             project.over_count, project.over_size) for project in response.context["projects"]]


def test_each_project_with_its_images_and_bytes(admin_client, owner, other, settings):
    active(owner, data=b"x" * 1000)
    active(owner, data=b"y" * 2000)
    create(owner)  # counts, stores nothing
    active(other, data=b"z" * 10)
    deleted = active(other, data=b"w" * 5000)
    assert other.delete(f"/v2/images/{deleted['id']}").status_code == 204
    response = admin_client.get(USAGE)
    assert usage_rows(response) == [("tenant-a", 3, 3000, 0, False, False), ("tenant-b", 1, 10, 0, False, False)]
    page = response.content.decode()
    assert "<strong>unlimited</strong> images (IMAGE_COUNT_TOTAL_QUOTA)" in page
    assert 'href="/admin/images/image/?owner=tenant-a"' in page


def test_the_numbers_are_the_ones_the_quotas_enforce(admin_client, owner, settings):
    active(owner, data=b"x" * 1000)
    response = owner.get("/v2/info/usage").json()["usage"]
    [(name, count, stored, *_)] = usage_rows(admin_client.get(USAGE))
    assert (count, -(-stored // MiB)) == (response["image_count_total"]["usage"], 1)


def test_projects_over_a_limit_are_marked(admin_client, owner, other, settings):
    active(owner, data=b"x" * 100)
    create(owner)
    active(other, data=b"y" * (2 * MiB))
    settings.IMAGE_COUNT_TOTAL_QUOTA, settings.IMAGE_SIZE_TOTAL_QUOTA = 1, 1
    response = admin_client.get(USAGE)
    assert usage_rows(response) == [("tenant-a", 2, 100, 0, True, False), ("tenant-b", 1, 2 * MiB, 0, False, True)]
    page = response.content.decode()
    assert "2 (over)" in page and "<strong>1</strong> images (IMAGE_COUNT_TOTAL_QUOTA)" in page


def test_one_aggregate_query_whatever_the_number_of_projects(admin_client, db):
    from tests.conftest import Api

    for number in range(12):
        active(Api().as_(f"project-{number}"), data=b"d")
    with CaptureQueriesContext(connection) as queries:
        assert len(usage_rows(admin_client.get(USAGE))) == 12
    assert len([query for query in queries if "images_image" in query["sql"]]) == 1


def test_the_images_list_links_to_the_usage_page(admin_client, db):
    assert f'href="{USAGE}"' in admin_client.get("/admin/images/image/").content.decode()
