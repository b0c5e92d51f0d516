"""Schemathesis hooks for runs against this service (tests/e2e/schemathesis.toml names this module).

The image PATCH media types are JSON documents that schemathesis has no serializer for: send them
as JSON, with their own Content-Type (the two named in the description's PATCH /v2/images/{id})."""
import schemathesis

schemathesis.serializer.alias(["application/openstack-images-v2.1-json-patch",
                               "application/openstack-images-v2.0-json-patch"], "application/json")


@schemathesis.hook
def map_body(context, body):
    """Upload, patch and delete of a created image are reached (stateful links) only when it can take
    data: a create body without formats gets the ones a client sends; what was generated stays."""
    if context.operation is not None and context.operation.label == "POST /v2/images" and isinstance(body, dict):
        if body.get("disk_format") is None and body.get("container_format") is None:
            body.update(disk_format="raw", container_format="bare")
    return body


DATA_ROUTES = ("PUT /v2/images/{image_id}/file", "PUT /v2/images/{image_id}/stage")


@schemathesis.hook
def map_case(context, case):
    """A valid x-openstack-image-size that is not the body's length makes every upload a 400 and the
    chain never gets past it: such a size becomes the body's (invalid ones stay, they are the test)."""
    if context.operation is None or context.operation.label not in DATA_ROUTES or not case.headers:
        return case
    size = case.headers.get("x-openstack-image-size")
    if isinstance(size, int) and size >= 0 and isinstance(case.body, (bytes, str)):
        case.headers["x-openstack-image-size"] = len(case.body if isinstance(case.body, bytes) else case.body.encode())
    return case
