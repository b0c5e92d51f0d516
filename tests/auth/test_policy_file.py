"""POLICY_FILE: an operator's oslo.policy YAML overrides Glance's defaults; mistakes stop the start-up."""
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import JsonResponse

from project.auth.middleware import RequestContextMiddleware
from project.auth.policy.defaults import CHECK_STRINGS
from tests.conftest import Api
from tests.images.conftest import IMAGES, PATCH_V21, create, image_url

NAMESPACES = "/v2/metadefs/namespaces"
MEMBER = Api().as_("tenant-a", "member")


@pytest.fixture
def policy_file(tmp_path, settings):
    """`policy_file(text)`: POLICY_FILE with that content."""
    def write(text):
        path = tmp_path / "policy.yaml"
        path.write_text(text)
        settings.POLICY_FILE = str(path)
        return path
    return write


def start_up():
    return RequestContextMiddleware(lambda request: JsonResponse({}))


def publicize(caller, image_id):
    return caller.patch(image_url(image_id), [{"op": "replace", "path": "/visibility", "value": "public"}],
                        content_type=PATCH_V21)


def test_a_rule_in_the_file_replaces_the_default(db, policy_file):
    image = create(MEMBER, name="x")
    assert publicize(MEMBER, image["id"]).status_code == 403
    policy_file('"publicize_image": "role:admin or role:member"\n')
    start_up()
    response = publicize(MEMBER, image["id"])
    assert (response.status_code, response.json()["visibility"]) == (200, "public")


def test_rules_the_file_does_not_name_keep_their_defaults(db, policy_file):
    policy_file('"publicize_image": "role:admin or role:member"\n')
    assert Api().as_("tenant-a", "reader").post(IMAGES, {"name": "x"}).status_code == 403
    assert MEMBER.post(NAMESPACES, {"namespace": "X"}).status_code == 403


def test_aliases_defined_in_the_file_can_be_used_by_rules(db, policy_file):
    policy_file('"catalog_editors": "role:admin or role:catalog_editor"\n'
                '"metadef_admin": "rule:catalog_editors"\n')
    editor = Api().as_("tenant-a", "reader,catalog_editor")
    assert editor.post(NAMESPACES, {"namespace": "Edited::By::Role", "visibility": "public"}).status_code == 201
    assert editor.delete(f"{NAMESPACES}/Edited::By::Role").status_code == 204
    assert MEMBER.post(NAMESPACES, {"namespace": "X"}).status_code == 403


def test_deny_everyone(db, policy_file):
    policy_file('"get_images": "!"\n')
    assert Api().get(IMAGES).status_code == 403


def test_context_is_admin_decides_who_sees_everything(db, policy_file):
    image = create(MEMBER, name="private", visibility="private")
    policy_file('"context_is_admin": "role:cloud_admin"\n')
    cloud_admin = Api().as_("ops", "cloud_admin")
    assert cloud_admin.get(image_url(image["id"])).status_code == 200
    # role:admin alone is now an ordinary member of its project: tenant-a's private image is hidden.
    assert Api().as_("ops", "admin").get(image_url(image["id"])).status_code == 404


def test_check_strings_read_image_properties(db, policy_file):
    """As in Glance, a rule may test the image's custom properties (the target's keys)."""
    policy_file('"delete_image": "rule:context_is_admin or (role:member and project_id:%(project_id)s '
                'and \'yes\':%(deletable)s)"\n')
    keep, scrap = create(MEMBER, name="keep"), create(MEMBER, name="scrap", deletable="yes")
    assert MEMBER.delete(image_url(keep["id"])).status_code == 403
    assert MEMBER.delete(image_url(scrap["id"])).status_code == 204


def test_a_glance_policy_file_loads_even_for_rules_without_endpoints_here(policy_file):
    policy_file("".join(f'"{name}": "role:admin"\n' for name in CHECK_STRINGS if name != "context_is_admin"))
    start_up()


@pytest.mark.parametrize("text, expected", [
    ('"publicise_image": "role:admin"\n', "unknown rule name(s) 'publicise_image'"),
    ('"get_images": "role:reader and or"\n', "rule 'get_images' has a check string oslo.policy cannot parse"),
    ('"get_images": "rule:readers_of_images"\n',
     "rule 'get_images' refers to rule:readers_of_images, which is not defined"),
    ('"a": "rule:b"\n"b": "rule:a"\n"get_images": "rule:a"\n', "a cycle of rule: references"),
    ("- get_images\n", "must map rule names to check strings"),
    ('"get_images": [role:reader\n', "is not valid YAML"),
])
def test_mistakes_stop_the_start_up_naming_file_and_rule(policy_file, text, expected):
    path = policy_file(text)
    with pytest.raises(ImproperlyConfigured) as error:
        start_up()
    assert str(path) in str(error.value) and expected in str(error.value)


def test_missing_file_stops_the_start_up(settings, tmp_path):
    settings.POLICY_FILE = str(tmp_path / "nowhere.yaml")
    with pytest.raises(ImproperlyConfigured, match="nowhere.yaml cannot be read"):
        start_up()


@pytest.fixture
def policy_server():
    """A policy decision server for http: checks, answering True; records what it was asked."""
    asked = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            asked.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"True")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/decide", asked
    server.shutdown()
    thread.join()


def test_http_checks_are_asked_every_time(db, policy_file, policy_server):
    url, asked = policy_server
    policy_file(f'"get_images": "{url}"\n')
    caller = Api().as_("tenant-a", "observer")
    assert caller.get(IMAGES).status_code == 200
    assert caller.get(IMAGES).status_code == 200
    assert len(asked) == 2
