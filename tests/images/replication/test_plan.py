"""What replication copies and how it brings a target in step: the pure rules of images/replication/plan.py."""
from images.replication import plan

DEFAULT = frozenset(plan.DEFAULT_DONT_REPLICATE.split())
SOURCE = {
    "id": "0b4bc1f0-5a3a-4a53-9e4b-3a3e36a1c4de", "name": "debian", "status": "active", "visibility": "public",
    "protected": False, "os_hidden": False, "owner": "p1", "disk_format": "qcow2", "container_format": "bare",
    "min_ram": 512, "min_disk": 2, "tags": ["b", "a"], "size": 10, "virtual_size": 20, "checksum": "c" * 32,
    "os_hash_algo": "sha512", "os_hash_value": "f" * 128, "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-02T00:00:00Z", "self": "/v2/images/x", "file": "/v2/images/x/file",
    "schema": "/v2/schemas/image", "os_distro": "debian", "os_glance_import_task": "t", "stores": "file",
}


def test_creation_body_keeps_the_id_and_leaves_computed_and_reserved_properties():
    assert plan.creation_body(SOURCE, DEFAULT) == {
        "id": SOURCE["id"], "name": "debian", "visibility": "public", "protected": False, "os_hidden": False,
        "owner": "p1", "disk_format": "qcow2", "container_format": "bare", "min_ram": 512, "min_disk": 2,
        "tags": ["b", "a"], "os_distro": "debian"}


def test_dontreplicate_names_properties_left_behind():
    body = plan.creation_body(SOURCE, DEFAULT | {"os_distro", "min_ram"})
    assert "os_distro" not in body and "min_ram" not in body and body["min_disk"] == 2


def test_an_identical_target_needs_no_patch_whatever_its_tag_order_and_dates():
    target = {**SOURCE, "tags": ["a", "b"], "updated_at": "2027-01-01T00:00:00Z", "os_glance_stage_host": "n"}
    assert plan.metadata_patch(SOURCE, target, DEFAULT) == []
    assert plan.metadata_differences(SOURCE, target, DEFAULT) == []


def test_patch_replaces_adds_and_removes_custom_properties_but_never_base_ones():
    target = {**SOURCE, "name": "old", "tags": ["a"], "extra": "x"}
    del target["os_distro"], target["min_ram"]
    assert plan.metadata_patch(SOURCE, target, DEFAULT) == [
        {"op": "add", "path": "/min_ram", "value": 512},
        {"op": "replace", "path": "/name", "value": "debian"},
        {"op": "add", "path": "/os_distro", "value": "debian"},
        {"op": "replace", "path": "/tags", "value": ["b", "a"]},
        {"op": "remove", "path": "/extra"},
    ]


def test_differences_name_the_property_and_both_values():
    target = {**SOURCE, "os_distro": "ubuntu", "extra": "x"}
    assert [(key, str(source), str(target)) for key, source, target in
            plan.metadata_differences(SOURCE, target, DEFAULT)] == [
        ("extra", "(absent)", "x"), ("os_distro", "debian", "ubuntu")]


def test_same_data_needs_active_size_md5_and_the_same_os_hash():
    assert plan.same_data(SOURCE, dict(SOURCE))
    assert not plan.same_data(SOURCE, {**SOURCE, "status": "queued"})
    assert not plan.same_data(SOURCE, {**SOURCE, "size": 11})
    assert not plan.same_data(SOURCE, {**SOURCE, "checksum": "d" * 32})
    assert not plan.same_data(SOURCE, {**SOURCE, "os_hash_value": "e" * 128})
    # Another algorithm on the target (its IMAGE_HASH_ALGORITHM): md5 and size decide.
    assert plan.same_data(SOURCE, {**SOURCE, "os_hash_algo": "sha256", "os_hash_value": "e" * 64})
    assert plan.data_differences(SOURCE, {**SOURCE, "status": "queued", "size": None}) == [
        ("status", "active", "queued"), ("size", 10, None)]
