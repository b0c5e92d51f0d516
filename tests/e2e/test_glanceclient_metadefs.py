"""python-glanceclient's `glance md-*` commands against the running service.

What a user reads is the CLI's table output, so that is what these tests parse and check;
the Python API of the same client sets up and cleans up where the CLI is not the subject.
"""
import json
import uuid

import glanceclient
import pytest
from glanceclient import exc

from tests.support.live_server import ROOT

pytestmark = pytest.mark.e2e

VENDOR_DIR = ROOT / "fixtures" / "metadefs"


def _cells(line):
    return [cell.strip() for cell in line.rstrip()[1:-1].split("|")]


def table(output):
    """A prettytable printed by the CLI as row dicts; wrapped cell lines are joined back."""
    lines = [_cells(line) for line in output.splitlines() if line.startswith("|")]
    if not lines:
        return []
    header, rows = lines[0], []
    for cells in lines[1:]:
        if rows and cells[0] == "":
            # prettytable wraps long values at spaces; the continuation row has an empty first cell.
            rows[-1] = [" ".join(part for part in pair if part) for pair in zip(rows[-1], cells)]
        else:
            rows.append(cells)
    return [dict(zip(header, row)) for row in rows]


def record(output):
    """The Property/Value table of a *-show or *-create command as a dict."""
    return {row["Property"]: row["Value"] for row in table(output)}


def column(output, name):
    return [row[name] for row in table(output)]


def unique(prefix="E2E::Test"):
    return f"{prefix}::{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def vendor(live_service):
    """Glance's vendor namespace files, loaded once; the documents by namespace name."""
    live_service.manage("load_metadefs", str(VENDOR_DIR))
    documents = [json.loads(path.read_text()) for path in sorted(VENDOR_DIR.glob("*.json"))]
    return {document["namespace"]: document for document in documents}


@pytest.fixture(scope="session")
def gc(live_service):
    return glanceclient.Client("2", endpoint=live_service.url, token="e2e-token")


@pytest.fixture
def cleanup(gc):
    """Namespaces to remove after the test, protected or not, whether or not it got that far."""
    names = []
    yield names
    for name in names:
        try:
            gc.metadefs_namespace.update(name, protected=False)
            gc.metadefs_namespace.delete(name)
        except exc.HTTPNotFound:
            pass


@pytest.fixture
def namespace(gc, cleanup):
    """A fresh, empty, unprotected public namespace."""
    name = unique()
    gc.metadefs_namespace.create(namespace=name, display_name="E2E scratch", visibility="public")
    cleanup.append(name)
    return name


def names_for_resource_type(vendor, resource_type):
    return {name for name, document in vendor.items()
            if any(a["name"] == resource_type for a in document.get("resource_type_associations", []))}


def prefixed_properties(document, resource_type):
    prefix = next(a.get("prefix") or "" for a in document["resource_type_associations"] if a["name"] == resource_type)
    return sorted(prefix + name for name in document["properties"])


# Namespaces

def test_namespace_list_shows_every_vendor_namespace_once(glance, vendor):
    listed = column(glance("md-namespace-list").stdout, "namespace")
    assert set(vendor) <= set(listed)
    assert len(listed) == len(set(listed))


def test_namespace_list_follows_next_links_page_by_page(glance, vendor):
    whole = column(glance("md-namespace-list").stdout, "namespace")
    paged = column(glance("md-namespace-list", "--page-size", "5").stdout, "namespace")
    assert len(whole) > 5
    assert paged == whole


def test_namespace_list_filters_by_resource_types(glance, vendor):
    flavor = column(glance("md-namespace-list", "--resource-types", "OS::Nova::Flavor").stdout, "namespace")
    assert sorted(flavor) == sorted(names_for_resource_type(vendor, "OS::Nova::Flavor"))
    either = column(glance("md-namespace-list", "--resource-types", "OS::Nova::Flavor",
                           "--resource-types", "OS::Trove::Instance").stdout, "namespace")
    assert sorted(either) == sorted(names_for_resource_type(vendor, "OS::Nova::Flavor")
                                    | names_for_resource_type(vendor, "OS::Trove::Instance"))


def test_namespace_list_filters_by_visibility(glance, vendor, cleanup):
    private = unique()
    glance("md-namespace-create", private, "--visibility", "private")
    cleanup.append(private)
    assert column(glance("md-namespace-list", "--visibility", "private").stdout, "namespace") == [private]
    public = column(glance("md-namespace-list", "--visibility", "public").stdout, "namespace")
    assert private not in public and set(vendor) <= set(public)


def test_namespace_list_with_explicit_api_version_2(glance, vendor):
    # --os-image-api-version skips the /versions probe and the schema download.
    listed = column(glance("--os-image-api-version", "2", "md-namespace-list").stdout, "namespace")
    assert listed == column(glance("md-namespace-list").stdout, "namespace")


def test_namespace_create_show_update_delete(glance, cleanup):
    name = unique()
    created = record(glance("md-namespace-create", name, "--display-name", "E2E namespace",
                            "--description", "Made by the end-to-end tests.", "--visibility", "public",
                            "--protected", "False").stdout)
    cleanup.append(name)
    assert {key: created[key] for key in ("namespace", "display_name", "description", "visibility",
                                          "protected", "owner", "schema")} == {
        "namespace": name, "display_name": "E2E namespace", "description": "Made by the end-to-end tests.",
        "visibility": "public", "protected": "False", "owner": "admin",
        "schema": "/v2/schemas/metadefs/namespace",
    }
    assert created["created_at"] and created["updated_at"]
    shown = record(glance("md-namespace-show", name).stdout)
    assert shown == created

    renamed = unique()
    updated = record(glance("md-namespace-update", name, "--namespace", renamed,
                            "--display-name", "Renamed", "--visibility", "private").stdout)
    cleanup.append(renamed)
    assert (updated["namespace"], updated["display_name"], updated["visibility"]) == (renamed, "Renamed", "private")
    assert updated["description"] == "Made by the end-to-end tests."
    assert record(glance("md-namespace-show", renamed).stdout)["display_name"] == "Renamed"
    missing = glance("md-namespace-show", name, expect_failure=True)
    assert "404 Not Found" in missing.stderr

    glance("md-namespace-delete", renamed)
    assert renamed not in column(glance("md-namespace-list").stdout, "namespace")
    assert "404 Not Found" in glance("md-namespace-show", renamed, expect_failure=True).stderr


def test_creating_an_existing_namespace_is_a_conflict(glance, namespace):
    failed = glance("md-namespace-create", namespace, expect_failure=True)
    assert "409 Conflict" in failed.stderr


def test_protected_namespace_cannot_be_deleted(glance, vendor):
    failed = glance("md-namespace-delete", "OS::Compute::Watchdog", expect_failure=True)
    assert "403 Forbidden" in failed.stderr
    assert "OS::Compute::Watchdog" in failed.stderr
    assert record(glance("md-namespace-show", "OS::Compute::Watchdog").stdout)["protected"] == "True"


def test_namespace_import_from_a_glance_vendor_file(glance, vendor, tmp_path, cleanup):
    document = json.loads((VENDOR_DIR / "operating-system.json").read_text())
    document["namespace"] = name = unique("E2E::OperatingSystem")
    path = tmp_path / "namespace.json"
    path.write_text(json.dumps(document))

    imported = record(glance("md-namespace-import", "--file", path).stdout)
    cleanup.append(name)
    assert imported["namespace"] == name
    assert imported["protected"] == "True"
    assert sorted(json.loads(imported["properties"])) == sorted(document["properties"])
    assert json.loads(imported["resource_type_associations"]) == [
        a["name"] for a in document["resource_type_associations"]]
    assert sorted(json.loads(imported["tags"])) == sorted(tag["name"] for tag in document["tags"])

    assert sorted(column(glance("md-property-list", name).stdout, "name")) == sorted(document["properties"])
    assert sorted(column(glance("md-tag-list", name).stdout, "name")) == sorted(t["name"] for t in document["tags"])

    # A vendor file is protected: deleting needs the protection lifted first, as in Glance.
    assert "403 Forbidden" in glance("md-namespace-delete", name, expect_failure=True).stderr
    assert record(glance("md-namespace-update", name, "--protected", "False").stdout)["protected"] == "False"
    glance("md-namespace-delete", name)
    assert "404 Not Found" in glance("md-namespace-show", name, expect_failure=True).stderr


def test_namespace_import_from_stdin_with_objects(glance, vendor, cleanup):
    document = json.loads((VENDOR_DIR / "software-webservers.json").read_text())
    document["namespace"] = name = unique("E2E::WebServers")
    imported = record(glance("md-namespace-import", input=json.dumps(document)).stdout)
    cleanup.append(name)
    assert sorted(json.loads(imported["objects"])) == sorted(o["name"] for o in document["objects"])
    listed = table(glance("md-object-list", name).stdout)
    assert sorted(row["name"] for row in listed) == sorted(o["name"] for o in document["objects"])


def test_namespace_show_with_resource_type_prefixes_property_names(glance, vendor):
    document = vendor["OS::Compute::VirtCPUTopology"]
    for resource_type, prefix in (("OS::Nova::Flavor", "hw:"), ("OS::Glance::Image", "hw_")):
        shown = record(glance("md-namespace-show", "OS::Compute::VirtCPUTopology", "--resource-type", resource_type,
                              "--max-column-width", "1000").stdout)
        assert sorted(json.loads(shown["properties"])) == prefixed_properties(document, resource_type)
        assert all(name.startswith(prefix) for name in json.loads(shown["properties"]))
    plain = record(glance("md-namespace-show", "OS::Compute::VirtCPUTopology", "--max-column-width", "1000").stdout)
    assert sorted(json.loads(plain["properties"])) == sorted(document["properties"])


# Resource types

def test_resource_type_list_names_the_vendor_resource_types(glance, vendor):
    expected = {a["name"] for document in vendor.values() for a in document.get("resource_type_associations", [])}
    listed = column(glance("md-resource-type-list").stdout, "name")
    assert expected <= set(listed)
    assert len(listed) == len(set(listed))


def test_namespace_resource_type_list_shows_prefix_and_target(glance, vendor):
    rows = table(glance("md-namespace-resource-type-list", "OS::Compute::Watchdog").stdout)
    expected = vendor["OS::Compute::Watchdog"]["resource_type_associations"]
    assert sorted((r["name"], r["prefix"], r["properties_target"]) for r in rows) == sorted(
        (a["name"], a.get("prefix", ""), a.get("properties_target", "")) for a in expected)


def test_resource_type_associate_and_deassociate(glance, gc, namespace):
    gc.metadefs_property.create(namespace, name="speed", title="Speed", type="integer")
    associated = record(glance("md-resource-type-associate", namespace, "--name", "OS::Nova::Flavor",
                               "--prefix", "e2e:", "--properties-target", "flavor").stdout)
    assert (associated["name"], associated["prefix"], associated["properties_target"]) == (
        "OS::Nova::Flavor", "e2e:", "flavor")
    assert associated["created_at"]

    rows = table(glance("md-namespace-resource-type-list", namespace).stdout)
    assert rows == [{"name": "OS::Nova::Flavor", "prefix": "e2e:", "properties_target": "flavor"}]
    assert namespace in column(glance("md-namespace-list", "--resource-types", "OS::Nova::Flavor").stdout,
                               "namespace")
    shown = record(glance("md-namespace-show", namespace, "--resource-type", "OS::Nova::Flavor").stdout)
    assert json.loads(shown["properties"]) == ["e2e:speed"]

    glance("md-resource-type-deassociate", namespace, "OS::Nova::Flavor")
    assert table(glance("md-namespace-resource-type-list", namespace).stdout) == []
    assert namespace not in column(glance("md-namespace-list", "--resource-types", "OS::Nova::Flavor").stdout,
                                   "namespace")


def test_associating_a_new_resource_type_adds_it_to_the_list(glance, namespace):
    resource_type = unique("E2E::Resource")
    glance("md-resource-type-associate", namespace, "--name", resource_type)
    assert resource_type in column(glance("md-resource-type-list").stdout, "name")


# Properties

def test_property_create_show_update_list_delete(glance, namespace):
    created = record(glance("md-property-create", namespace, "--name", "cpu_policy", "--title", "CPU Policy",
                            "--type", "string", "--schema",
                            json.dumps({"description": "How vCPUs are pinned.", "enum": ["shared", "dedicated"],
                                        "default": "shared"})).stdout)
    # uniqueItems is not sent back by the server: glanceclient fills in the default that
    # the property schema (/v2/schemas/metadefs/property, as in Glance) declares.
    assert created == {"name": "cpu_policy", "title": "CPU Policy", "type": "string",
                       "description": "How vCPUs are pinned.", "enum": '["shared", "dedicated"]',
                       "default": "shared", "uniqueItems": "False"}
    assert record(glance("md-property-show", namespace, "cpu_policy").stdout) == created

    updated = record(glance("md-property-update", namespace, "cpu_policy", "--name", "cpu_pinning",
                            "--title", "CPU Pinning", "--schema",
                            json.dumps({"description": "Pinning policy.", "enum": ["shared", "dedicated", "mixed"]}
                                       )).stdout)
    assert updated == {**created, "name": "cpu_pinning", "title": "CPU Pinning", "description": "Pinning policy.",
                       "enum": '["shared", "dedicated", "mixed"]'}
    assert "404 Not Found" in glance("md-property-show", namespace, "cpu_policy", expect_failure=True).stderr

    glance("md-property-create", namespace, "--name", "threads", "--title", "Threads", "--type", "integer",
           "--schema", json.dumps({"minimum": 1}))
    rows = table(glance("md-property-list", namespace).stdout)
    assert sorted(rows, key=lambda row: row["name"]) == [
        {"name": "cpu_pinning", "title": "CPU Pinning", "type": "string"},
        {"name": "threads", "title": "Threads", "type": "integer"},
    ]

    glance("md-property-delete", namespace, "cpu_pinning")
    assert column(glance("md-property-list", namespace).stdout, "name") == ["threads"]
    assert "404 Not Found" in glance("md-property-delete", namespace, "cpu_pinning", expect_failure=True).stderr


def test_property_with_an_invalid_type_is_refused_by_the_served_schema(glance, namespace):
    # glanceclient validates against /v2/schemas/metadefs/property before sending.
    failed = glance("md-property-create", namespace, "--name", "p", "--title", "P", "--type", "colour",
                    "--schema", "{}", expect_failure=True)
    assert "'colour' is not one of ['array', 'boolean', 'integer', 'number', 'object', 'string', None]" in failed.stderr
    assert table(glance("md-property-list", namespace).stdout) == []


def test_namespace_properties_delete_removes_them_all(glance, gc, namespace):
    for name in ("one", "two", "three"):
        gc.metadefs_property.create(namespace, name=name, title=name.title(), type="string")
    glance("md-namespace-properties-delete", namespace)
    assert table(glance("md-property-list", namespace).stdout) == []
    assert "properties" not in record(glance("md-namespace-show", namespace).stdout)


# Objects

OBJECT_SCHEMA = {
    "description": "Virtual CPU layout.",
    "required": ["cores"],
    "properties": {
        "cores": {"title": "Cores", "type": "integer", "minimum": 1},
        "sockets": {"title": "Sockets", "type": "integer"},
    },
}


def test_object_create_show_property_show_update_list_delete(glance, namespace):
    created = record(glance("md-object-create", namespace, "--name", "Topology",
                            "--schema", json.dumps(OBJECT_SCHEMA)).stdout)
    assert {key: created[key] for key in ("name", "description", "required", "schema")} == {
        "name": "Topology", "description": "Virtual CPU layout.", "required": '["cores"]',
        "schema": "/v2/schemas/metadefs/object",
    }
    assert sorted(json.loads(created["properties"])) == ["cores", "sockets"]
    assert created["created_at"] and created["updated_at"]
    assert record(glance("md-object-show", namespace, "Topology").stdout) == created

    cores = record(glance("md-object-property-show", namespace, "Topology", "cores").stdout)
    assert cores == {"name": "cores", "title": "Cores", "type": "integer", "minimum": "1"}
    missing = glance("md-object-property-show", namespace, "Topology", "threads", expect_failure=True)
    assert "Property threads not found in object Topology" in missing.stderr

    updated = record(glance("md-object-update", namespace, "Topology", "--name", "Layout",
                            "--schema", json.dumps({"description": "vCPU layout."})).stdout)
    assert (updated["name"], updated["description"]) == ("Layout", "vCPU layout.")
    assert sorted(json.loads(updated["properties"])) == ["cores", "sockets"]
    assert "404 Not Found" in glance("md-object-show", namespace, "Topology", expect_failure=True).stderr

    glance("md-object-create", namespace, "--name", "Memory", "--schema", json.dumps({"description": "RAM."}))
    rows = table(glance("md-object-list", namespace).stdout)
    assert sorted(rows, key=lambda row: row["name"]) == [
        {"name": "Layout", "description": "vCPU layout."},
        {"name": "Memory", "description": "RAM."},
    ]

    glance("md-object-delete", namespace, "Layout")
    assert column(glance("md-object-list", namespace).stdout, "name") == ["Memory"]


def test_namespace_objects_delete_removes_them_all(glance, gc, namespace):
    for name in ("A", "B"):
        gc.metadefs_object.create(namespace, name=name)
    glance("md-namespace-objects-delete", namespace)
    assert table(glance("md-object-list", namespace).stdout) == []


# Tags

def test_tag_create_show_update_list_delete(glance, namespace):
    created = record(glance("md-tag-create", namespace, "--name", "fast").stdout)
    assert created["name"] == "fast"
    assert created["created_at"] and created["updated_at"]
    assert record(glance("md-tag-show", namespace, "fast").stdout) == created

    renamed = record(glance("md-tag-update", namespace, "fast", "--name", "faster").stdout)
    assert renamed["name"] == "faster"
    assert "404 Not Found" in glance("md-tag-show", namespace, "fast", expect_failure=True).stderr
    assert column(glance("md-tag-list", namespace).stdout, "name") == ["faster"]

    glance("md-tag-delete", namespace, "faster")
    assert table(glance("md-tag-list", namespace).stdout) == []
    assert "404 Not Found" in glance("md-tag-delete", namespace, "faster", expect_failure=True).stderr


def test_tag_create_multiple_replaces_the_existing_tags(glance, gc, namespace):
    gc.metadefs_tag.create(namespace, "old")
    replaced = column(glance("md-tag-create-multiple", namespace, "--names", "ssd, nvme").stdout, "name")
    assert sorted(replaced) == ["nvme", "ssd"]
    assert sorted(column(glance("md-tag-list", namespace).stdout, "name")) == ["nvme", "ssd"]
    custom = column(glance("md-tag-create-multiple", namespace, "--names", "gpu:fpga", "--delim", ":").stdout, "name")
    assert sorted(custom) == ["fpga", "gpu"]
    assert sorted(column(glance("md-tag-list", namespace).stdout, "name")) == ["fpga", "gpu"]


def test_tag_create_multiple_with_append_keeps_the_existing_tags(glance, gc, namespace):
    list(gc.metadefs_tag.create_multiple(namespace, tags=["ssd", "nvme"]))
    # `glance md-tag-create-multiple --append` (glanceclient 4.13) crashes before sending
    # anything: it puts the bool True in the X-Openstack-Append header and its header
    # encoder only takes strings. So send through the client's own transport what it means to.
    response, body = gc.http_client.post(f"/v2/metadefs/namespaces/{namespace}/tags",
                                         headers={"X-Openstack-Append": "True"},
                                         data={"tags": [{"name": "gpu"}, {"name": "fpga"}]})
    assert response.status_code == 201
    assert sorted(tag["name"] for tag in body["tags"]) == ["fpga", "gpu"]
    assert sorted(column(glance("md-tag-list", namespace).stdout, "name")) == ["fpga", "gpu", "nvme", "ssd"]


def test_creating_a_duplicate_tag_is_a_conflict(glance, gc, namespace):
    gc.metadefs_tag.create(namespace, "dup")
    assert "409 Conflict" in glance("md-tag-create", namespace, "--name", "dup", expect_failure=True).stderr


def test_namespace_tags_delete_removes_them_all(glance, gc, namespace):
    list(gc.metadefs_tag.create_multiple(namespace, tags=["a", "b", "c"]))
    glance("md-namespace-tags-delete", namespace)
    assert table(glance("md-tag-list", namespace).stdout) == []
