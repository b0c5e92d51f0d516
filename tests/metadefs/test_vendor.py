"""Loading and exporting Glance-format namespace files (load_metadefs, export_metadefs, loaddata)."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from metadefs.models import Namespace, Property, ResourceType

FIXTURES = "fixtures/metadefs"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(path, document):
    path.write_text(json.dumps(document, indent=2))
    return path


@pytest.fixture
def vendor_file(tmp_path):
    return write(tmp_path / "sample.json", {
        "namespace": "OS::Vendor::Sample", "display_name": "Sample", "visibility": "public", "protected": True,
        "resource_type_associations": [{"name": "OS::Vendor::Thing", "prefix": "v_"}],
        "properties": {"speed": {"title": "Speed", "type": "integer"}},
        "objects": [{"name": "Part", "properties": {"size": {"title": "Size", "type": "integer"}}}],
        "tags": [{"name": "old"}],
    })


def test_vendor_fixtures_load_with_progress_and_summary(db):
    out, _ = run("load_metadefs", FIXTURES)
    lines = out.strip().splitlines()
    count = Namespace.objects.count()
    assert count >= 20
    assert lines[0].startswith(f"[1/{count}] ")
    assert lines[-1] == f"Loaded {count} file(s) from {FIXTURES}: {count} created"
    used = set(ResourceType.objects.values_list("name", flat=True))
    assert {"OS::Glance::Image", "OS::Nova::Flavor", "OS::Cinder::Volume", "OS::Nova::Aggregate",
            "OS::Nova::Server"} <= used
    assert ResourceType.objects.filter(protected=False).count() == 0
    assert run("load_metadefs", FIXTURES)[0].strip().endswith(f"{count} skipped")


def test_loaddata_reads_the_same_files(db):
    out, _ = run("loaddata", "vendor_namespaces")
    files = len(list(__import__("pathlib").Path(FIXTURES).glob("*.json")))
    assert f"Installed {files} object(s)" in out
    assert Namespace.objects.count() == files


def test_bad_file_is_reported_by_name_and_line_and_the_rest_load(db, tmp_path, vendor_file):
    (tmp_path / "broken.json").write_text('{\n  "namespace": "X",\n  "properties": {,}\n}')
    write(tmp_path / "invalid.json", {"namespace": "Y", "properties": {"p": {"title": "P", "type": "integer",
                                                                           "minimum": 3, "maximum": 1}}})
    with pytest.raises(CommandError, match="2 file"):
        call_command("load_metadefs", str(tmp_path), stdout=StringIO(), stderr=(err := StringIO()))
    errors = err.getvalue()
    assert "broken.json: line 3 column" in errors
    assert "invalid.json" in errors and "minimum (3) is greater than maximum (1)" in errors
    assert list(Namespace.objects.values_list("namespace", flat=True)) == ["OS::Vendor::Sample"]
    assert not Namespace.objects.filter(namespace="Y").exists()


def changed(vendor_file):
    document = json.loads(vendor_file.read_text())
    document["display_name"] = "New"
    document["properties"] = {"speed": {"title": "Speed", "type": "number"}, "depth": {"title": "D", "type": "string"}}
    document["tags"] = [{"name": "new"}]
    document["objects"] = []
    return write(vendor_file, document)


def test_default_skips_existing(db, vendor_file):
    run("load_metadefs", str(vendor_file))
    run("load_metadefs", str(changed(vendor_file)))
    namespace = Namespace.objects.get()
    assert namespace.display_name == "Sample" and namespace.properties.count() == 1


def test_merge_adds_missing_keeps_existing(db, vendor_file):
    run("load_metadefs", str(vendor_file))
    out, _ = run("load_metadefs", str(changed(vendor_file)), "--merge")
    assert out.strip().endswith("1 merged")
    namespace = Namespace.objects.get()
    assert namespace.display_name == "Sample"
    assert Property.objects.get(name="speed").schema["type"] == "integer"
    assert Property.objects.filter(name="depth").exists()
    assert sorted(namespace.tags.values_list("name", flat=True)) == ["new", "old"]


def test_merge_prefer_new_updates(db, vendor_file):
    run("load_metadefs", str(vendor_file))
    run("load_metadefs", str(changed(vendor_file)), "--merge", "--prefer-new")
    assert Namespace.objects.get().display_name == "New"
    assert Property.objects.get(name="speed").schema["type"] == "number"


def test_merge_overwrite_replaces(db, vendor_file):
    run("load_metadefs", str(vendor_file))
    run("load_metadefs", str(changed(vendor_file)), "--merge", "--overwrite")
    namespace = Namespace.objects.get()
    assert namespace.display_name == "New"
    assert list(namespace.tags.values_list("name", flat=True)) == ["new"]
    assert not namespace.metadef_objects.exists()


def test_document_not_matching_the_schema_is_reported_and_changes_nothing(db, tmp_path):
    write(tmp_path / "wrong.json", {"namespace": "Z", "properties": ["a"]})
    with pytest.raises(CommandError):
        call_command("load_metadefs", str(tmp_path), stdout=StringIO(), stderr=(err := StringIO()))
    assert "wrong.json" in err.getvalue() and "properties" in err.getvalue()
    assert not Namespace.objects.exists()


def test_mode_flags_need_merge(db, vendor_file):
    with pytest.raises(CommandError, match="only apply with --merge"):
        run("load_metadefs", str(vendor_file), "--overwrite")


def test_missing_path_is_an_error(db):
    with pytest.raises(CommandError, match="no such file"):
        run("load_metadefs", "/nonexistent/dir")


def test_load_export_load_gives_the_same_catalog(db, tmp_path):
    run("load_metadefs", FIXTURES)
    run("export_metadefs", str(tmp_path / "a"))
    out, _ = run("unload_metadefs")
    assert Namespace.objects.count() == 0 and "Unloaded" in out
    run("load_metadefs", str(tmp_path / "a"))
    run("export_metadefs", str(tmp_path / "b"))
    first = {p.name: json.loads(p.read_text()) for p in (tmp_path / "a").iterdir()}
    second = {p.name: json.loads(p.read_text()) for p in (tmp_path / "b").iterdir()}
    assert first == second and len(first) == Namespace.objects.count()
