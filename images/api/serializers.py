"""Image and member bodies exactly as Glance v2 writes them."""
from django.conf import settings

from images.locations import location_metadata
from project.api.wire import isotime

IMAGE_FIELDS = (
    "name", "disk_format", "container_format", "visibility", "size", "virtual_size", "status", "checksum",
    "protected", "min_ram", "min_disk", "owner", "os_hidden", "os_hash_algo", "os_hash_value",
)


def image_href(image_id, subresource=""):
    return f"/v2/images/{image_id}/{subresource}" if subresource else f"/v2/images/{image_id}"


def image_body(image):
    """Custom properties flattened at top level, then every base field (null when unset).

    Expects `shown_properties` (those the caller may read) and `tag_values` attached (selectors.with_details).
    """
    body = dict(image.shown_properties)
    body.update({field: getattr(image, field) for field in IMAGE_FIELDS})
    body.update({
        "id": image.pk,
        "created_at": isotime(image.created_at),
        "updated_at": isotime(image.updated_at),
        "tags": image.tag_values,
        "self": image_href(image.pk),
        "file": image_href(image.pk, "file"),
        "schema": "/v2/schemas/image",
    })
    if getattr(image, "store_ids", None):  # only attached when several stores are configured
        body["stores"] = ",".join(image.store_ids)
    _add_locations(body, image)
    return body


def _add_locations(body, image):
    """`locations` and `direct_url`, each behind its setting (Glance's show_multiple_locations and
    show_image_direct_url)."""
    copies = getattr(image, "shown_locations", None)
    if settings.SHOW_MULTIPLE_LOCATIONS and copies is not None:
        body["locations"] = [{"url": copy.url, "metadata": location_metadata(copy)} for copy in copies]
    if settings.SHOW_IMAGE_DIRECT_URL and copies:
        body["direct_url"] = copies[0].url


def member_body(member):
    return {
        "member_id": member.member,
        "image_id": member.image_id,
        "status": member.status,
        "created_at": isotime(member.created_at),
        "updated_at": isotime(member.updated_at),
        "schema": "/v2/schemas/member",
    }
