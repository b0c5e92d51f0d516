"""Every write to images: records, patches, status changes, tags, sharing.

Each service takes the caller's RequestContext, checks the rule that guards
it, validates against the published schema and writes atomically; it raises
project.errors exceptions and never leaves partial work. Image data
(upload) is in data.py.
"""
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from images import access, cache, lifecycle, location_api, locations, quotas, schemas, selectors, store_info
from images.choices import (NAME_MAX_LENGTH, READ_ONLY, RESERVED, RESERVED_PREFIX, WRITABLE_BASE, LocationStatus,
                            Status, Visibility)
from images.models import Image, ImageMember, ImageProperty, ImageTag
from images.stores import registry
from metadefs import governance
from project.auth import property_protections
from project.errors import Conflict, Forbidden, InvalidInput, NotFound

CREATE_FORBIDDEN = ("direct_url", "self", "file", "schema", "stores")
CREATE_FIELDS = ("id", *WRITABLE_BASE)
FORMAT_FIELDS = ("disk_format", "container_format")
# The formats describe the data: fixed once data has been accepted.
FORMATS_EDITABLE_IN = (Status.QUEUED, Status.IMPORTING)


def locked_image(context, image_id):
    """The image row, locked for this transaction; NotFound if `context` may not see it."""
    return selectors.image_get(context, image_id, for_update=True)


def _save(image, *fields):
    image.updated_at = timezone.now()
    image.save(update_fields=[*fields, "updated_at"] if fields else None)


def _unique(values):
    return list(dict.fromkeys(values))


# --- records ----------------------------------------------------------------

@transaction.atomic
def image_create(*, context, document):
    """Register an image (status queued) from a POST body."""
    _check_create_document(document)
    fields = {key: document[key] for key in CREATE_FIELDS if key in document}
    # A null custom property (the schema file allows it for kernel_id, ramdisk_id) is one not set: values
    # are stored as text, and a read sees no value either way.
    properties = {key: value for key, value in document.items() if key not in CREATE_FIELDS and value is not None}
    tags = _unique(fields.pop("tags", []))
    fields.setdefault("owner", context.owner)
    if "id" in fields:
        fields["id"] = selectors.canonical_id(fields["id"])
    access.enforce_image_create(context, fields["owner"], fields.get("visibility", Visibility.SHARED))
    for name in properties:
        property_protections.enforce(context, name, "create")
    _check_minimums(fields)
    quotas.check_per_image(len(properties), 0, settings.IMAGE_PROPERTY_QUOTA, "properties")
    quotas.check_per_image(len(tags), 0, settings.IMAGE_TAG_QUOTA, "tags")
    quotas.enforce_image_count(fields["owner"])
    now = timezone.now()
    image = Image(**{"id": str(uuid.uuid4()), **fields}, created_at=now, updated_at=now)
    governance.enforce_image_properties(properties, image_id=image.id)
    _insert(image)
    ImageProperty.objects.bulk_create(ImageProperty(image=image, name=k, value=v) for k, v in properties.items())
    ImageTag.objects.bulk_create(ImageTag(image=image, value=tag) for tag in tags)
    return image


def _check_create_document(document):
    for key in CREATE_FORBIDDEN:
        if key in document:
            raise Forbidden(f"Attribute '{key}' is read-only.")
    schemas.validate(schemas.image_schema(), document)
    for key in document:
        if key in CREATE_FIELDS:
            continue
        if key in READ_ONLY:
            raise Forbidden(f"Attribute '{key}' is read-only.")
        _check_property_name(key)


def _check_property_name(name):
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput(f"Custom property should not be greater than {NAME_MAX_LENGTH} characters.")
    if name in RESERVED or name.startswith(RESERVED_PREFIX):
        raise Forbidden(f"Attribute '{name}' is reserved.")


INT_MAX = 2**31 - 1  # the columns are 32-bit on every database


def _check_minimums(fields):
    for name in ("min_disk", "min_ram"):
        value = fields.get(name) or 0
        if value < 0:
            raise InvalidInput(f"Invalid value '{value}' for parameter '{name}': Cannot be a negative value.")
        if value > INT_MAX:
            raise InvalidInput(f"Invalid value '{value}' for parameter '{name}': Cannot be above {INT_MAX}.")


def _insert(image):
    # Deleted images count: a deleted image's id is never given to another (OSSN-0075).
    if Image.all_objects.filter(pk=image.pk).exists():
        raise Conflict(f"Image with identifier {image.pk} already exists!")
    try:
        with transaction.atomic():
            image.save(force_insert=True)
    except IntegrityError:
        raise Conflict(f"Image with identifier {image.pk} already exists!") from None


@transaction.atomic
def image_update(*, context, image_id, changes):
    """Apply parsed patch changes (images.patch.Change) all together or not at all."""
    image = locked_image(context, image_id)
    draft = _Draft(image)
    for change in changes:
        if change.name == "locations":
            location_api.location_patch(context=context, image=image, change=change)
            continue
        _authorize_change(context, image, change)
        if change.is_base:
            _apply_base(context, draft, change)
        else:
            _apply_property(context, draft, change)
    if changes:
        draft.save()
    return image


def _authorize_change(context, image, change):
    # As Glance: each change is checked, a new visibility by its own rule first.
    if change.name == "visibility" and change.op != "remove":
        access.enforce_new_visibility(context, change.value, image)
    _ensure_modifiable(context, image)


def _ensure_modifiable(context, image):
    access.enforce_image(context, "modify_image", image)


def _apply_base(context, draft, change):
    name, value, image = change.name, change.value, draft.image
    if change.op == "add" and change.add_must_be_new:
        raise Conflict(f"Property {name} already present.")
    if name == "owner" and not context.is_admin:
        raise Forbidden("Owner can't be updated by non admin.")
    if name in FORMAT_FIELDS and image.status not in FORMATS_EDITABLE_IN:
        raise Forbidden(f"Attribute {name} can be only replaced for a queued image.")
    _check_minimums({name: value})
    if name == "tags":
        draft.tags = _unique(value)
    else:
        setattr(image, name, value)


def _apply_property(context, draft, change):
    # A property the caller may not read does not exist for it (property protections).
    name, properties = change.name, draft.properties
    exists = name in properties and property_protections.allows(context, name, "read")
    if change.op == "add" and exists and change.add_must_be_new:
        raise Conflict(f"Property {name} already present.")
    if change.op in ("replace", "remove") and not exists:
        raise Conflict(f"Property {name} does not exist.")
    if change.op == "remove":
        property_protections.enforce(context, name, "delete")
        del properties[name]
    elif change.value is None:  # null unsets it, as on create
        property_protections.enforce(context, name, "delete" if exists else "create")
        properties.pop(name, None)
    else:
        property_protections.enforce(context, name, "update" if exists else "create")
        properties[name] = change.value


class _Draft:
    """An image with its properties and tags, edited in memory and written once."""

    def __init__(self, image):
        self.image = image
        self.old_properties = {p.name: p.value for p in image.properties.all()}
        self.old_tags = [tag.value for tag in image.tags.all()]
        self.properties, self.tags = dict(self.old_properties), list(self.old_tags)

    def save(self):
        quotas.check_per_image(len(self.properties), len(self.old_properties), settings.IMAGE_PROPERTY_QUOTA,
                               "properties")
        quotas.check_per_image(len(self.tags), len(self.old_tags), settings.IMAGE_TAG_QUOTA, "tags")
        governance.enforce_image_properties({name: value for name, value in self.properties.items()
                                             if self.old_properties.get(name) != value}, image_id=self.image.pk)
        _save(self.image)
        self._save_properties()
        self._save_tags()

    def _save_properties(self):
        image, old, new = self.image, self.old_properties, self.properties
        ImageProperty.objects.filter(image=image, name__in=[name for name in old if name not in new]).delete()
        for name, value in new.items():
            if name in old and old[name] != value:
                ImageProperty.objects.filter(image=image, name=name).update(value=value)
        ImageProperty.objects.bulk_create(
            ImageProperty(image=image, name=name, value=value) for name, value in new.items() if name not in old)

    def _save_tags(self):
        image, old, new = self.image, self.old_tags, self.tags
        ImageTag.objects.filter(image=image, value__in=[tag for tag in old if tag not in new]).delete()
        ImageTag.objects.bulk_create(ImageTag(image=image, value=tag) for tag in new if tag not in old)


@transaction.atomic
def image_delete(*, context, image_id):
    """Mark the image deleted (its row stays, so the id is never reused) and remove its data once
    the transaction commits; with DELAYED_DELETE an image with data goes to pending_delete instead and
    keeps it until the scrubber's grace period is over (images.scrubber)."""
    image = locked_image(context, image_id)
    access.enforce_image(context, "delete_image", image)
    if image.protected:
        raise Forbidden(f"Image {image.pk} is protected and cannot be deleted.")
    delayed = settings.DELAYED_DELETE and image.locations.filter(status=LocationStatus.ACTIVE).exists()
    if not delayed:
        locations.copies_ensure_removable(image.locations.filter(status=LocationStatus.ACTIVE),
                                          f"Image {image.pk} could not be deleted because it is in use")
    lifecycle.transition(image, Status.PENDING_DELETE if delayed else Status.DELETED)
    image.deleted, image.deleted_at = True, timezone.now()
    _save(image, "status", "deleted", "deleted_at")
    if not delayed:
        locations.locations_retire(image)
    _uncache_on_commit(image)


def _uncache_on_commit(image):
    # Deleted or deactivated data must no longer be served from any node's cache (even when this
    # node has none: others may). Robust: the change has committed; a cache row a failure here leaves is
    # harmless (a deleted image is never served, a deactivated one keeps its data) and cache_clean removes it.
    transaction.on_commit(lambda: cache.image_uncache(image.pk), robust=True)


@transaction.atomic
def image_store_delete(*, context, image_id, store_id):
    """DELETE /v2/stores/{store_id}/{image_id}: remove the image's copy in one store, never its last.

    NotFound (404) without several stores or when the image has no copy there, Conflict (409) for a
    store not configured here or an image that is not active, Forbidden (403) for the last copy.
    """
    store_info.ensure_several_stores()
    if store_id not in registry.image_stores():
        raise Conflict(f"The selected store {store_id} is not available on this node.")
    image = locked_image(context, image_id)
    access.enforce_image(context, "get_image_location", image)
    access.enforce_image(context, "delete_image_location", image)
    if image.status != Status.ACTIVE:
        raise Conflict("It's not allowed to remove image data from store if image status is not 'active'")
    copies = list(image.locations.filter(status=LocationStatus.ACTIVE))
    if len(copies) == 1:
        raise Forbidden("Cannot delete image data from the only store containing it. Consider deleting the "
                        "image instead.")
    doomed = next((copy for copy in copies if copy.store == store_id), None)
    if doomed is None:
        raise NotFound(f"Image {image.pk} is not stored in store {store_id}.")
    locations.copies_ensure_removable([doomed], f"The data for Image {image.pk} could not be deleted because "
                                                "it is in use")
    locations.location_retire(doomed)
    _save(image)


# --- status actions -----------------------------------------------------------

@transaction.atomic
def image_deactivate(*, context, image_id):
    """active -> deactivated (data no longer downloadable by non-admins); a no-op when already so."""
    return _toggle(context, image_id, "deactivate", Status.ACTIVE, Status.DEACTIVATED)


@transaction.atomic
def image_reactivate(*, context, image_id):
    """deactivated -> active; a no-op when already active."""
    return _toggle(context, image_id, "reactivate", Status.DEACTIVATED, Status.ACTIVE)


def _toggle(context, image_id, action, source, target):
    image = locked_image(context, image_id)
    access.enforce_image(context, action, image)  # Glance's rules are named deactivate and reactivate
    if image.status == target:
        return image
    if image.status != source:
        raise Forbidden(f"Not allowed to {action} image in status '{image.status}'")
    lifecycle.transition(image, target)
    _save(image, "status")
    if target == Status.DEACTIVATED:
        _uncache_on_commit(image)
    return image


# --- tags -------------------------------------------------------------------

@transaction.atomic
def image_tag_add(*, context, image_id, tag):
    schemas.validate(schemas.image_schema(), {"tags": [tag]})
    image = locked_image(context, image_id)
    _ensure_modifiable(context, image)
    if ImageTag.objects.filter(image=image, value=tag).exists():
        return
    count = ImageTag.objects.filter(image=image).count() + 1
    quotas.check_per_image(count, count - 1, settings.IMAGE_TAG_QUOTA, "tags")
    ImageTag.objects.create(image=image, value=tag)
    _save(image)


@transaction.atomic
def image_tag_remove(*, context, image_id, tag):
    image = locked_image(context, image_id)
    _ensure_modifiable(context, image)
    deleted, _ = ImageTag.objects.filter(image=image, value=tag).delete()
    if not deleted:
        raise NotFound(f"Tag {tag} not found on image {image.pk}.")
    _save(image)


# --- members ----------------------------------------------------------------

def _require_shared(image, action):
    if image.visibility != Visibility.SHARED:
        raise Forbidden(f"Not allowed to {action} members for image {image.pk}: only shared images have members.")


@transaction.atomic
def member_create(*, context, image_id, document):
    """Share an image with a project (membership starts pending)."""
    member_id = _member_id(document)
    image = locked_image(context, image_id)
    _require_shared(image, "create")
    access.enforce_image(context, "add_member", image)
    if ImageMember.objects.filter(image=image, member=member_id).exists():
        raise Conflict(f"Member {member_id} is duplicated for image {image.pk}")
    count = ImageMember.objects.filter(image=image).count() + 1
    quotas.check_per_image(count, count - 1, settings.IMAGE_MEMBER_QUOTA, "members for this image")
    now = timezone.now()
    return ImageMember.objects.create(image=image, member=member_id, created_at=now, updated_at=now)


def _member_id(document):
    if "member" not in document:
        raise InvalidInput("Member to be added not specified")
    member_id = document["member"]
    if not member_id:
        raise InvalidInput("Member can't be empty")
    if not isinstance(member_id, str) or len(member_id) > 255:
        raise InvalidInput('Expected a member in the form: {"member": "project_id"}, at most 255 characters.')
    return member_id


@transaction.atomic
def member_update(*, context, image_id, member_id, document):
    """The member project accepts or rejects (or resets to pending) a shared image."""
    if "status" not in document:
        raise InvalidInput("Status not specified")
    image = locked_image(context, image_id)
    _require_shared(image, "update")
    membership = selectors.member_get(context, image, member_id)
    access.enforce_image(context, "modify_member", image)
    schemas.validate(schemas.MEMBER, {"status": document["status"]})
    membership.status = document["status"]
    membership.updated_at = timezone.now()
    membership.save(update_fields=["status", "updated_at"])
    return membership


@transaction.atomic
def member_delete(*, context, image_id, member_id):
    image = locked_image(context, image_id)
    _require_shared(image, "delete")
    membership = selectors.member_get(context, image, member_id)
    access.enforce_image(context, "delete_member", image)
    membership.delete()
