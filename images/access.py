"""Images as the policy engine sees them: targets built from image rows, and the image rules' answers.

project.auth.policy knows rule names and mappings; this module knows images.
Services call it (selectors for get_image); views never do.
"""
from collections.abc import Mapping

from images.models import ImageProperty
from project.auth import policy
from project.errors import Forbidden


class ImageTarget(Mapping):
    """An image as check strings see it: its fields, its custom properties, and the aliases
    project_id (= owner) and member_id (the caller's project, when it sees a shared image it
    does not own)."""

    FIELDS = ("id", "name", "status", "visibility", "owner", "protected", "os_hidden", "disk_format",
              "container_format", "min_disk", "min_ram", "size", "checksum")

    def __init__(self, context, image):
        self.image = image
        not_owner = context.project_id is not None and context.project_id != image.owner
        self.member_id = context.project_id if image.visibility == "shared" and not_owner else None
        self._properties = getattr(image, "custom_properties", None)

    def __getitem__(self, key):
        if key == "project_id":
            return self.image.owner
        if key == "member_id":
            return self.member_id
        if key in self.FIELDS:
            return getattr(self.image, key)
        return self.properties()[key]

    def properties(self):
        # Only read when a rule names a custom property.
        if self._properties is None:
            rows = ImageProperty.objects.filter(image_id=self.image.pk).values_list("name", "value")
            self._properties = dict(rows)
        return self._properties

    def __iter__(self):
        yield from ("project_id", "member_id", *self.FIELDS, *self.properties())

    def __len__(self):
        return 2 + len(self.FIELDS) + len(self.properties())


def image_allows(context, rule, image):
    """Whether `rule` allows `context` this on `image` (for what a body shows, not to refuse a request)."""
    return policy.allowed(context, rule, ImageTarget(context, image))


def enforce_image(context, rule, image):
    """`rule` on an existing image: NotFound when the caller may not see it (get_image), else Forbidden."""
    policy.enforce_on(context, rule, ImageTarget(context, image), read_rule="get_image",
                      not_found=f"No image found with ID {image.pk}")


def enforce_image_create(context, owner, visibility):
    """add_image for an image `owner` will own, then the rule for its visibility."""
    target = {"project_id": owner, "owner": owner, "visibility": visibility}
    if not policy.allowed(context, "add_image", target):
        if owner != context.project_id:
            raise Forbidden(f"You are not permitted to create images owned by '{owner}'")
        raise Forbidden("You are not authorized to complete add_image action.")
    enforce_visibility(context, visibility, target)


def enforce_visibility(context, visibility, target):
    """Making an image public or community has a rule of its own."""
    rule = {"public": "publicize_image", "community": "communitize_image"}.get(visibility)
    if rule is not None:
        policy.enforce(context, rule, target)


def enforce_new_visibility(context, visibility, image):
    enforce_visibility(context, visibility, ImageTarget(context, image))
