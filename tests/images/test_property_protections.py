"""PROPERTY_PROTECTION_FILE: who may create, read, update and delete which custom properties."""
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import JsonResponse

from images.models import Image
from project.auth.middleware import RequestContextMiddleware
from tests.conftest import Api
from tests.images.conftest import IMAGES, create, image_url, patch

SAMPLE = Path(__file__).parent / "data" / "property-protections.conf"


@pytest.fixture(autouse=True)
def protections(settings):
    settings.PROPERTY_PROTECTION_FILE = str(SAMPLE)


@pytest.fixture
def reader(db):
    return Api().as_("tenant-a", "reader")


@pytest.fixture
def labelled(api):
    """tenant-a's image, made by the admin with a protected property of each kind."""
    return create(api, owner="tenant-a", name="labelled", x_billing_code="B-42", x_ops_note="flaky host",
                  x_frozen_os="linux", distro="debian")


def custom(body):
    return {key: value for key, value in body.items() if key.startswith("x_") or key == "distro"}


def reserved(name):
    return {"message": f"Attribute '{name}' is reserved.", "code": "403 Forbidden", "title": "Forbidden"}


def test_create_needs_the_create_role_and_changes_nothing_when_refused(owner):
    response = owner.post(IMAGES, {"name": "x", "x_ops_note": "mine"})
    assert (response.status_code, response.json()) == (403, reserved("x_ops_note"))
    assert not Image.objects.exists()
    assert owner.post(IMAGES, {"name": "x", "x_frozen_os": "linux", "distro": "debian"}).status_code == 201


def test_admin_sees_everything(api, labelled):
    assert custom(api.get(image_url(labelled["id"])).json()) == {
        "x_billing_code": "B-42", "x_ops_note": "flaky host", "x_frozen_os": "linux", "distro": "debian"}


@pytest.mark.parametrize("caller", ["owner", "reader"])
def test_unreadable_properties_are_left_out_of_show_and_list(request, labelled, caller):
    caller = request.getfixturevalue(caller)
    expected = {"x_billing_code": "B-42", "x_frozen_os": "linux", "distro": "debian"}
    assert custom(caller.get(image_url(labelled["id"])).json()) == expected
    assert [custom(image) for image in caller.get(IMAGES).json()["images"]] == [expected]


@pytest.mark.parametrize("operation, name, status, message", [
    # readable, but only admins may update it; nobody may delete it
    ({"op": "replace", "value": "B-1"}, "x_billing_code", 403, reserved("x_billing_code")),
    ({"op": "add", "value": "B-1"}, "x_billing_code", 403, reserved("x_billing_code")),
    ({"op": "remove"}, "x_billing_code", 403, reserved("x_billing_code")),
    # written once: no updates
    ({"op": "replace", "value": "bsd"}, "x_frozen_os", 403, reserved("x_frozen_os")),
    # unreadable: it does not exist for the member, who may not create it either
    ({"op": "replace", "value": "x"}, "x_ops_note", 409, None),
    ({"op": "remove"}, "x_ops_note", 409, None),
    ({"op": "add", "value": "x"}, "x_ops_note", 403, reserved("x_ops_note")),
])
def test_member_patches_are_checked_per_property(owner, api, labelled, operation, name, status, message):
    response = patch(owner, labelled["id"], [{**operation, "path": f"/{name}"}])
    assert response.status_code == status, response.content
    if message:
        assert response.json() == message
    # Nothing changed, hidden properties included.
    assert custom(api.get(image_url(labelled["id"])).json()) == custom(labelled)


def test_what_the_member_may_do(owner, api, labelled):
    response = patch(owner, labelled["id"], [
        {"op": "replace", "path": "/distro", "value": "ubuntu"},
        {"op": "add", "path": "/x_frozen_arch", "value": "x86_64"},
    ])
    assert response.status_code == 200, response.content
    assert custom(api.get(image_url(labelled["id"])).json()) == {
        "x_billing_code": "B-42", "x_ops_note": "flaky host", "x_frozen_os": "linux", "x_frozen_arch": "x86_64",
        "distro": "ubuntu"}


def test_nobody_means_nobody_even_the_admin(api, labelled):
    assert patch(api, labelled["id"], [{"op": "remove", "path": "/x_billing_code"}]).status_code == 403
    assert patch(api, labelled["id"], [{"op": "replace", "path": "/x_billing_code", "value": "B-7"}]).status_code \
        == 200


def test_a_property_no_section_matches_may_not_be_touched(settings, tmp_path, api):
    path = tmp_path / "narrow.conf"
    path.write_text("[^x_.*]\ncreate = @\nread = @\nupdate = @\ndelete = @\n")
    settings.PROPERTY_PROTECTION_FILE = str(path)
    assert api.post(IMAGES, {"x_anything": "1"}).status_code == 201
    assert api.post(IMAGES, {"distro": "debian"}).json() == reserved("distro")


@pytest.mark.parametrize("text, problem", [
    ("[x_(]\ncreate = @\nread = @\nupdate = @\ndelete = @\n", "section [x_(]: not a valid regular expression"),
    ("[.*]\ncreate = @\nread = @\nupdate = @\ndelete = @\ncraete = admin\n", "section [.*], key 'craete': unknown"),
    ("[.*]\ncreate = admin,!\nread = @\nupdate = @\ndelete = @\n", "section [.*], key 'create': '!' (nobody)"),
    ("[.*]\ncreate = @\nread = @\nupdate = @\n", "section [.*], key 'delete': missing"),
    ("create = @\n", "is not a valid INI file"),
])
def test_a_bad_file_stops_the_start_up_naming_file_section_and_key(settings, tmp_path, text, problem):
    path = tmp_path / "protections.conf"
    path.write_text(text)
    settings.PROPERTY_PROTECTION_FILE = str(path)
    with pytest.raises(ImproperlyConfigured) as error:
        RequestContextMiddleware(lambda request: JsonResponse({}))
    assert f"PROPERTY_PROTECTION_FILE {path}" in str(error.value) and problem in str(error.value)


def test_a_file_without_sections_protects_nothing(settings, tmp_path, owner):
    path = tmp_path / "empty.conf"
    path.write_text("# nothing protected yet\n")
    settings.PROPERTY_PROTECTION_FILE = str(path)
    assert owner.post(IMAGES, {"x_ops_note": "mine"}).status_code == 201
