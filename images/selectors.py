"""Visibility-aware reads of images and memberships, shared by the API and the admin.

Glance's rules: admins see everything; other callers see public and
community images, their own, and shared images their project is a member
of. Lists are narrower than lookups by id: a community image appears in a
list only for its owner (or when asked for by visibility), and a shared
image only once its membership is accepted (unless member_status says
otherwise).
"""
from dataclasses import dataclass

from django.db.models import BigIntegerField, CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce

from images.choices import MemberStatus, Status, Visibility
from images.models import Image, ImageMember, ImageProperty, ImageTag
from project.auth import policy
from project.errors import Forbidden, NotFound

def with_details(images):
    """Attach `custom_properties` (name -> value, by name) and `tag_values` to each image.

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
    return images


def _membership(context, status=None):
    members = ImageMember.objects.filter(image=OuterRef("pk"), member=context.owner)
    if status is not None:
        members = members.filter(status=status)
    return Q(visibility=Visibility.SHARED) & Q(Exists(members))


def visible_q(context):
    """Images `context` may see by id (any membership status counts)."""
    if context.is_admin:
        return Q()
    visible = Q(visibility__in=[Visibility.PUBLIC, Visibility.COMMUNITY]) | Q(owner__isnull=True)
    if context.owner is not None:
        visible |= Q(owner=context.owner) | _membership(context)
    return visible


def listed_q(context, *, visibility=None, member_status=MemberStatus.ACCEPTED):
    """Images a list request shows `context`, before any other filter.

    `visibility` is the list filter ("all" or one visibility, None when
    absent); `member_status` selects shared images by membership ("all" for any).
    """
    if context.is_admin:
        scope = Q()
    else:
        scope = Q(visibility__in=[Visibility.PUBLIC, Visibility.COMMUNITY])
        if context.owner is not None:
            status = None if member_status == "all" else member_status
            scope |= Q(owner=context.owner) | _membership(context, status)
    return scope & _visibility_filter(context, visibility) & ~Q(status=Status.KILLED)


def _visibility_filter(context, visibility):
    if visibility == "all":
        return Q()
    if visibility is not None:
        return Q(visibility=visibility)
    # Without a visibility filter, community images are listed for their owner only.
    if context.owner is None:
        return ~Q(visibility=Visibility.COMMUNITY)
    return Q(owner=context.owner) | ~Q(visibility=Visibility.COMMUNITY)


SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at")
# Nullable sort keys compare as these values, so NULLs sort the same on every database.
NULL_SORTS_AS = {"name": ("", CharField), "container_format": ("", CharField),
                 "disk_format": ("", CharField), "size": (0, BigIntegerField)}


@dataclass(frozen=True)
class ImageOrder:
    """Sort keys with one direction each, always ending in created_at and id (a unique order)."""

    keys: tuple
    dirs: tuple

    @classmethod
    def of(cls, keys=(), dirs=()):
        keys, dirs = list(keys or ["created_at"]), list(dirs or ["desc"])
        default = dirs[0] if len(dirs) == 1 else "desc"
        dirs = dirs * len(keys) if len(dirs) == 1 else dirs
        for key in ("created_at", "id"):
            if key not in keys:
                keys.append(key)
                dirs.append(default)
        return cls(tuple(keys), tuple(dirs))

    def apply(self, queryset):
        annotations = {f"sort_{key}": self._expression(key) for key in self.keys if key in NULL_SORTS_AS}
        ordering = [F(self._column(key)).asc() if direction == "asc" else F(self._column(key)).desc()
                    for key, direction in zip(self.keys, self.dirs)]
        return queryset.annotate(**annotations).order_by(*ordering)

    def after(self, marker):
        """Rows after `marker` in this order: (k1 > m1) or (k1 = m1 and k2 > m2) or ..."""
        condition = Q()
        for index, (key, direction) in enumerate(zip(self.keys, self.dirs)):
            step = Q(**{f"{self._column(key)}__{'gt' if direction == 'asc' else 'lt'}": self._value(marker, key)})
            for earlier in self.keys[:index]:
                step &= Q(**{self._column(earlier): self._value(marker, earlier)})
            condition |= step
        return condition

    @staticmethod
    def _column(key):
        return f"sort_{key}" if key in NULL_SORTS_AS else key

    @staticmethod
    def _expression(key):
        default, field = NULL_SORTS_AS[key]
        return Coalesce(F(key), Value(default), output_field=field())

    @staticmethod
    def _value(marker, key):
        value = getattr(marker, key)
        return NULL_SORTS_AS[key][0] if value is None and key in NULL_SORTS_AS else value


def images_visible_to(context):
    return Image.objects.filter(visible_q(context))


def image_get(context, image_id, *, for_update=False, detail=True):
    """The image if `context` may see it (and get_image allows it); NotFound otherwise (never Forbidden).

    `detail` prefetches what image_body needs; a locked row never does.
    """
    images = images_visible_to(context)
    if for_update:
        images = images.select_for_update()
    try:
        image = images.get(pk=image_id)
    except Image.DoesNotExist:
        raise NotFound(f"No image found with ID {image_id}") from None
    policy.enforce_image(context, "get_image", image)
    if detail and not for_update:
        with_details([image])
    return image


def image_page(queryset, order, *, marker=None, limit):
    """One page of `queryset` in `order` (an ImageOrder), after the `marker` image."""
    rows = order.apply(queryset)
    if marker is not None:
        rows = rows.filter(order.after(marker))
    return with_details(list(rows[:limit]))


def members_visible_to(context, image):
    """The memberships of `image` the caller may see: all for its owner, else only its own."""
    members = ImageMember.objects.filter(image=image)
    if context.is_admin or (context.owner is not None and image.owner == context.owner):
        return members
    return members.filter(member=context.owner)


def member_get(context, image, member_id):
    """One membership, if get_member allows (Forbidden) and the caller may see it (NotFound)."""
    policy.enforce_image(context, "get_member", image)
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
    policy.enforce_image(context, "get_members", image)
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
