"""The metadefs admin through HTTP, as a logged-in superuser.

Forms are posted back the way a browser would send them (`submitted`), so
the tests exercise the real change forms and inline formsets.
"""
import html
import io
import json
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.forms import CheckboxInput
from django.urls import reverse

from metadefs import services
from metadefs.admin import namespace_file_text
from metadefs.models import MetadefObject, Namespace, Property, ResourceType, ResourceTypeAssociation, Tag
from metadefs.selectors import namespaces_for_export
from metadefs.vendor import namespace_export
from project.auth.context import admin_context

CHANGELIST = reverse("admin:metadefs_namespace_changelist")
ADD = reverse("admin:metadefs_namespace_add")
IMPORT = reverse("admin:metadefs_namespace_import")
INLINE_PREFIXES = ("resource_type_associations", "properties", "metadef_objects", "tags")

SAMPLE = {
    "namespace": "OS::Test::Sample",
    "display_name": "Sample",
    "description": "Namespace used by the admin tests.",
    "resource_type_associations": [{"name": "OS::Nova::Flavor", "prefix": "hw:"}],
    "properties": {"cpu_policy": {"title": "CPU policy", "type": "string", "enum": ["shared", "dedicated"],
                                  "default": "shared"}},
    "objects": [{"name": "Topology", "description": "CPU topology", "required": ["sockets"],
                 "properties": {"sockets": {"title": "Sockets", "type": "integer", "minimum": 1}}}],
    "tags": [{"name": "fast"}, {"name": "cheap"}],
}


@pytest.fixture
def admin_client(db, client, django_user_model):
    """pytest-django's admin_client without hashing a password (a second per test): force_login needs none."""
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.com", password=None))
    return client


def create(document):
    return services.namespace_create(context=admin_context(), document=document)


@pytest.fixture
def sample(db):
    return create(SAMPLE)


@pytest.fixture
def protected(db):
    return create({**SAMPLE, "namespace": "OS::Test::Protected", "protected": True})


def change_url(namespace):
    return reverse("admin:metadefs_namespace_change", args=[namespace.pk])


def page(response):
    """The page's text as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def submitted(response):
    """What a browser posts back, unchanged, for the change form rendered in `response`."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if isinstance(field.field.widget, CheckboxInput):
                if value:
                    data[field.html_name] = "on"
            elif value is not None:
                data[field.html_name] = value
    return data


def add_row(data, inline, **fields):
    index = int(data[f"{inline}-TOTAL_FORMS"])
    data.update({f"{inline}-{index}-{name}": value for name, value in fields.items()})
    data[f"{inline}-TOTAL_FORMS"] = str(index + 1)
    return data


def row_index(data, prefix, name):
    return next(key.split("-")[1] for key, value in data.items()
                if key.startswith(f"{prefix}-") and key.endswith("-name") and value == name)


def add_form(client, **fields):
    data = submitted(client.get(ADD))
    data.update(fields)
    return data


# --- changelist -------------------------------------------------------------

@pytest.fixture
def catalog(db):
    create({"namespace": "Alpha", "display_name": "First one", "visibility": "public",
            "resource_type_associations": [{"name": "OS::Glance::Image"}]})
    create({"namespace": "Beta", "description": "about GPUs", "protected": True,
            "resource_type_associations": [{"name": "OS::Nova::Flavor"}, {"name": "OS::Glance::Image"}]})
    create({"namespace": "Gamma"})


def listed(client, query=""):
    response = client.get(CHANGELIST + query)
    assert response.status_code == 200
    return [namespace.namespace for namespace in response.context["cl"].result_list]


def test_changelist_shows_the_columns(admin_client, catalog):
    text = page(admin_client.get(CHANGELIST))
    for header in ("Namespace", "Display name", "Visibility", "Protected", "Owner", "Resource types", "Updated at"):
        assert header in text
    assert "OS::Nova::Flavor, OS::Glance::Image" in text
    assert reverse("admin:metadefs_namespace_import") in text


@pytest.mark.parametrize("query, expected", [
    ("", ["Alpha", "Beta", "Gamma"]),
    ("?visibility__exact=public", ["Alpha"]),
    ("?protected__exact=1", ["Beta"]),
    ("?protected__exact=0", ["Alpha", "Gamma"]),
    ("?q=alp", ["Alpha"]),
    ("?q=first", ["Alpha"]),
    ("?q=gpus", ["Beta"]),
])
def test_changelist_filters_and_search(admin_client, catalog, query, expected):
    assert listed(admin_client, query) == expected


def test_changelist_filters_by_resource_type(admin_client, catalog):
    flavor, image = (ResourceType.objects.get(name=name).pk for name in ("OS::Nova::Flavor", "OS::Glance::Image"))
    key = "resource_type_associations__resource_type__id__exact"
    assert listed(admin_client, f"?{key}={flavor}") == ["Beta"]
    assert listed(admin_client, f"?{key}={image}") == ["Alpha", "Beta"]


def test_changelist_costs_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries, catalog):
    with django_assert_max_num_queries(12) as few:
        admin_client.get(CHANGELIST)
    for index in range(20):
        create({"namespace": f"more-{index:02d}", "resource_type_associations": [{"name": "OS::Cinder::Volume"}]})
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(CHANGELIST)


# --- create and change ------------------------------------------------------

def test_create_namespace_with_a_property(admin_client):
    data = add_form(admin_client, namespace="OS::Admin::Made", display_name="Made here", visibility="public")
    add_row(data, "properties", name="cpu_policy",
            schema='{"title": "CPU policy", "type": "string", "enum": ["shared", "dedicated"], "default": "shared"}')
    add_row(data, "tags", name="fast")
    response = admin_client.post(ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    namespace = Namespace.objects.get(namespace="OS::Admin::Made")
    assert namespace_export(namespaces_for_export().get(pk=namespace.pk)) == {
        "namespace": "OS::Admin::Made", "display_name": "Made here", "visibility": "public", "protected": False,
        "owner": "admin", "resource_type_associations": [], "objects": [], "tags": [{"name": "fast"}],
        "properties": {"cpu_policy": {"title": "CPU policy", "type": "string", "enum": ["shared", "dedicated"],
                                      "default": "shared"}},
    }


def test_property_definition_is_edited_as_pretty_json(admin_client, sample):
    assert '{\n  "title": "CPU policy",\n  "type": "string",\n  "enum": [\n    "shared",' in (
        page(admin_client.get(change_url(sample))))


UNUSABLE = "Property 'broken' is not a usable definition: "
BAD_DEFINITIONS = [
    ('{"title": "T", "type": "string", "pattern": "("}', "Invalid property 'broken': 'pattern': '(' is not a 'regex'"),
    ('{"title": "T", "type": "integer", "minimum": 1, "default": 0}',
     UNUSABLE + "default 0 does not satisfy the definition (0 is less than the minimum of 1)"),
    ('{"title": "T", "type": "integer", "minimum": 5, "maximum": 1}',
     UNUSABLE + "minimum (5) is greater than maximum (1)"),
    ('{"type": "string"}', "Invalid property 'broken': 'title' is a required property"),
    ('{"title": "T"}', "Invalid property 'broken': 'type' is a required property"),
    ('{"title": "T", "type": "string"', "Enter a valid JSON."),
    ('["not", "an", "object"]', "Property 'broken': the definition must be a JSON object."),
]


@pytest.mark.parametrize("definition, reason", BAD_DEFINITIONS)
def test_bad_property_definition_is_a_form_error_and_saves_nothing(admin_client, definition, reason):
    data = add_form(admin_client, namespace="OS::Admin::Bad")
    add_row(data, "properties", name="good", schema='{"title": "Good", "type": "string"}')
    add_row(data, "properties", name="broken", schema=definition)
    response = admin_client.post(ADD, data)
    assert response.status_code == 200
    assert reason in page(response)
    assert not Namespace.objects.exists() and not Property.objects.exists()


def test_bad_object_property_is_named(admin_client, sample):
    data = submitted(admin_client.get(change_url(sample)))
    add_row(data, "metadef_objects", name="Memory", required="size",
            properties='{"size": {"title": "Size", "type": "integer", "minimum": 2, "maximum": 1}}')
    response = admin_client.post(change_url(sample), data)
    assert response.status_code == 200
    assert "Property 'size' is not a usable definition: minimum (2) is greater than maximum (1)" in page(response)
    assert not MetadefObject.objects.filter(name="Memory").exists()


def test_change_goes_through_the_services(admin_client, sample):
    data = submitted(admin_client.get(change_url(sample)))
    data["display_name"] = "Renamed"
    data[f"properties-{row_index(data, 'properties', 'cpu_policy')}-schema"] = '{"title": "CPU", "type": "string"}'
    data[f"tags-{row_index(data, 'tags', 'fast')}-name"] = "faster"
    add_row(data, "metadef_objects", name="Memory", required="size, page",
            properties='{"size": {"title": "Size", "type": "integer"}, "page": {"title": "Page", "type": "string"}}')
    add_row(data, "resource_type_associations",
            resource_type=services.resource_type_get_or_create("OS::Glance::Image").pk, prefix="hw_")
    response = admin_client.post(change_url(sample), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    document = namespace_export(namespaces_for_export().get(pk=sample.pk))
    assert document["display_name"] == "Renamed"
    assert document["properties"] == {"cpu_policy": {"title": "CPU", "type": "string"}}
    assert document["tags"] == [{"name": "cheap"}, {"name": "faster"}]
    assert document["objects"][0] == {"name": "Memory", "description": None, "required": ["size", "page"],
                                      "properties": {"size": {"title": "Size", "type": "integer"},
                                                     "page": {"title": "Page", "type": "string"}}}
    assert document["resource_type_associations"] == [{"name": "OS::Nova::Flavor", "prefix": "hw:"},
                                                       {"name": "OS::Glance::Image", "prefix": "hw_"}]


def test_refusal_at_save_time_is_shown_on_the_form_and_saves_nothing(admin_client, sample, monkeypatch):
    """Another writer takes a tag name after the forms were validated: the service's refusal wins.

    The wrapper only makes the race deterministic; both writes are the real ones.
    """
    real_tag_create = services.tag_create

    def tag_create_after_another_writer(*, context, namespace, name):
        Tag.objects.create(namespace=namespace, name=name)
        return real_tag_create(context=context, namespace=namespace, name=name)

    monkeypatch.setattr(services, "tag_create", tag_create_after_another_writer)
    data = submitted(admin_client.get(change_url(sample)))
    data["display_name"] = "Not saved"
    add_row(data, "tags", name="contested")
    response = admin_client.post(change_url(sample), data)
    assert response.status_code == 200
    text = page(response)
    assert "Tag contested already exists in namespace OS::Test::Sample." in text
    assert 'value="contested"' in text and 'value="Not saved"' in text
    assert Namespace.objects.get(pk=sample.pk).display_name == "Sample"
    assert sorted(Tag.objects.filter(namespace=sample).values_list("name", flat=True)) == ["cheap", "fast"]


def test_saved_associations_are_read_only(admin_client, sample):
    data = submitted(admin_client.get(change_url(sample)))
    data["resource_type_associations-0-prefix"] = "changed:"
    assert admin_client.post(change_url(sample), data).status_code == 302
    assert ResourceTypeAssociation.objects.get(namespace=sample).prefix == "hw:"


def test_duplicate_namespace_name_is_a_form_error(admin_client, sample):
    response = admin_client.post(ADD, add_form(admin_client, namespace="OS::Test::Sample"))
    assert response.status_code == 200
    assert "Namespace with this Namespace already exists." in page(response)


def test_inline_delete_of_unprotected_children(admin_client, sample):
    data = submitted(admin_client.get(change_url(sample)))
    for prefix, name in (("properties", "cpu_policy"), ("tags", "fast"), ("metadef_objects", "Topology")):
        data[f"{prefix}-{row_index(data, prefix, name)}-DELETE"] = "on"
    data["resource_type_associations-0-DELETE"] = "on"
    assert admin_client.post(change_url(sample), data).status_code == 302
    assert list(Tag.objects.filter(namespace=sample).values_list("name", flat=True)) == ["cheap"]
    assert not Property.objects.filter(namespace=sample).exists()
    assert not MetadefObject.objects.filter(namespace=sample).exists()
    assert not ResourceTypeAssociation.objects.filter(namespace=sample).exists()


# --- protected namespaces ---------------------------------------------------

def test_protected_namespace_has_no_delete_button(admin_client, protected, sample):
    assert reverse("admin:metadefs_namespace_delete", args=[protected.pk]) not in (
        admin_client.get(change_url(protected)).content.decode())
    assert reverse("admin:metadefs_namespace_delete", args=[sample.pk]) in (
        admin_client.get(change_url(sample)).content.decode())


@pytest.mark.parametrize("method", ["get", "post"])
def test_protected_namespace_delete_is_refused(admin_client, protected, method):
    url = reverse("admin:metadefs_namespace_delete", args=[protected.pk])
    response = getattr(admin_client, method)(url, {"post": "yes"})
    assert response.status_code == 302 and response["Location"] == change_url(protected)
    assert texts(response) == ["Namespace OS::Test::Protected is protected and cannot be deleted."]
    assert Namespace.objects.filter(pk=protected.pk).exists()


def test_bulk_delete_with_a_protected_namespace_deletes_nothing(admin_client, protected, sample):
    response = admin_client.post(CHANGELIST, {"action": "delete_selected", "post": "yes",
                                              "_selected_action": [protected.pk, sample.pk]})
    assert response.status_code == 302
    assert texts(response) == ["Namespace OS::Test::Protected is protected and cannot be deleted."]
    assert Namespace.objects.count() == 2


def test_bulk_delete_of_unprotected_namespaces(admin_client, sample):
    other = create({"namespace": "Other"})
    selected = {"action": "delete_selected", "_selected_action": [sample.pk, other.pk]}
    confirmation = admin_client.post(CHANGELIST, selected)
    assert confirmation.status_code == 200 and "Are you sure you want to delete" in page(confirmation)
    response = admin_client.post(CHANGELIST, {**selected, "post": "yes"})
    assert texts(response) == ["Successfully deleted 2 namespaces."]
    assert not Namespace.objects.exists() and not Property.objects.exists()


def test_single_delete_of_unprotected_namespace(admin_client, sample):
    response = admin_client.post(reverse("admin:metadefs_namespace_delete", args=[sample.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Namespace.objects.exists() and not Tag.objects.exists()


@pytest.mark.parametrize("prefix, name", [("properties", "cpu_policy"), ("tags", "fast"),
                                          ("metadef_objects", "Topology"),
                                          ("resource_type_associations", None)])
def test_inline_delete_in_protected_namespace_is_refused(admin_client, protected, prefix, name):
    data = submitted(admin_client.get(change_url(protected)))
    index = row_index(data, prefix, name) if name else "0"
    data[f"{prefix}-{index}-DELETE"] = "on"
    data["description"] = "this change must not be saved either"
    response = admin_client.post(change_url(protected), data)
    assert response.status_code == 200
    assert "Namespace OS::Test::Protected is protected and cannot be deleted." in page(response)
    assert namespace_export(namespaces_for_export().get(pk=protected.pk)) == {
        **SAMPLE, "namespace": "OS::Test::Protected", "visibility": "private", "protected": True, "owner": "admin",
        "tags": [{"name": "cheap"}, {"name": "fast"}],
    }


def test_unprotecting_and_deleting_children_at_once_is_refused(admin_client, protected):
    data = submitted(admin_client.get(change_url(protected)))
    data.pop("protected")
    data[f"tags-{row_index(data, 'tags', 'fast')}-DELETE"] = "on"
    assert admin_client.post(change_url(protected), data).status_code == 200
    assert Namespace.objects.get(pk=protected.pk).protected
    assert Tag.objects.filter(namespace=protected).count() == 2


# --- export -----------------------------------------------------------------

def export(client, *namespaces):
    return client.post(CHANGELIST, {"action": "export_namespaces",
                                    "_selected_action": [namespace.pk for namespace in namespaces]})


def test_export_one_namespace_is_a_json_file(admin_client, sample):
    response = export(admin_client, sample)
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="OS-Test-Sample.json"'
    assert json.loads(response.content) == {**SAMPLE, "visibility": "private", "protected": False,
                                            "owner": "admin", "tags": [{"name": "cheap"}, {"name": "fast"}]}


def test_export_several_namespaces_is_a_zip_of_files(admin_client, sample, protected):
    response = export(admin_client, sample, protected)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="metadef-namespaces.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == ["OS-Test-Protected.json", "OS-Test-Sample.json"]
    documents = {name: json.loads(archive.read(name)) for name in archive.namelist()}
    assert documents["OS-Test-Protected.json"]["protected"] is True
    assert documents["OS-Test-Sample.json"]["properties"] == SAMPLE["properties"]


def test_export_matches_export_metadefs_files(admin_client, sample, tmp_path):
    from django.core.management import call_command
    call_command("export_metadefs", str(tmp_path), stdout=io.StringIO())
    assert export(admin_client, sample).content.decode() == (tmp_path / "OS-Test-Sample.json").read_text()
    assert namespace_file_text(namespaces_for_export().get(pk=sample.pk)).endswith("}\n")


# --- import -----------------------------------------------------------------

FILE_VERSION = {
    "namespace": "OS::Test::Sample",
    "display_name": "From the file",
    "properties": {"cpu_policy": {"title": "CPU policy (new)", "type": "string"},
                   "cpu_threads": {"title": "Threads", "type": "integer", "minimum": 1}},
    "tags": [{"name": "fast"}, {"name": "new"}],
}


def upload(client, name, content, mode):
    file = io.BytesIO(content.encode() if isinstance(content, str) else content)
    file.name = name
    return client.post(IMPORT, {"file": file, "mode": mode})


def results(response):
    assert response.status_code == 200
    return [(r.file, r.outcome, r.detail) for r in response.context["results"]]


def stored(name="OS::Test::Sample"):
    document = namespace_export(namespaces_for_export().get(namespace=name))
    return {key: document.get(key) for key in ("display_name", "properties", "tags")}


def test_import_page_is_linked_and_offers_the_modes(admin_client):
    text = page(admin_client.get(IMPORT))
    for mode in ("skip", "merge", "prefer_new", "overwrite"):
        assert f'value="{mode}"' in text


def test_import_creates_a_missing_namespace(admin_client):
    response = upload(admin_client, "sample.json", json.dumps(SAMPLE), "skip")
    assert results(response) == [("sample.json", "created", "OS::Test::Sample")]
    assert texts(response) == ["Imported 1 file(s): 1 created."]
    assert stored()["properties"] == SAMPLE["properties"]
    assert ResourceType.objects.get(name="OS::Nova::Flavor").protected


@pytest.mark.parametrize("mode, outcome, expected", [
    ("skip", "skipped", {
        "display_name": "Sample", "properties": SAMPLE["properties"],
        "tags": [{"name": "cheap"}, {"name": "fast"}]}),
    ("merge", "merged", {
        "display_name": "Sample",
        "properties": {**SAMPLE["properties"], "cpu_threads": FILE_VERSION["properties"]["cpu_threads"]},
        "tags": [{"name": "cheap"}, {"name": "fast"}, {"name": "new"}]}),
    ("prefer_new", "updated", {
        "display_name": "From the file", "properties": FILE_VERSION["properties"],
        "tags": [{"name": "cheap"}, {"name": "fast"}, {"name": "new"}]}),
    ("overwrite", "created", {
        "display_name": "From the file", "properties": FILE_VERSION["properties"],
        "tags": [{"name": "fast"}, {"name": "new"}]}),
])
def test_import_modes(admin_client, sample, mode, outcome, expected):
    response = upload(admin_client, "sample.json", json.dumps(FILE_VERSION), mode)
    assert results(response) == [("sample.json", outcome, "OS::Test::Sample")]
    assert stored() == expected


def test_import_zip_reports_each_file_and_errors_name_file_and_line(admin_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("vendor/a-good.json", json.dumps(SAMPLE, indent=4))
        archive.writestr("vendor/b-broken.json", '{\n  "namespace": "Broken",\n  "display_name": oops\n}\n')
        archive.writestr("vendor/c-bad-property.json", json.dumps(
            {"namespace": "BadProperty", "properties": {"p": {"title": "P", "type": "string", "pattern": "("}}}))
        archive.writestr("vendor/README.txt", "not a namespace")
    response = upload(admin_client, "vendor.zip", buffer.getvalue(), "merge")
    assert results(response) == [
        ("vendor.zip/vendor/a-good.json", "created", "OS::Test::Sample"),
        ("vendor.zip/vendor/b-broken.json", "failed", "line 3 column 19: Expecting value"),
        ("vendor.zip/vendor/c-bad-property.json", "failed",
         "Invalid namespace 'BadProperty': 'properties/p/pattern': '(' is not a 'regex'"),
    ]
    assert texts(response) == ["Imported 3 file(s): 1 created, 2 failed."]
    text = page(response)
    assert "vendor.zip/vendor/b-broken.json" in text and "line 3 column 19" in text
    assert list(Namespace.objects.values_list("namespace", flat=True)) == ["OS::Test::Sample"]


def test_import_zip_keeps_only_base_names_of_members(admin_client, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../escape.json", json.dumps({"namespace": "Escaped"}))
    assert results(upload(admin_client, "evil.zip", buffer.getvalue(), "skip")) == [
        ("evil.zip/../../escape.json", "created", "Escaped")]


@pytest.mark.parametrize("name, content, error", [
    ("notes.txt", "hello", "Upload a .json namespace file or a .zip of them."),
])
def test_import_rejects_other_files(admin_client, name, content, error):
    response = upload(admin_client, name, content, "skip")
    assert response.status_code == 200 and response.context["results"] is None
    assert error in page(response)


def test_import_of_a_corrupt_zip_is_reported(admin_client):
    assert results(upload(admin_client, "broken.zip", b"PK not really", "skip")) == [
        ("broken.zip", "failed", "not a zip archive")]


def test_import_of_a_non_namespace_json(admin_client):
    assert results(upload(admin_client, "list.json", "[1, 2]", "skip")) == [
        ("list.json", "failed", "not a metadef namespace document (no 'namespace' key)")]


def test_import_of_a_malformed_namespace_document_is_reported(admin_client):
    found = results(upload(admin_client, "weird.json", '{"namespace": "Weird", "properties": ["a"]}', "skip"))
    assert [(file, outcome) for file, outcome, _ in found] == [("weird.json", "failed")]
    assert "properties" in found[0][2]
    assert not Namespace.objects.exists()


# --- resource types ---------------------------------------------------------

def test_resource_type_changelist(admin_client, sample):
    services.resource_type_get_or_create("OS::Vendor::Loaded", protected=True)
    response = admin_client.get(reverse("admin:metadefs_resourcetype_changelist"))
    rows = [(rt.name, rt.protected, rt.namespace_count) for rt in response.context["cl"].result_list]
    assert rows == [("OS::Nova::Flavor", False, 1), ("OS::Vendor::Loaded", True, 0)]


def test_protected_resource_type_cannot_be_deleted(admin_client):
    loaded = services.resource_type_get_or_create("OS::Vendor::Loaded", protected=True)
    spare = services.resource_type_get_or_create("OS::Vendor::Spare")
    change = reverse("admin:metadefs_resourcetype_change", args=[loaded.pk])
    assert reverse("admin:metadefs_resourcetype_delete", args=[loaded.pk]) not in (
        admin_client.get(change).content.decode())
    response = admin_client.post(reverse("admin:metadefs_resourcetype_delete", args=[loaded.pk]), {"post": "yes"},
                                 follow=True)
    assert response.redirect_chain == [(change, 302)]
    assert "Resource type OS::Vendor::Loaded is protected and cannot be deleted." in page(response)
    response = admin_client.post(reverse("admin:metadefs_resourcetype_changelist"), {
        "action": "delete_selected", "post": "yes", "_selected_action": [loaded.pk, spare.pk]})
    assert texts(response) == ["Resource type OS::Vendor::Loaded is protected and cannot be deleted."]
    assert ResourceType.objects.count() == 2
    admin_client.post(reverse("admin:metadefs_resourcetype_delete", args=[spare.pk]), {"post": "yes"})
    assert list(ResourceType.objects.values_list("name", flat=True)) == ["OS::Vendor::Loaded"]


def test_resource_type_add_and_protect(admin_client):
    response = admin_client.post(reverse("admin:metadefs_resourcetype_add"),
                                 {"name": "OS::Admin::Type", "protected": "on"})
    assert response.status_code == 302
    assert ResourceType.objects.get(name="OS::Admin::Type").protected


def test_the_enforced_flag_is_set_in_the_admin_and_stays_off_the_wire(admin_client, sample, api):
    data = submitted(admin_client.get(change_url(sample)))
    assert "enforced" not in data
    data["enforced"] = "on"
    response = admin_client.post(change_url(sample), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    sample.refresh_from_db()
    assert sample.enforced is True
    assert "enforced" not in api.get(f"/v2/metadefs/namespaces/{sample.namespace}").json()
    del data["enforced"]
    assert admin_client.post(change_url(sample), data).status_code == 302
    sample.refresh_from_db()
    assert sample.enforced is False
