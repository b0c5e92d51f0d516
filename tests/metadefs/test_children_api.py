"""Properties, objects, tags and resource type associations of a namespace."""
import pytest

from metadefs.models import Property
from tests.metadefs.conftest import ns_url
from tests.metadefs.test_namespaces_api import stamps_checked

NS = "OS::Test::Sample"


class TestProperties:
    def test_create_show_list(self, api, namespace):
        definition = {"name": "hw_rng", "title": "RNG", "type": "boolean", "default": False}
        response = api.post(ns_url(NS, "properties"), definition)
        assert response.status_code == 201
        answered = {**definition, "default": "False"}  # Glance answers every default as text
        assert response.json() == answered
        assert api.get(ns_url(NS, "properties", "hw_rng")).json() == answered
        listing = api.get(ns_url(NS, "properties")).json()
        assert listing == {"properties": {
            "cpu_policy": {"title": "CPU policy", "type": "string", "enum": ["shared", "dedicated"],
                           "default": "shared"},
            "hw_rng": {"title": "RNG", "type": "boolean", "default": "False"},
        }}

    @pytest.mark.parametrize("kind, sent, answered, stored", [
        ("integer", 8, "8", 8), ("number", 1.5, "1.5", 1.5), ("boolean", True, "True", True),
        ("string", "x", "x", "x"), ("integer", "8", "8", 8), ("boolean", "False", "False", False),
    ])
    def test_defaults_are_answered_as_glance_writes_them_and_kept_typed(self, api, namespace, kind, sent,
                                                                       answered, stored):
        """As Glance (its model types a default as bytes); what a client reads and sends back is read back
        into the property's type, which is what image values are validated with."""
        definition = {"name": "p", "title": "P", "type": kind, "default": sent}
        assert api.post(ns_url(NS, "properties"), definition).json()["default"] == answered
        assert Property.objects.get(namespace__namespace=NS, name="p").schema["default"] == stored
        round_trip = api.put(ns_url(NS, "properties", "p"), api.get(ns_url(NS, "properties", "p")).json())
        assert round_trip.status_code == 200 and round_trip.json()["default"] == answered

    def test_an_array_default_is_kept_but_not_answered(self, api, namespace):
        """Glance's model cannot carry a non-scalar default and leaves it out."""
        definition = {"name": "p", "title": "P", "type": "array", "items": {"type": "string"}, "default": ["a"]}
        assert "default" not in api.post(ns_url(NS, "properties"), definition).json()
        assert Property.objects.get(namespace__namespace=NS, name="p").schema["default"] == ["a"]

    def test_update_renames(self, api, namespace):
        response = api.put(ns_url(NS, "properties", "cpu_policy"),
                           {"name": "cpu_mode", "title": "Mode", "type": "string"})
        assert response.status_code == 200
        assert response.json() == {"name": "cpu_mode", "title": "Mode", "type": "string"}
        assert api.get(ns_url(NS, "properties", "cpu_policy")).status_code == 404

    def test_show_with_prefixed_name(self, api, namespace):
        shown = api.get(ns_url(NS, "properties", "hw:cpu_policy") + "?resource_type=OS::Nova::Flavor")
        assert shown.status_code == 200 and shown.json()["name"] == "cpu_policy"
        wrong = api.get(ns_url(NS, "properties", "cpu_policy") + "?resource_type=OS::Nova::Flavor")
        assert wrong.status_code == 404 and "prefix" in wrong.content.decode()

    def test_duplicate_conflicts(self, api, namespace):
        body = {"name": "cpu_policy", "title": "again", "type": "string"}
        assert api.post(ns_url(NS, "properties"), body).status_code == 409

    @pytest.mark.parametrize("definition,reason", [
        ({"title": "T", "type": "string", "pattern": "(["}, "regex"),
        ({"title": "T", "type": "integer", "minimum": 1, "default": 0}, "default 0 does not satisfy"),
        ({"title": "T", "type": "integer", "minimum": 5, "maximum": 1}, "minimum (5) is greater than maximum (1)"),
        ({"title": "T", "type": "string", "minLength": 9, "maxLength": 2}, "minLength"),
        ({"title": "T", "type": "array", "minItems": 3, "maxItems": 1}, "minItems"),
        ({"title": "T", "type": "integer", "enum": [1, "two"]}, "enum value 'two'"),
        ({"title": "T", "type": "string", "default": 7}, "default 7"),
        ({"title": "T", "type": "float"}, "float"),
        ({"type": "string"}, "title"),
        ({"title": "T"}, "type"),
    ])
    def test_unusable_definitions_are_rejected_naming_property_and_reason(self, api, namespace, definition, reason):
        response = api.post(ns_url(NS, "properties"), {"name": "broken", **definition})
        assert response.status_code == 400
        message = response.json()["message"]
        assert "broken" in message and reason in message
        assert api.get(ns_url(NS, "properties", "broken")).status_code == 404

    def test_read_only_fields_are_forbidden(self, api, namespace):
        body = {"name": "x", "title": "X", "type": "string", "created_at": "2020-01-01T00:00:00Z"}
        assert api.post(ns_url(NS, "properties"), body).status_code == 403


class TestObjects:
    def test_create_show_list_update_delete(self, api, namespace):
        body = {"name": "Disk", "description": "a disk", "required": ["size"],
                "properties": {"size": {"title": "Size", "type": "integer", "minimum": 0}}}
        created = api.post(ns_url(NS, "objects"), body)
        assert created.status_code == 201
        assert stamps_checked(created.json()) == {
            **body, "self": f"/v2/metadefs/namespaces/{NS}/objects/Disk", "schema": "/v2/schemas/metadefs/object"}
        listing = api.get(ns_url(NS, "objects")).json()
        assert listing["schema"] == "v2/schemas/metadefs/objects"
        assert sorted(o["name"] for o in listing["objects"]) == ["Disk", "Topology"]
        updated = api.put(ns_url(NS, "objects", "Disk"), {"name": "Drive"})
        assert updated.status_code == 200 and updated.json()["name"] == "Drive"
        assert api.get(ns_url(NS, "objects", "Disk")).status_code == 404
        assert api.delete(ns_url(NS, "objects", "Drive")).status_code == 204
        assert api.get(ns_url(NS, "objects", "Drive")).status_code == 404

    def test_bad_object_property_names_the_property(self, api, namespace):
        body = {"name": "Bad", "properties": {"speed": {"title": "S", "type": "number", "minimum": 9,
                                                        "maximum": 1}}}
        response = api.post(ns_url(NS, "objects"), body)
        assert response.status_code == 400 and "speed" in response.content.decode()

    def test_bodies_as_glance_writes_them(self, api, namespace):
        """Empty `required` and `properties` left out; the self link not escaped (Glance builds it from the names)."""
        created = api.post(ns_url(NS, "objects"), {"name": "Disk QoS"}).json()
        assert set(created) == {"name", "created_at", "updated_at", "self", "schema"}
        assert created["self"] == f"/v2/metadefs/namespaces/{NS}/objects/Disk QoS"
        updated = api.put(ns_url(NS, "objects", "Disk QoS"), {"name": "Disk QoS", "description": "limits"}).json()
        assert set(updated) == {"name", "description", "created_at", "updated_at", "self", "schema"}

    def test_list_paging(self, api, namespace):
        for name in ("A", "B", "C"):
            api.post(ns_url(NS, "objects"), {"name": name})
        page = api.get(ns_url(NS, "objects") + "?sort_key=name&sort_dir=asc&limit=2&marker=A").json()
        assert [o["name"] for o in page["objects"]] == ["B", "C"]


class TestTags:
    def test_create_one_by_url(self, api, namespace):
        response = api.post(ns_url(NS, "tags", "gpu"))
        assert response.status_code == 201
        assert list(stamps_checked(response.json())) == ["name"]
        assert api.post(ns_url(NS, "tags", "gpu")).status_code == 409

    def test_bulk_create_replaces(self, api, namespace):
        response = api.post(ns_url(NS, "tags"), {"tags": [{"name": "x"}, {"name": "y"}]})
        assert response.status_code == 201
        assert [t["name"] for t in response.json()["tags"]] == ["x", "y"]
        assert [t["name"] for t in api.get(ns_url(NS, "tags")).json()["tags"]] == ["x", "y"] or \
            sorted(t["name"] for t in api.get(ns_url(NS, "tags")).json()["tags"]) == ["x", "y"]

    def test_bulk_create_appends_with_header(self, api, namespace):
        response = api.post(ns_url(NS, "tags"), {"tags": [{"name": "z"}]},
                            headers={"HTTP_X_OPENSTACK_APPEND": "True"})
        assert response.status_code == 201
        names = sorted(t["name"] for t in api.get(ns_url(NS, "tags")).json()["tags"])
        assert names == ["cheap", "fast", "z"]

    def test_bulk_duplicates_conflict(self, api, namespace):
        assert api.post(ns_url(NS, "tags"), {"tags": [{"name": "a"}, {"name": "a"}]}).status_code == 409
        appended = api.post(ns_url(NS, "tags"), {"tags": [{"name": "fast"}]},
                            headers={"HTTP_X_OPENSTACK_APPEND": "true"})
        assert appended.status_code == 409

    def test_rename_and_delete(self, api, namespace):
        assert api.put(ns_url(NS, "tags", "fast"), {"name": "quick"}).json()["name"] == "quick"
        assert api.get(ns_url(NS, "tags", "fast")).status_code == 404
        assert api.delete(ns_url(NS, "tags", "quick")).status_code == 204
        assert api.get(ns_url(NS, "tags", "quick")).status_code == 404


class TestResourceTypes:
    def test_list_all_types(self, api, namespace):
        listed = api.get("/v2/metadefs/resource_types").json()["resource_types"]
        assert [rt["name"] for rt in listed] == ["OS::Glance::Image", "OS::Nova::Flavor"]
        assert all(set(rt) == {"name", "created_at"} for rt in listed)  # as Glance: no updated_at

    def test_associate_creates_unknown_type(self, api, namespace):
        response = api.post(ns_url(NS, "resource_types"),
                            {"name": "OS::Cinder::Volume", "prefix": "vol_", "properties_target": "image"})
        assert response.status_code == 201
        assert stamps_checked(response.json()) == {"name": "OS::Cinder::Volume", "prefix": "vol_",
                                                   "properties_target": "image"}
        listed = api.get(ns_url(NS, "resource_types")).json()["resource_type_associations"]
        assert [a["name"] for a in listed] == ["OS::Nova::Flavor", "OS::Glance::Image", "OS::Cinder::Volume"]
        types = [rt["name"] for rt in api.get("/v2/metadefs/resource_types").json()["resource_types"]]
        assert "OS::Cinder::Volume" in types

    def test_duplicate_association_conflicts(self, api, namespace):
        assert api.post(ns_url(NS, "resource_types"), {"name": "OS::Nova::Flavor"}).status_code == 409

    def test_deassociate(self, api, namespace):
        assert api.delete(ns_url(NS, "resource_types", "OS::Nova::Flavor")).status_code == 204
        assert api.delete(ns_url(NS, "resource_types", "OS::Nova::Flavor")).status_code == 404
