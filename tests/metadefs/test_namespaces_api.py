"""Namespaces through HTTP: bodies, codes and paging as Glance v2."""
import re

import pytest

from tests.metadefs.conftest import NS_PATH, ns_url

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def stamps_checked(body):
    """Drop the timestamps after checking their format, so the rest compares exactly."""
    assert ISO.match(body.pop("created_at")) and ISO.match(body.pop("updated_at"))
    return body


def test_create_returns_glance_body_and_location(api):
    response = api.post(NS_PATH, {"namespace": "MyNamespace", "display_name": "Mine", "description": "d"})
    assert response.status_code == 201
    assert response["Location"].endswith("/v2/metadefs/namespaces/MyNamespace")
    assert stamps_checked(response.json()) == {
        "namespace": "MyNamespace", "display_name": "Mine", "description": "d", "visibility": "private",
        "protected": False, "owner": "admin", "self": "/v2/metadefs/namespaces/MyNamespace",
        "schema": "/v2/schemas/metadefs/namespace",
    }


def test_unset_fields_are_left_out_not_null(api):
    body = api.post(NS_PATH, {"namespace": "Bare"}).json()
    assert "display_name" not in body and "description" not in body


def test_show_embeds_everything(api, namespace):
    body = api.get(ns_url("OS::Test::Sample")).json()
    assert body["properties"] == {"cpu_policy": {"title": "CPU policy", "type": "string",
                                                 "enum": ["shared", "dedicated"], "default": "shared"}}
    assert [stamps_checked(a) for a in body["resource_type_associations"]] == [
        {"name": "OS::Nova::Flavor", "prefix": "hw:"},
        {"name": "OS::Glance::Image", "prefix": "hw_", "properties_target": "image"},
    ]
    assert [o["name"] for o in body["objects"]] == ["Topology"]
    assert body["tags"] == [{"name": "cheap"}, {"name": "fast"}]


def test_show_with_resource_type_prefixes_property_names(api, namespace):
    body = api.get(ns_url("OS::Test::Sample") + "?resource_type=OS::Nova::Flavor").json()
    assert list(body["properties"]) == ["hw:cpu_policy"]
    assert body["objects"][0]["required"] == ["hw:sockets"]
    assert list(body["objects"][0]["properties"]) == ["hw:sockets"]


def test_duplicate_name_conflicts(api, namespace):
    response = api.post(NS_PATH, {"namespace": "OS::Test::Sample"})
    assert response.status_code == 409
    assert "already exists" in response.content.decode()


def test_create_is_all_or_nothing(api):
    body = {"namespace": "Half", "properties": {"good": {"title": "G", "type": "string"},
                                                 "bad": {"title": "B", "type": "string", "pattern": "("}}}
    response = api.post(NS_PATH, body)
    assert response.status_code == 400
    assert "bad" in response.content.decode()
    assert api.get(ns_url("Half")).status_code == 404


def test_put_replaces_and_renames(api, namespace):
    response = api.put(ns_url("OS::Test::Sample"), {"namespace": "OS::Test::Renamed", "visibility": "public",
                                                    "protected": True})
    assert response.status_code == 200
    body = stamps_checked(response.json())
    assert body == {"namespace": "OS::Test::Renamed", "visibility": "public", "protected": True, "owner": "admin",
                    "self": "/v2/metadefs/namespaces/OS::Test::Renamed",
                    "schema": "/v2/schemas/metadefs/namespace",
                    "resource_type_associations": body["resource_type_associations"]}
    assert api.get(ns_url("OS::Test::Sample")).status_code == 404
    # Children follow the rename.
    assert "cpu_policy" in api.get(ns_url("OS::Test::Renamed")).json()["properties"]


def test_put_ignores_embedded_children_sent_back_by_clients(api, namespace):
    shown = api.get(ns_url("OS::Test::Sample")).json()
    for key in ("self", "schema", "created_at", "updated_at"):
        shown.pop(key)
    shown["description"] = "changed"
    assert api.put(ns_url("OS::Test::Sample"), shown).status_code == 200
    assert api.get(ns_url("OS::Test::Sample")).json()["description"] == "changed"


def test_put_to_existing_name_conflicts(api, namespace):
    api.post(NS_PATH, {"namespace": "Other"})
    assert api.put(ns_url("Other"), {"namespace": "OS::Test::Sample"}).status_code == 409


def test_delete_cascades(api, namespace):
    assert api.delete(ns_url("OS::Test::Sample")).status_code == 204
    assert api.get(ns_url("OS::Test::Sample")).status_code == 404
    api.post(NS_PATH, {"namespace": "OS::Test::Sample"})
    assert "properties" not in api.get(ns_url("OS::Test::Sample")).json()


def test_protected_namespace_and_children_cannot_be_deleted(api, namespace):
    api.put(ns_url("OS::Test::Sample"), {"namespace": "OS::Test::Sample", "protected": True})
    for path in (ns_url("OS::Test::Sample"), ns_url("OS::Test::Sample", "properties"),
                 ns_url("OS::Test::Sample", "properties", "cpu_policy"), ns_url("OS::Test::Sample", "objects"),
                 ns_url("OS::Test::Sample", "objects", "Topology"), ns_url("OS::Test::Sample", "tags"),
                 ns_url("OS::Test::Sample", "tags", "fast"),
                 ns_url("OS::Test::Sample", "resource_types", "OS::Nova::Flavor")):
        response = api.delete(path)
        assert response.status_code == 403, path
        assert "protected" in response.content.decode()
    assert len(api.get(ns_url("OS::Test::Sample")).json()["tags"]) == 2


@pytest.mark.parametrize("kind", ["objects", "properties", "tags"])
def test_delete_all_children(api, namespace, kind):
    assert api.delete(ns_url("OS::Test::Sample", kind)).status_code == 204
    assert kind not in api.get(ns_url("OS::Test::Sample")).json()


def make_namespaces(api, count, **fields):
    for index in range(count):
        assert api.post(NS_PATH, {"namespace": f"ns-{index:03d}", **fields}).status_code == 201


def test_list_envelope_and_paging_links(api):
    make_namespaces(api, 5)
    first = api.get(NS_PATH + "?limit=2&sort_key=namespace&sort_dir=asc").json()
    assert [n["namespace"] for n in first["namespaces"]] == ["ns-000", "ns-001"]
    assert first["first"] == "/v2/metadefs/namespaces?limit=2&sort_key=namespace&sort_dir=asc"
    assert first["next"] == "/v2/metadefs/namespaces?limit=2&sort_key=namespace&sort_dir=asc&marker=ns-001"
    assert first["schema"] == "/v2/schemas/metadefs/namespaces"
    seen = []
    url = first["next"]
    while url:
        page = api.get(url).json()
        seen += [n["namespace"] for n in page["namespaces"]]
        url = page.get("next")
    assert seen == ["ns-002", "ns-003", "ns-004"]


def test_default_order_is_newest_first(api):
    make_namespaces(api, 3)
    names = [n["namespace"] for n in api.get(NS_PATH).json()["namespaces"]]
    assert names == ["ns-002", "ns-001", "ns-000"]


def test_filter_by_visibility_and_resource_types(api, namespace):
    make_namespaces(api, 2, visibility="public")
    public = api.get(NS_PATH + "?visibility=public").json()["namespaces"]
    assert sorted(n["namespace"] for n in public) == ["ns-000", "ns-001"]
    flavor = api.get(NS_PATH + "?resource_types=OS::Nova::Flavor,OS::Cinder::Volume").json()["namespaces"]
    assert [n["namespace"] for n in flavor] == ["OS::Test::Sample"]


def test_list_runs_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    make_namespaces(api, 3)
    for index in range(40):
        api.post(ns_url(f"ns-{index % 3:03d}", "resource_types"), {"name": f"OS::Type::{index}"})
    with django_assert_max_num_queries(3):
        small = api.get(NS_PATH + "?limit=1")
    with django_assert_max_num_queries(3):
        large = api.get(NS_PATH + "?limit=1000&marker=ns-002")
    assert len(small.json()["namespaces"]) == 1 and len(large.json()["namespaces"]) == 2


class TestVisibility:
    """Readers see public namespaces and their own project's; others are 404, not 403."""

    @pytest.fixture
    def catalog(self, api):
        for project in ("p1", "p2"):
            for visibility in ("public", "private"):
                api.post(NS_PATH, {"namespace": f"{project}-{visibility}", "owner": project,
                                   "visibility": visibility})

    def test_list(self, api, catalog):
        names = {n["namespace"] for n in api.as_("p1", "reader,member").get(NS_PATH).json()["namespaces"]}
        assert names == {"p1-public", "p1-private", "p2-public"}

    def test_admin_sees_all(self, api, catalog):
        assert len(api.as_("p9", "admin").get(NS_PATH).json()["namespaces"]) == 4

    def test_other_projects_private_is_not_found(self, api, catalog):
        caller = api.as_("p1", "member")
        assert caller.get(ns_url("p2-private")).status_code == 404
        assert caller.get(ns_url("p2-private", "properties")).status_code == 404
        assert caller.delete(ns_url("p2-private")).status_code == 404
        assert caller.get(ns_url("p2-public")).status_code == 200

    @pytest.mark.parametrize("method,path,body", [
        ("post", NS_PATH, {"namespace": "new"}),
        ("put", ns_url("p1-private"), {"namespace": "p1-private"}),
        ("delete", ns_url("p1-private"), None),
        ("post", ns_url("p1-private", "properties"), {"name": "x", "title": "X", "type": "string"}),
        ("post", ns_url("p1-private", "objects"), {"name": "x"}),
        ("post", ns_url("p1-private", "tags", "x"), None),
        ("post", ns_url("p1-private", "tags"), {"tags": [{"name": "x"}]}),
        ("post", ns_url("p1-private", "resource_types"), {"name": "OS::Nova::Flavor"}),
        ("delete", ns_url("p1-private", "tags"), None),
    ])
    def test_writes_need_admin(self, api, catalog, method, path, body):
        response = getattr(api.as_("p1", "reader,member"), method)(path, body) if body is not None else \
            getattr(api.as_("p1", "reader,member"), method)(path)
        assert response.status_code == 403
        assert "not authorized" in response.content.decode()
