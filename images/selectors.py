"""Visibility-aware reads of images and memberships, shared by the API and the admin.

Who sees what is images.visibility; what a caller may read of an image's
properties is property protections. Bodies are built from what these attach.
"""
import re
from dataclasses import dataclass

from django.conf import settings

from images import access
from images.access import enforce_image
from images.choices import HIDDEN, LocationStatus, Visibility
from images.filters import images_listed
from images.models import Image, ImageLocation, ImageMember, ImageProperty, ImageTag
from images.stores import registry
from images.visibility import visible_q
from project.api.paging import SortOrder, next_marker, page, parse_limit, parse_sort
from project.auth import policy, property_protections
from project.errors import Forbidden, InvalidInput, NotFound

SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at")
NULLABLE_SORT_KEYS = ("name", "container_format", "disk_format", "size")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def with_details(images, context=None):
    """Attach `custom_properties` (name -> value, by name), `shown_properties` (those `context` may
    read) and `tag_values` to each image.

    Two queries of plain rows whatever the number of images: building a model
    instance for every property and tag was half of a list request's time.
    """
    by_id = {image.pk: image for image in images}
    for image in images:
        image.custom_properties, image.tag_values = {}, []
    properties = ImageProperty.objects.filter(image_id__in=by_id).order_by("name")
    for image_id, name, value in properties.values_list("image_id", "name", "value"):
        by_id[image_id].custom_properties[name] = value
    for image_id, value in ImageTag.objects.filter(image_id__in=by_id).order_by("id").values_list("image_id", "value"):
        by_id[image_id].tag_values.append(value)
    readable = property_protections.readable(context) if context is not None else None
    for image in images:
        image.shown_properties = {name: value for name, value in image.custom_properties.items()
                                  if name not in HIDDEN and (readable is None or readable(name))}
    if registry.several():
        _attach_stores(by_id)
    if settings.SHOW_IMAGE_DIRECT_URL or settings.SHOW_MULTIPLE_LOCATIONS:
        _attach_locations(by_id, context)
    return images


def _attach_locations(by_id, context):
    """`shown_locations`: the active copies, best first, for callers get_image_location allows (one query)."""
    for image in by_id.values():
        image.shown_locations = []
    copies = ImageLocation.objects.filter(image_id__in=by_id, status=LocationStatus.ACTIVE).order_by("id")
    weights = {store_id: entry.weight for store_id, entry in registry.entries().items()}
    for copy in sorted(copies, key=lambda copy: -weights.get(copy.store, -1)):
        by_id[copy.image_id].shown_locations.append(copy)
    for image in by_id.values():
        if context is not None and not access.image_allows(context, "get_image_location", image):
            image.shown_locations = []


def _attach_stores(by_id):
    """`store_ids`: the stores holding each image's data (one query), shown as `stores` with several stores."""
    for image in by_id.values():
        image.store_ids = []
    copies = ImageLocation.objects.filter(image_id__in=by_id, status=LocationStatus.ACTIVE).order_by("id")
    for image_id, store in copies.values_list("image_id", "store"):
        by_id[image_id].store_ids.append(store)


def images_visible_to(context):
    return Image.objects.filter(visible_q(context))


def canonical_id(image_id):
    """Ids are lowercase UUIDs: an upper-case spelling names the same image."""
    return image_id.lower() if isinstance(image_id, str) and UUID.fullmatch(image_id) else image_id


def image_get(context, image_id, *, for_update=False, detail=True):
    """The image if `context` may see it (and get_image allows it); NotFound otherwise (never Forbidden).

    `detail` prefetches what image_body needs; a locked row never does.
    """
    images = images_visible_to(context)
    if for_update:
        images = images.select_for_update()
    try:
        image = images.get(pk=canonical_id(image_id))
    except Image.DoesNotExist:
        raise NotFound(f"No image found with ID {image_id}") from None
    enforce_image(context, "get_image", image)
    if detail and not for_update:
        with_details([image], context)
    return image


@dataclass(frozen=True)
class ImagePage:
    images: list
    next_marker: str


def image_list(context, params):
    """GET /v2/images: the page `params` ask for (filters, sort, limit, marker), as `context` may see it."""
    policy.enforce(context, "get_images")
    limit = parse_limit(params)
    order = SortOrder.of(*parse_sort(params, SORT_KEYS, multiple=True), nullable=NULLABLE_SORT_KEYS)
    images = images_listed(params, context)
    rows = page(images, order, marker=_marker(context, params.get("marker")), limit=limit, ids_first=True)
    return ImagePage(with_details(rows, context), next_marker(rows, limit))


def _marker(context, marker_id):
    """The marker image, deleted ones included (as Glance: a page may end at an image deleted since)."""
    if marker_id is None:
        return None
    marker = Image.all_objects.filter(visible_q(context), pk=canonical_id(marker_id)).first()
    if marker is None:
        raise InvalidInput(f"No image found with ID {marker_id}")
    return marker


def members_visible_to(context, image):
    """The memberships of `image` the caller may see: all for its owner, else only its own."""
    members = ImageMember.objects.filter(image=image)
    if context.is_admin or (context.owner is not None and image.owner == context.owner):
        return members
    return members.filter(member=context.owner)


def member_get(context, image, member_id):
    """One membership, if get_member allows (Forbidden) and the caller may see it (NotFound)."""
    enforce_image(context, "get_member", image)
    try:
        return members_visible_to(context, image).get(member=member_id)
    except ImageMember.DoesNotExist:
        raise NotFound(_member_not_found(image, member_id)) from None


def _member_not_found(image, member_id):
    return f"{member_id} not found in the member list of the image {image.pk}."


def members_listed(context, image):
    """GET .../members: Forbidden unless the image is shared and get_members allows it."""
    if image.visibility != Visibility.SHARED:
        raise Forbidden(f"Not allowed to list members for image {image.pk}: only shared images have members.")
    enforce_image(context, "get_members", image)
    return members_visible_to(context, image)


def member_shown(context, image, member_id):
    """GET .../members/<id>: NotFound unless the image is shared and the caller may see the membership
    (as in Glance, a refusal is a 404 here, not to tell which memberships exist)."""
    if image.visibility != Visibility.SHARED:
        raise NotFound(_member_not_found(image, member_id))
    try:
        return member_get(context, image, member_id)
    except Forbidden:
        raise NotFound(_member_not_found(image, member_id)) from None
