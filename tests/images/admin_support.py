"""Helpers of the images admin tests: a logged-in admin, images made through the API, form posts."""
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.images.conftest import create, upload

CHANGELIST = reverse("admin:images_image_changelist")
USAGE = reverse("admin:images_image_usage")


@pytest.fixture
def admin_client(db, client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.com", password=None))
    return client


def change_url(image_id):
    return reverse("admin:images_image_change", args=[image_id])


def delete_url(image_id):
    return reverse("admin:images_image_delete", args=[image_id])


def active(api, data=b"data", **fields):
    """An image of `api`'s project with `data` uploaded (so active, with a copy in the file store)."""
    image = create(api, disk_format="raw", container_format="bare", **fields)
    assert upload(api, image["id"], data).status_code == 204
    return image


def listed(response):
    """The names of the images a changelist page shows, in order."""
    assert response.status_code == 200, response.content[:2000]
    return [image.name for image in response.context["cl"].result_list]


def shown_messages(response):
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def run_action(admin_client, action, *image_ids, **extra):
    return admin_client.post(CHANGELIST, {"action": action, "_selected_action": list(image_ids), **extra},
                             follow=True)


class _FormFields(HTMLParser):
    """The values a browser would submit from the page's main form."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data, self._textarea = form_id, False, {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif self.inside and tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") != "checkbox":
                self.data[attrs["name"]] = attrs.get("value") or ""
            elif "checked" in attrs:
                self.data[attrs["name"]] = attrs.get("value") or "on"
        elif self.inside and tag == "textarea":
            self._textarea = attrs["name"]
            self.data[self._textarea] = ""
        elif self.inside and tag == "option" and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif self.inside and tag == "select":
            self._select = attrs["name"]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def change_form_data(admin_client, image_id):
    """What the change page of `image_id` submits unchanged."""
    parser = _FormFields("image_form")
    parser.feed(admin_client.get(change_url(image_id)).content.decode())
    # The page's textarea starts with a newline that browsers drop.
    return {name: value.removeprefix("\n") for name, value in parser.data.items()}
