"""Glance's secure-RBAC defaults, rule by rule, through HTTP (noauth headers select the caller).

The table is the specification: for each operation, the status each kind of caller gets.
Callers: the cloud admin; a member and a reader of tenant-a (which owns the images); a member
of tenant-b, with which the shared image is shared; a member of tenant-c, which sees nothing
of tenant-a's; a tenant-a user whose only role means nothing to the rules.
"""
from functools import cached_property

import pytest

from tests.conftest import Api
from tests.images.conftest import IMAGES, PATCH_V21, create, image_url, upload

NAMESPACES = "/v2/metadefs/namespaces"
CALLERS = {
    "admin": Api(),
    "member": Api().as_("tenant-a", "member"),
    "reader": Api().as_("tenant-a", "reader"),
    "sharee": Api().as_("tenant-b", "member"),
    "stranger": Api().as_("tenant-c", "member"),
    "roleless": Api().as_("tenant-a", "observer"),
}
ORDER = tuple(CALLERS)


class World:
    """tenant-a's images and a public namespace, each made when a test first asks for it."""

    owner = CALLERS["member"]

    def image(self, visibility="private", data=b"image data"):
        image = create(self.owner, name=visibility, visibility=visibility, disk_format="raw",
                       container_format="bare")
        if data is not None:
            assert upload(self.owner, image["id"], data).status_code == 204
        return image["id"]

    @cached_property
    def private(self):
        return self.image()

    @cached_property
    def queued(self):
        return self.image(data=None)

    @cached_property
    def shared(self):
        image_id = self.image("shared")
        assert self.owner.post(image_url(image_id, "members"), {"member": "tenant-b"}).status_code == 200
        answer = CALLERS["sharee"].put(image_url(image_id, "members", "tenant-b"), {"status": "accepted"})
        assert answer.status_code == 200
        return image_id

    @cached_property
    def deactivated(self):
        image_id = self.image()
        assert CALLERS["admin"].post(image_url(image_id, "actions", "deactivate")).status_code == 204
        return image_id

    @cached_property
    def namespace(self):
        response = CALLERS["admin"].post(NAMESPACES, {"namespace": "Policy::Public", "visibility": "public"})
        assert response.status_code == 201
        return f"{NAMESPACES}/Policy::Public"


def rename(caller, image_id, name="renamed"):
    return caller.patch(image_url(image_id), [{"op": "replace", "path": "/name", "value": name}],
                        content_type=PATCH_V21)


def set_visibility(caller, image_id, visibility):
    return caller.patch(image_url(image_id), [{"op": "replace", "path": "/visibility", "value": visibility}],
                        content_type=PATCH_V21)


OPERATIONS = {
    # operation: (request, statuses for admin, member, reader, sharee, stranger, roleless)
    "get_images": (lambda c, w: c.get(IMAGES), (200, 200, 200, 200, 200, 403)),
    "get_image": (lambda c, w: c.get(image_url(w.private)), (200, 200, 200, 404, 404, 404)),
    "get_image shared": (lambda c, w: c.get(image_url(w.shared)), (200, 200, 200, 200, 404, 404)),
    "add_image": (lambda c, w: c.post(IMAGES, {"name": "new"}), (201, 201, 403, 201, 201, 403)),
    "modify_image": (lambda c, w: rename(c, w.private), (200, 200, 403, 404, 404, 404)),
    "modify_image shared": (lambda c, w: rename(c, w.shared), (200, 200, 403, 403, 404, 404)),
    "modify_image tag": (lambda c, w: c.put(image_url(w.private, "tags", "t")), (204, 204, 403, 404, 404, 404)),
    "publicize_image": (lambda c, w: set_visibility(c, w.private, "public"), (200, 403, 403, 404, 404, 404)),
    "communitize_image": (lambda c, w: set_visibility(c, w.private, "community"), (200, 200, 403, 404, 404, 404)),
    "delete_image": (lambda c, w: c.delete(image_url(w.private)), (204, 204, 403, 404, 404, 404)),
    "upload_image": (lambda c, w: upload(c, w.queued, b"x"), (204, 204, 403, 404, 404, 404)),
    "download_image": (lambda c, w: c.get(image_url(w.private, "file")), (200, 200, 403, 404, 404, 404)),
    "download_image shared": (lambda c, w: c.get(image_url(w.shared, "file")), (200, 200, 403, 200, 404, 404)),
    "deactivate": (lambda c, w: c.post(image_url(w.private, "actions", "deactivate")),
                   (204, 204, 403, 404, 404, 404)),
    "reactivate": (lambda c, w: c.post(image_url(w.deactivated, "actions", "reactivate")),
                   (204, 204, 403, 404, 404, 404)),
    "add_member": (lambda c, w: c.post(image_url(w.shared, "members"), {"member": "tenant-d"}),
                   (200, 200, 403, 403, 404, 404)),
    "get_members": (lambda c, w: c.get(image_url(w.shared, "members")), (200, 200, 200, 200, 404, 404)),
    "get_member": (lambda c, w: c.get(image_url(w.shared, "members", "tenant-b")), (200, 200, 200, 200, 404, 404)),
    "modify_member": (lambda c, w: c.put(image_url(w.shared, "members", "tenant-b"), {"status": "rejected"}),
                      (200, 403, 403, 200, 404, 404)),
    "delete_member": (lambda c, w: c.delete(image_url(w.shared, "members", "tenant-b")),
                      (204, 204, 403, 403, 404, 404)),
    "get_metadef_namespaces": (lambda c, w: c.get(NAMESPACES), (200, 200, 200, 200, 200, 403)),
    "get_metadef_namespace": (lambda c, w: c.get(w.namespace), (200, 200, 200, 200, 200, 404)),
    "add_metadef_namespace": (lambda c, w: c.post(NAMESPACES, {"namespace": "Policy::New"}),
                              (201, 403, 403, 403, 403, 403)),
    "add_metadef_property": (lambda c, w: c.post(f"{w.namespace}/properties",
                                                 {"name": "p", "title": "P", "type": "string"}),
                             (201, 403, 403, 403, 403, 404)),
    "delete_metadef_namespace": (lambda c, w: c.delete(w.namespace), (204, 403, 403, 403, 403, 404)),
    "list_metadef_resource_types": (lambda c, w: c.get("/v2/metadefs/resource_types"),
                                    (200, 200, 200, 200, 200, 403)),
    "usage": (lambda c, w: c.get("/v2/info/usage"), (200, 200, 200, 200, 200, 200)),
}
CASES = [pytest.param(operation, caller, statuses[index], id=f"{operation}-{caller}")
         for operation, (_, statuses) in OPERATIONS.items() for index, caller in enumerate(ORDER)]


@pytest.mark.parametrize("operation, caller, expected", CASES)
def test_default_rules(db, operation, caller, expected):
    request, _ = OPERATIONS[operation]
    response = request(CALLERS[caller], World())
    assert response.status_code == expected, response.content


def test_refusal_names_the_rule_as_glance_does(db):
    image_id = World().private
    response = set_visibility(CALLERS["member"], image_id, "public")
    assert response.json() == {"message": "You are not authorized to complete publicize_image action.",
                               "code": "403 Forbidden", "title": "Forbidden"}
    assert CALLERS["reader"].delete(image_url(image_id)).json()["message"] == \
        "You are not authorized to complete delete_image action."
    assert CALLERS["roleless"].get(IMAGES).json()["message"] == \
        "You are not authorized to complete get_images action."


def test_what_the_caller_may_not_see_is_404_like_what_does_not_exist(db):
    image_id = World().private
    hidden = CALLERS["stranger"].delete(image_url(image_id)).json()
    missing = CALLERS["stranger"].delete(image_url("00000000-0000-0000-0000-000000000000")).json()
    assert hidden == {"message": f"No image found with ID {image_id}", "code": "404 Not Found",
                      "title": "Not Found"}
    assert missing["message"] == "No image found with ID 00000000-0000-0000-0000-000000000000"


def test_reader_cannot_create_images_but_sees_its_projects(db):
    image_id = World().private
    listed = [image["id"] for image in CALLERS["reader"].get(IMAGES).json()["images"]]
    assert listed == [image_id]
    response = CALLERS["reader"].post(IMAGES, {"name": "x"})
    assert response.json()["message"] == "You are not authorized to complete add_image action."


def test_member_cannot_create_for_another_project_but_admin_can(db):
    response = CALLERS["member"].post(IMAGES, {"owner": "tenant-z"})
    assert (response.status_code, response.json()["message"]) == (
        403, "You are not permitted to create images owned by 'tenant-z'")
    assert CALLERS["admin"].post(IMAGES, {"owner": "tenant-z"}).status_code == 201


def test_no_identity_headers_is_an_admin_and_roles_imply_lesser_roles(db):
    image_id = World().private
    assert Api().get(image_url(image_id)).status_code == 200
    # member implies reader (as Keystone's default implied roles): a member may list.
    assert Api().as_("tenant-a", "member").get(IMAGES).status_code == 200
    # admin implies member: an admin may upload into another project's image.
    queued = World().queued
    assert upload(Api().as_("ops", "admin"), queued, b"x").status_code == 204
