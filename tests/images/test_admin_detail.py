"""The image detail page: everything about an image, properties beside the metadefs that govern them,
and edits through image_update with the API's checks shown on the form."""
import json

import pytest

from images.models import Image, ImageLocation
from metadefs.models import Namespace, PropertyWarning
from tests.conftest import Api
from tests.images.admin_support import active, admin_client, change_form_data, change_url  # noqa: F401
from tests.images.conftest import create, image_url, patch

VIF_ENUM = ["e1000", "virtio", "vmxnet3"]


@pytest.fixture
def catalog(db):
    response = Api().post("/v2/metadefs/namespaces", {
        "namespace": "Test::Hardware", "visibility": "public",
        "resource_type_associations": [{"name": "OS::Glance::Image", "prefix": "hw_"}],
        "properties": {"vif_model": {"title": "VIF model", "type": "string", "enum": VIF_ENUM},
                       "cpu_cores": {"title": "Cores", "type": "integer", "minimum": 1}}})
    assert response.status_code == 201, response.content
    Namespace.objects.filter(namespace="Test::Hardware").update(enforced=True)


def property_row(page, name):
    start = page.index(f'data-property="{name}"')
    return page[start:page.index("</tr>", start)]


def test_the_page_shows_properties_tags_members_locations_and_hashes(admin_client, owner):
    image = active(owner, name="full", data=b"full-data", os_distro="cirros", tags=["small", "test"])
    owner.post(image_url(image["id"], "members"), {"member": "tenant-b"})
    page = admin_client.get(change_url(image["id"])).content.decode()
    stored = Image.objects.get(pk=image["id"])
    location = ImageLocation.objects.get(image_id=image["id"])
    for text in ("full", "os_distro", "cirros", "small", "test", "tenant-b", "pending", stored.checksum,
                 stored.os_hash_algo, stored.os_hash_value, location.url, "file", "active"):
        assert text in page, text


def test_a_property_shows_the_definition_that_describes_it(admin_client, owner, catalog):
    Namespace.objects.filter(namespace="Test::Hardware").update(enforced=False)
    image = create(owner, name="described", hw_vif_model="virtio", other="x")
    row = property_row(admin_client.get(change_url(image["id"])).content.decode(), "hw_vif_model")
    for text in ("Test::Hardware", "VIF model", "string", "enum: <code>[&#x27;e1000&#x27;, &#x27;virtio&#x27;",
                 "described only (namespace not enforced)"):
        assert text in row, text
    other = property_row(admin_client.get(change_url(image["id"])).content.decode(), "other")
    assert "no definition" in other


@pytest.mark.parametrize("enforcement, check", [
    ("off", "not checked (METADEF_ENFORCEMENT is off)"),
    ("warn", "violates its definition: &#x27;foo&#x27; is not one of [&#x27;e1000&#x27;, &#x27;virtio&#x27;, "
             "&#x27;vmxnet3&#x27;]"),
    ("enforce", "violates its definition: &#x27;foo&#x27; is not one of"),
])
def test_an_enforced_property_shows_its_violation(admin_client, owner, catalog, settings, enforcement, check):
    image = create(owner, name="old", hw_vif_model="foo", hw_cpu_cores="4")  # set while enforcement was off
    settings.METADEF_ENFORCEMENT = enforcement
    page = admin_client.get(change_url(image["id"])).content.decode()
    assert check in property_row(page, "hw_vif_model")
    assert "Test::Hardware (enforced)" in property_row(page, "hw_vif_model")
    cores = "not checked (METADEF_ENFORCEMENT is off)" if enforcement == "off" else "valid"
    assert f'<td class="check">{cores}</td>' in property_row(page, "hw_cpu_cores")
    assert not PropertyWarning.objects.exists()  # looking is not setting


def post_change(admin_client, image_id, **changes):
    data = {**change_form_data(admin_client, image_id), **changes}
    return admin_client.post(change_url(image_id), data, follow=True)


def test_editing_goes_through_image_update(admin_client, owner):
    image = create(owner, name="before", disk_format="raw", container_format="bare", keep="1", drop="2")
    response = post_change(admin_client, image["id"], name="after", min_ram="512", disk_format="qcow2",
                           properties=json.dumps({"keep": "1", "added": "3"}))
    assert response.status_code == 200 and "was changed successfully" in response.content.decode()
    body = owner.get(image_url(image["id"])).json()
    assert (body["name"], body["min_ram"], body["disk_format"], body["added"], "drop" in body) == (
        "after", 512, "qcow2", "3", False)


def test_an_enforced_violation_is_shown_on_the_form_and_nothing_changes(admin_client, owner, catalog, settings):
    settings.METADEF_ENFORCEMENT = "enforce"
    image = create(owner, name="strict", hw_vif_model="virtio")
    response = post_change(admin_client, image["id"], name="renamed",
                           properties=json.dumps({"hw_vif_model": "foo", "hw_cpu_cores": "0"}))
    errors = response.context["adminform"].form.errors["properties"]
    assert errors == ["hw_vif_model: 'foo' is not one of ['e1000', 'virtio', 'vmxnet3'] (namespace Test::Hardware)",
                      "hw_cpu_cores: 0 is less than the minimum of 1 (namespace Test::Hardware)"]
    body = owner.get(image_url(image["id"])).json()
    assert (body["name"], body["hw_vif_model"], "hw_cpu_cores" in body) == ("strict", "virtio", False)


def test_warn_saves_the_violation_and_records_it(admin_client, owner, catalog, settings):
    settings.METADEF_ENFORCEMENT = "warn"
    image = create(owner, name="lenient")
    post_change(admin_client, image["id"], properties=json.dumps({"hw_vif_model": "foo"}))
    assert owner.get(image_url(image["id"])).json()["hw_vif_model"] == "foo"
    assert list(PropertyWarning.objects.values_list("image_id", "property")) == [(image["id"], "hw_vif_model")]


@pytest.mark.parametrize("properties, error", [
    ('{"n": 1}', "1 is not of type 'string'"),
    ('["a"]', "Enter a JSON object: property name -> string value."),
    ('{"os_glance_x": "1"}', "Attribute 'os_glance_x' is reserved."),
    ("{", "Enter a valid JSON."),
])
def test_bad_properties_are_refused_on_the_form(admin_client, owner, properties, error):
    image = create(owner, name="x")
    response = post_change(admin_client, image["id"], properties=properties)
    assert any(error in message for message in response.context["adminform"].form.errors["properties"])


def test_what_the_api_would_refuse_is_read_only(admin_client, owner):
    image = active(owner, name="fixed")
    fields = response_fields(admin_client, image["id"])
    assert {"name", "min_disk", "min_ram", "os_hidden", "properties"} <= fields
    assert not fields & {"disk_format", "container_format", "status", "checksum", "size", "visibility", "owner"}
    assert {"disk_format", "container_format"} <= response_fields(admin_client, create(owner, name="new")["id"])


def response_fields(admin_client, image_id):
    return set(admin_client.get(change_url(image_id)).context["adminform"].form.fields)


def test_a_refusal_the_form_cannot_foresee_is_a_message(admin_client, owner, settings):
    image = create(owner, name="full", a="1")
    data = change_form_data(admin_client, image["id"])
    settings.IMAGE_PROPERTY_QUOTA = 1
    response = admin_client.post(change_url(image["id"]), {**data, "properties": '{"a": "1", "b": "2"}'}, follow=True)
    [message] = [m.message for m in response.context["messages"]]
    assert message == (f"full ({image['id']}): nothing was changed: The limit has been exceeded on the number of "
                       "allowed image properties. Attempted: 2, Maximum: 1")
    assert "b" not in owner.get(image_url(image["id"])).json()


def test_a_patch_through_the_api_and_the_form_agree_on_unchanged_values(admin_client, owner):
    image = create(owner, name="same", a="1")
    patch(owner, image["id"], [{"op": "add", "path": "/b", "value": "2"}])
    response = post_change(admin_client, image["id"])
    assert "was changed successfully" in response.content.decode()
    assert {k: v for k, v in owner.get(image_url(image["id"])).json().items() if k in "ab"} == {"a": "1", "b": "2"}
