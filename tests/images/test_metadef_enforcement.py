"""METADEF_ENFORCEMENT: enforced namespaces associated with OS::Glance::Image govern image properties."""
import pytest

from metadefs.models import Namespace
from tests.images.conftest import create, image_url, patch

NAMESPACES = "/v2/metadefs/namespaces"


@pytest.fixture
def catalog(owner):
    admin = owner.as_("admin", roles="admin")
    response = admin.post(NAMESPACES, {
        "namespace": "Test::Hardware", "visibility": "public",
        "resource_type_associations": [{"name": "OS::Glance::Image", "prefix": "hw_"}],
        "properties": {
            "vif_model": {"title": "VIF model", "type": "string", "enum": ["e1000", "virtio", "vmxnet3"]},
            "cpu_cores": {"title": "Cores", "type": "integer", "minimum": 1, "maximum": 64},
            "secure_boot": {"title": "Secure boot", "type": "boolean"},
            "disk_buses": {"title": "Buses", "type": "array", "items": {"type": "string", "enum": ["scsi", "virtio"]}},
        }})
    assert response.status_code == 201, response.content
    Namespace.objects.filter(namespace="Test::Hardware").update(enforced=True)


def set_property(api, image_id, name, value):
    return patch(api, image_id, [{"op": "add", "path": f"/{name}", "value": value}])


@pytest.mark.parametrize("name, value", [
    ("hw_vif_model", "virtio"), ("hw_cpu_cores", "4"), ("hw_secure_boot", "True"), ("hw_secure_boot", "false"),
    ("hw_disk_buses", '["scsi", "virtio"]'), ("unrelated", "anything"), ("vif_model", "foo"),
])
def test_values_the_definitions_allow_are_accepted(owner, image, catalog, settings, name, value):
    settings.METADEF_ENFORCEMENT = "enforce"
    response = set_property(owner, image["id"], name, value)
    assert response.status_code == 200, response.content
    assert response.json()[name] == value


@pytest.mark.parametrize("name, value, reason", [
    ("hw_vif_model", "foo", "hw_vif_model: 'foo' is not one of ['e1000', 'virtio', 'vmxnet3']"),
    ("hw_cpu_cores", "0", "hw_cpu_cores: 0 is less than the minimum of 1"),
    ("hw_cpu_cores", "four", "hw_cpu_cores: 'four' is not a valid integer"),
    ("hw_secure_boot", "yes", "hw_secure_boot: 'yes' is not a valid boolean"),
    ("hw_disk_buses", '["ide"]', "hw_disk_buses: 'ide' is not one of ['scsi', 'virtio']"),
])
def test_enforce_refuses_a_violation_and_changes_nothing(owner, image, catalog, settings, name, value, reason):
    settings.METADEF_ENFORCEMENT = "enforce"
    response = set_property(owner, image["id"], name, value)
    assert response.status_code == 400
    assert response.json()["message"] == f"{reason} (namespace Test::Hardware)"
    assert name not in owner.get(image_url(image["id"])).json()


def test_create_is_checked_too(owner, catalog, settings):
    settings.METADEF_ENFORCEMENT = "enforce"
    response = owner.post("/v2/images", {"name": "x", "hw_vif_model": "foo"})
    assert response.status_code == 400
    assert "hw_vif_model: 'foo' is not one of" in response.json()["message"]


def test_off_and_warn_accept_and_warn_logs(owner, image, catalog, settings, caplog):
    settings.METADEF_ENFORCEMENT = "off"
    assert set_property(owner, image["id"], "hw_vif_model", "foo").status_code == 200
    settings.METADEF_ENFORCEMENT = "warn"
    assert set_property(owner, image["id"], "hw_cpu_cores", "0").status_code == 200
    assert "hw_cpu_cores: 0 is less than the minimum of 1" in caplog.text
    assert "hw_vif_model" not in caplog.text  # untouched properties are not re-checked
    from metadefs.models import PropertyWarning

    [warning] = PropertyWarning.objects.all()  # listed for the admin, with the request that set it
    assert (warning.image_id, warning.property, warning.value, warning.namespace) == (
        image["id"], "hw_cpu_cores", "0", "Test::Hardware")
    assert warning.request_id.startswith("req-") and warning.request_id in caplog.text


def test_a_namespace_not_enforced_governs_nothing(owner, image, catalog, settings):
    settings.METADEF_ENFORCEMENT = "enforce"
    Namespace.objects.filter(namespace="Test::Hardware").update(enforced=False)
    assert set_property(owner, image["id"], "hw_vif_model", "foo").status_code == 200


def test_a_changed_definition_applies_to_the_next_write(owner, image, catalog, settings):
    settings.METADEF_ENFORCEMENT = "enforce"
    assert set_property(owner, image["id"], "hw_vif_model", "rtl8139").status_code == 400
    admin = owner.as_("admin", roles="admin")
    response = admin.put(f"{NAMESPACES}/Test::Hardware/properties/vif_model", {
        "name": "vif_model", "title": "VIF model", "type": "string", "enum": ["e1000", "rtl8139"]})
    assert response.status_code == 200, response.content
    assert set_property(owner, image["id"], "hw_vif_model", "rtl8139").status_code == 200


def test_check_image_properties_reports_existing_violations(owner, image, catalog, settings):
    import io
    import json

    from django.core.management import call_command

    settings.METADEF_ENFORCEMENT = "off"  # set before the catalog was enforced: stored as given
    set_property(owner, image["id"], "hw_vif_model", "foo")
    set_property(owner, image["id"], "hw_cpu_cores", "8")
    out, err = io.StringIO(), io.StringIO()
    call_command("check_image_properties", "--json", stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines[:-1]] == [{
        "image_id": image["id"], "property": "hw_vif_model", "namespace": "Test::Hardware",
        "reason": "'foo' is not one of ['e1000', 'virtio', 'vmxnet3']"}]
    assert lines[-1] == "1 images checked against 4 definitions: 1 violation(s)."
    assert "checked 1/1 images, 1 violation(s)" in err.getvalue()
    assert owner.get(image_url(image["id"])).json()["hw_vif_model"] == "foo"  # reported, never rewritten
