"""The OpenAPI description of the image records, their data, tags and members.

Schemas come from images/schemas.py (what /v2/schemas/image and the others serve and what
validates requests); what an answer always carries comes from the serializers. The import,
task, info, store and cache routes are in openapi_import.py.
"""
from images import patch, schemas, services
from images.api import openapi_import
from images.api.serializers import IMAGE_FIELDS
from images.choices import NAME_MAX_LENGTH, RESERVED, RESERVED_PREFIX, MemberStatus
from images.selectors import SORT_KEYS
from project.api.openapi import (answer, choice, header, header_param, json_content, link, operation, path_param,
                                 paging_params, query_param, ref, request_body, served_schema, with_required)

TAG = "images"
IMAGE_ID = path_param("image_id", "The image's id.")
MEMBER_ID = path_param("member_id", "The member project's id.")
ALWAYS_SHOWN = (*IMAGE_FIELDS, "id", "created_at", "updated_at", "tags", "self", "file", "schema")
MEMBER_SHOWN = ("member_id", "image_id", "status", "created_at", "updated_at", "schema")

# RFC 6902's shape, as Glance's v2.1 dialect takes it (one-segment paths but /locations/N).
PATCH_V21 = {"type": "array", "items": {
    "type": "object",
    "properties": {"op": {"type": "string", "enum": list(patch.OPERATIONS)},
                   "path": {"type": "string", "pattern": "^/"}, "value": {}},
    "required": ["op", "path"],
}}
# The older draft: {"replace": "/name", "value": ...}.
PATCH_V20 = {"type": "array", "items": {
    "type": "object",
    "properties": {**{op: {"type": "string", "pattern": "^/"} for op in patch.OPERATIONS}, "value": {}},
    "minProperties": 1,
}}
DATA = {"type": "string", "format": "binary"}
IMAGE_LINK = {"image_id": "$response.body#/id"}
SAME_IMAGE = {"image_id": "$request.path.image_id"}


def create_schema(image):
    """The served image schema with what POST /v2/images refuses besides (images/services.py): reserved
    names, negative or 64-bit minimums."""
    properties = {name: value for name, value in image["properties"].items() if name not in RESERVED}
    for name in ("min_ram", "min_disk"):
        properties[name] = {**properties[name], "minimum": 0, "maximum": services.INT_MAX}
    names = {"maxLength": NAME_MAX_LENGTH, "not": {"anyOf": [{"enum": sorted(RESERVED)},
                                                             {"pattern": f"^{RESERVED_PREFIX}"}]}}
    return {**image, "properties": properties, "propertyNames": names}


def image_schemas(components):
    """Image, Images, Member, Members, Task, Tasks: the served documents, answers' required keys added."""
    image = served_schema(schemas.image_schema(), "Image", components)
    components["ImageCreate"] = create_schema(image)
    components["Image"] = with_required(image, ALWAYS_SHOWN)
    images = served_schema(schemas.images_schema(), "Images", components)
    images["properties"]["images"]["items"] = ref("Image")
    components["Images"] = with_required(images, ("images", "first", "schema"))
    components["Member"] = with_required(served_schema(schemas.MEMBER, "Member", components), MEMBER_SHOWN)
    members = served_schema(schemas.MEMBERS, "Members", components)
    members["properties"]["members"]["items"] = ref("Member")
    components["Members"] = with_required(members, ("members", "schema"))
    components["ImagePatchV21"], components["ImagePatchV20"] = PATCH_V21, PATCH_V20


def image_links():
    """What a client can do with the image it just created (schemathesis' stateful runs follow these)."""
    return {name: link(operation_id, IMAGE_LINK) for name, operation_id in (
        ("GetImage", "showImage"), ("UpdateImage", "updateImage"), ("UploadData", "uploadImageData"),
        ("StageData", "stageImageData"), ("AddTag", "addImageTag"), ("ShareImage", "createImageMember"),
        ("ListMembers", "listImageMembers"), ("DeleteImage", "deleteImage"))}


def _created_headers():
    return {
        "Location": header("URL of the new image."),
        "OpenStack-image-import-methods": header("The import methods offered (IMPORT_METHODS), comma-separated; "
                                                 "absent when none is.", required=False),
        "OpenStack-image-store-ids": header("The stores an upload may name, with several stores.", required=False),
    }


def list_filters():
    """GET /v2/images filters (images/filters.py); any other key matches a custom property exactly."""
    text = ("name", "id", "status", "container_format", "disk_format", "owner", "checksum", "os_hash_algo",
            "os_hash_value", "created_at", "updated_at")
    numbers = ("size", "virtual_size", "min_disk", "min_ram", "size_min", "size_max")
    return [
        *(query_param(name, f"Filter on {name} (in:a,b / gt:, gte:, lt:, lte:, neq: where Glance has them).")
          for name in text),
        *(query_param(name, f"Filter on {name}.", {"type": "integer"}) for name in numbers),
        query_param("protected", "true or false.", choice("true", "false")),
        query_param("os_hidden", "true or false (hidden images are listed only when asked).",
                    choice("true", "false", "True", "False")),
        query_param("visibility", "Scope of the listing.", choice("public", "private", "shared", "community", "all")),
        query_param("member_status", "With visibility=shared: the caller's membership status.",
                    choice(*MemberStatus.values, "all")),
        query_param("tag", "Images that carry every tag given.", {"type": "array", "items": {"type": "string"}},
                    explode=True),
    ]


def record_paths():
    image, images = ref("Image"), ref("Images")
    return {
        "/v2/images": {
            "get": operation("listImages", "List images", TAG, {200: answer("A page of images.", images)}, 400, 401,
                             403, params=[*paging_params(SORT_KEYS, multiple=True), *list_filters()]),
            "post": operation("createImage", "Create an image record (queued)", TAG, {
                201: answer("The new image.", image, headers=_created_headers(), links=image_links())},
                400, 401, 403, 409, 413, body=request_body(json_content(ref("ImageCreate")))),
        },
        "/v2/images/{image_id}": {
            "parameters": [IMAGE_ID],
            "get": operation("showImage", "Show an image", TAG, {200: answer("The image.", image)}, 401, 404),
            "patch": operation("updateImage", "Change an image with a JSON patch", TAG, {
                200: answer("The image as changed.", image)}, 400, 401, 403, 404, 409, 413, 415,
                body=request_body({patch.V21: ref("ImagePatchV21"), patch.V20: ref("ImagePatchV20")})),
            "delete": operation("deleteImage", "Delete an image and its data", TAG, {204: answer("Deleted.")},
                                400, 401, 403, 404, 409),
        },
        **{f"/v2/images/{{image_id}}/actions/{action}": {"parameters": [IMAGE_ID], "post": operation(
            f"{action}Image", f"{action.capitalize()} an image (administrators)", TAG,
            {204: answer("Done.")}, 400, 401, 403, 404, 409)} for action in ("deactivate", "reactivate")},
        "/v2/images/{image_id}/tags/{tag}": {
            "parameters": [IMAGE_ID, path_param("tag", "The tag.")],
            "put": operation("addImageTag", "Tag an image", TAG, {204: answer("Tagged.")}, 400, 401, 403, 404, 413),
            "delete": operation("removeImageTag", "Remove a tag", TAG, {204: answer("Removed.")}, 400, 401, 403, 404),
        },
    }


def _download():
    data_headers = {"Content-Length": header("Bytes sent."),
                    "Content-MD5": header("The image's checksum (md5), when it has data.", required=False)}
    ranged = {**data_headers, "Content-Range": header("bytes first-last/size.")}
    return operation("downloadImageData", "Download the image data", "image data", {
        200: answer("The data.", DATA, headers=data_headers, media_type="application/octet-stream"),
        206: answer("The range asked for.", DATA, headers=ranged, media_type="application/octet-stream"),
        204: answer("The image has no data.")}, 400, 401, 403, 404, 416, 503,
        params=[header_param("Range", "bytes=first-last (one range).")])


def _upload_params():
    return [header_param("X-Image-Meta-Store", "With several stores: the store to upload to."),
            header_param("x-openstack-image-size", "Size of the data, when sent chunked.",
                         {"type": "integer", "minimum": 0})]


def data_paths():
    return {"/v2/images/{image_id}/file": {
        "parameters": [IMAGE_ID],
        "get": _download(),
        "put": operation("uploadImageData", "Upload the image data (queued -> active)", "image data", {
            204: answer("Stored; the image is active.", links={
                "Download": link("downloadImageData", SAME_IMAGE), "GetImage": link("showImage", SAME_IMAGE),
                "DeleteImage": link("deleteImage", SAME_IMAGE)})},
            400, 401, 403, 404, 409, 410, 413, 415, 503, params=_upload_params(),
            body=request_body({"application/octet-stream": DATA})),
    }}


def member_paths():
    member, tag = ref("Member"), "image members"
    return {
        "/v2/images/{image_id}/members": {
            "parameters": [IMAGE_ID],
            "get": operation("listImageMembers", "List the projects an image is shared with", tag, {
                200: answer("The members.", ref("Members"))}, 401, 403, 404),
            "post": operation("createImageMember", "Share an image with a project", tag, {
                200: answer("The new member.", member, links={"GetMember": link("showImageMember", {
                    "image_id": "$request.path.image_id", "member_id": "$response.body#/member_id"})})},
                400, 401, 403, 404, 409, 413, body=request_body(json_content({
                    "type": "object", "properties": {"member": {"type": "string", "minLength": 1, "maxLength": 255}},
                    "required": ["member"]}))),
        },
        "/v2/images/{image_id}/members/{member_id}": {
            "parameters": [IMAGE_ID, MEMBER_ID],
            "get": operation("showImageMember", "Show a membership", tag, {200: answer("The member.", member)},
                             401, 403, 404),
            "put": operation("updateImageMember", "Accept or reject a shared image (the member project)", tag, {
                200: answer("The member.", member)}, 400, 401, 403, 404, body=request_body(json_content({
                    "type": "object", "properties": {"status": {"type": "string", "enum": list(MemberStatus.values)}},
                    "required": ["status"]}))),
            "delete": operation("deleteImageMember", "Stop sharing with a project", tag, {204: answer("Removed.")},
                                401, 403, 404),
        },
    }


def paths(components):
    """Every route of images/api/urls.py."""
    image_schemas(components)
    return {**record_paths(), **data_paths(), **member_paths(), **openapi_import.paths(components)}
