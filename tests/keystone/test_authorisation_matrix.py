"""Who may do what, with real Keystone tokens against the keystone-mode server: the whole matrix.

Project alpha owns the images (made by alpha-member for each test). The cloud admin may do
everything; alpha's member works on its project's images; alpha's reader only reads; beta's
member does not even see alpha's private images (404), and nobody without a valid token gets
past authentication (401).
"""
import json
import uuid
from functools import cached_property

import pytest

pytestmark = [pytest.mark.keystone, pytest.mark.e2e]

IMAGES = "/v2/images"
NAMESPACES = "/v2/metadefs/namespaces"
PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}
OCTETS = {"Content-Type": "application/octet-stream"}
CALLERS = ("admin", "alpha-member", "alpha-reader", "beta-member", "no-token", "garbage-token", "revoked-token")


@pytest.fixture(scope="session")
def caller_tokens(tokens, identities):
    """Each caller's X-Auth-Token (None: send none)."""
    revoked = identities["alpha-member"].new_token()
    admin = identities["admin"].session()
    reply = admin.delete("/auth/tokens", endpoint_filter={"service_type": "identity", "interface": "public"},
                         headers={"X-Subject-Token": revoked}, raise_exc=False)
    assert reply.status_code == 204, reply.text
    return {**{user: tokens[user] for user in CALLERS[:4]}, "no-token": None,
            "garbage-token": "gAAAAA-not-a-token", "revoked-token": revoked}


class Alpha:
    """Project alpha's images, each made by alpha-member when a test first uses it."""

    def __init__(self, http, token):
        self.http, self.token = http, token

    def image(self, visibility="private", data=None):
        reply = self.http("POST", IMAGES, self.token, {"name": f"matrix-{uuid.uuid4().hex[:8]}",
                                                         "visibility": visibility, "disk_format": "raw",
                                                         "container_format": "bare"})
        assert reply.status == 201, reply.body
        image_id = reply.json()["id"]
        if data is not None:
            assert self.http("PUT", f"{IMAGES}/{image_id}/file", self.token, data=data, headers=OCTETS).status == 204
        return image_id

    @cached_property
    def queued(self):
        return self.image()

    @cached_property
    def active(self):
        return self.image(data=b"alpha's data")

    @cached_property
    def shared(self):
        return self.image("shared")


def rename(http, token, image_id):
    operations = json.dumps([{"op": "replace", "path": "/name", "value": "renamed"}]).encode()
    return http("PATCH", f"{IMAGES}/{image_id}", token, data=operations, headers=PATCH)


def publicize(http, token, image_id):
    operations = json.dumps([{"op": "replace", "path": "/visibility", "value": "public"}]).encode()
    return http("PATCH", f"{IMAGES}/{image_id}", token, data=operations, headers=PATCH)


OPERATIONS = {
    # operation: (request, status for admin, alpha-member, alpha-reader, beta-member; 401 for the rest)
    "list": (lambda h, t, a: h("GET", IMAGES, t), (200, 200, 200, 200)),
    "show": (lambda h, t, a: h("GET", f"{IMAGES}/{a.queued}", t), (200, 200, 200, 404)),
    "create": (lambda h, t, a: h("POST", IMAGES, t, {"name": "matrix-new"}), (201, 201, 403, 201)),
    "patch": (lambda h, t, a: rename(h, t, a.queued), (200, 200, 403, 404)),
    "publicize": (lambda h, t, a: publicize(h, t, a.queued), (200, 403, 403, 404)),
    "upload": (lambda h, t, a: h("PUT", f"{IMAGES}/{a.queued}/file", t, data=b"data", headers=OCTETS),
               (204, 204, 403, 404)),
    "download": (lambda h, t, a: h("GET", f"{IMAGES}/{a.active}/file", t), (200, 200, 403, 404)),
    "delete": (lambda h, t, a: h("DELETE", f"{IMAGES}/{a.queued}", t), (204, 204, 403, 404)),
    "share": (lambda h, t, a: h("POST", f"{IMAGES}/{a.shared}/members", t, {"member": "some-project"}),
              (200, 200, 403, 404)),
    "metadef write": (lambda h, t, a: h("POST", NAMESPACES, t, {"namespace": f"Matrix::{uuid.uuid4().hex[:8]}"}),
                      (201, 403, 403, 403)),
    "usage": (lambda h, t, a: h("GET", "/v2/info/usage", t), (200, 200, 200, 200)),
}
MATRIX = [pytest.param(operation, caller, (statuses + (401, 401, 401))[index], id=f"{operation}-{caller}")
          for operation, (_, statuses) in OPERATIONS.items() for index, caller in enumerate(CALLERS)]


@pytest.mark.parametrize("operation, caller, expected", MATRIX)
def test_matrix(http, tokens, caller_tokens, operation, caller, expected):
    request, _ = OPERATIONS[operation]
    reply = request(http, caller_tokens[caller], Alpha(http, tokens["alpha-member"]))
    assert reply.status == expected, reply.body


def test_a_refusal_names_the_rule(http, tokens):
    image_id = Alpha(http, tokens["alpha-member"]).queued
    reply = http("DELETE", f"{IMAGES}/{image_id}", tokens["alpha-reader"])
    assert reply.json() == {"message": "You are not authorized to complete delete_image action.",
                            "code": "403 Forbidden", "title": "Forbidden"}


def test_reader_lists_its_projects_images_beta_does_not(http, tokens):
    image_id = Alpha(http, tokens["alpha-member"]).queued
    listed = {image["id"] for image in http("GET", f"{IMAGES}?limit=1000", tokens["alpha-reader"]).json()["images"]}
    assert image_id in listed
    listed = {image["id"] for image in http("GET", f"{IMAGES}?limit=1000", tokens["beta-member"]).json()["images"]}
    assert image_id not in listed


def test_glance_usage_with_only_os_variables(os_cli):
    output = os_cli("glance", "alpha-member")("usage").stdout
    for quota in ("image_size_total", "image_stage_total", "image_count_total", "image_count_uploading"):
        assert quota in output
