"""The images admin: read-mostly pages, deletion through the service."""
import pytest
from django.urls import reverse

from images.models import Image
from tests.images.conftest import create, upload

CHANGELIST = reverse("admin:images_image_changelist")


@pytest.fixture
def admin_client(db, client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.com", password=None))
    return client


def change_url(image_id):
    return reverse("admin:images_image_change", args=[image_id])


def delete_url(image_id):
    return reverse("admin:images_image_delete", args=[image_id])


def test_changelist_and_change_page_show_the_image(admin_client, owner, image):
    assert image["id"] in admin_client.get(CHANGELIST + "?q=cirros").content.decode()
    page = admin_client.get(change_url(image["id"])).content.decode()
    assert "distro" in page and "small" in page
    assert admin_client.get(reverse("admin:images_image_add")).status_code == 403


def test_delete_goes_through_the_service_and_removes_the_data(admin_client, owner, image, store_dir,
                                                               django_capture_on_commit_callbacks):
    upload(owner, image["id"], b"data")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(delete_url(image["id"]), {"post": "yes"})
    assert response.status_code == 302
    assert not Image.objects.filter(pk=image["id"]).exists()
    assert list(store_dir.iterdir()) == []


def test_protected_image_has_no_delete(admin_client, owner):
    image = create(owner, protected=True)
    assert admin_client.get(delete_url(image["id"])).status_code == 403


def test_cached_images_are_listed_per_node_and_read_only(admin_client, db):
    from images.models import CachedImage

    CachedImage.objects.create(image_id="11111111-1111-1111-1111-111111111111", node="node-b", size=5)
    page = admin_client.get(reverse("admin:images_cachedimage_changelist") + "?node=node-b").content.decode()
    assert "11111111-1111-1111-1111-111111111111" in page and "node-b" in page
    assert admin_client.get(reverse("admin:images_cachedimage_add")).status_code == 403
    row = CachedImage.objects.get()
    assert admin_client.post(reverse("admin:images_cachedimage_delete", args=[row.pk]), {"post": "yes"}).status_code \
        == 403
    assert CachedImage.objects.count() == 1
