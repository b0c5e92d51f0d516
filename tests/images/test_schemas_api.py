"""The image schemas (their structure against Glance 33: tests/api/test_glance_schemas.py)."""
import pytest

from images.choices import Status
from tests.images.conftest import with_body


def test_status_enum_lists_every_status(api):
    served = api.get("/v2/schemas/image").json()["properties"]["status"]["enum"]
    assert set(served) == set(Status.values)


@pytest.mark.parametrize("name", ["image", "images", "member", "members"])
def test_schema_with_a_body_is_a_bad_request(api, name):
    assert with_body(api, "GET", f"/v2/schemas/{name}").status_code == 400


def test_custom_properties_of_the_schema_file_are_validated(owner):
    """As Glance with its default schema-image.json: kernel_id must be a UUID (or null)."""
    refused = owner.post("/v2/images", {"name": "aki", "kernel_id": "not-a-uuid"})
    assert refused.status_code == 400 and "kernel_id" in refused.json()["message"]
    created = owner.post("/v2/images", {"name": "ami", "kernel_id": "6f1c6a8e-9a63-4b8c-8f7f-2a0b5f3b9d11"})
    assert created.status_code == 201
    patch = [{"op": "add", "path": "/cinder_encryption_key_deletion_policy", "value": "sometimes"}]
    response = owner.patch(f"/v2/images/{created.json()['id']}", patch,
                           content_type="application/openstack-images-v2.1-json-patch")
    assert response.status_code == 400


def test_a_null_custom_property_is_not_set_rather_than_a_500(owner):
    """Regression (found by schemathesis): kernel_id/ramdisk_id may be null by the schema file, and a null
    reached the property table's NOT NULL column: POST and PATCH answered 500."""
    created = owner.post("/v2/images", {"name": "ami", "ramdisk_id": None, "kernel_id": None})
    assert created.status_code == 201
    assert "ramdisk_id" not in created.json() and "kernel_id" not in created.json()
    url, patch_type = f"/v2/images/{created.json()['id']}", "application/openstack-images-v2.1-json-patch"
    kernel = "6f1c6a8e-9a63-4b8c-8f7f-2a0b5f3b9d11"
    assert owner.patch(url, [{"op": "add", "path": "/kernel_id", "value": kernel}],
                       content_type=patch_type).json()["kernel_id"] == kernel
    unset = owner.patch(url, [{"op": "replace", "path": "/kernel_id", "value": None},
                              {"op": "add", "path": "/ramdisk_id", "value": None}], content_type=patch_type)
    assert unset.status_code == 200
    assert "kernel_id" not in unset.json() and "ramdisk_id" not in unset.json()


def test_an_operators_schema_file(owner, settings, tmp_path):
    schema_file = tmp_path / "schema-image.json"
    schema_file.write_text('{"hw_rank": {"type": "string", "enum": ["gold", "silver"]}}')
    settings.IMAGE_SCHEMA_FILE = str(schema_file)
    served = owner.get("/v2/schemas/image").json()["properties"]
    assert served["hw_rank"] == {"type": "string", "enum": ["gold", "silver"], "is_base": False}
    assert "kernel_id" not in served
    assert owner.post("/v2/images", {"name": "x", "hw_rank": "bronze"}).status_code == 400
    assert owner.post("/v2/images", {"name": "x", "hw_rank": "gold"}).status_code == 201


@pytest.mark.parametrize("content, words", [
    ("{not json", "Expecting property name"),
    ('["a"]', "expected an object of property schemas"),
    ('{"name": {"type": "string"}}', "'name' is a base image property"),
    ('{"x": {"type": "colour"}}', "property 'x'"),
])
def test_a_bad_schema_file_names_itself(tmp_path, content, words):
    from django.core.exceptions import ImproperlyConfigured

    from images.schemas import custom_properties

    schema_file = tmp_path / "schema-image.json"
    schema_file.write_text(content)
    with pytest.raises(ImproperlyConfigured, match=str(schema_file)) as refused:
        custom_properties(str(schema_file))
    assert words in str(refused.value)
