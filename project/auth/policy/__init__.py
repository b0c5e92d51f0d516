"""Who may do what: Glance's policy rules, checked by name.

The rules and their secure-RBAC defaults are a table (defaults.py); an operator's POLICY_FILE
overrides any of them (engine.py). Services and selectors ask here by Glance's rule name, one
call site per rule, and get Glance's answers: 403 "You are not authorized to complete <rule>
action.", except that an image or namespace the caller may not even see is a 404.
"""
from collections.abc import Mapping

from project.errors import Forbidden, NotFound

__all__ = ["allowed", "enforce", "enforce_image", "enforce_image_create", "enforce_visibility",
           "enforce_metadef", "is_admin", "ImageTarget"]


def credentials(context):
    """What check strings may test about the caller (None values left out, so they match nothing)."""
    creds = {"roles": sorted(context.roles), "project_id": context.project_id, "user_id": context.user_id}
    return {key: value for key, value in creds.items() if value is not None}


def allowed(context, rule, target=None):
    """Whether `rule` lets `context` act on `target` (a mapping; by default the caller's project)."""
    # Imported on first use: oslo.policy is heavy to load, and management commands rarely need it.
    from project.auth.policy.engine import enforcer

    if target is None:
        target = {"project_id": context.project_id}
    return enforcer().allowed(rule, target, credentials(context))


def enforce(context, rule, target=None):
    """Forbidden unless `rule` allows it."""
    if not allowed(context, rule, target):
        raise Forbidden(f"You are not authorized to complete {rule} action.")


def is_admin(context):
    """The context_is_admin rule: administrators see every image and namespace."""
    return allowed(context, "context_is_admin", {})


# --- images -------------------------------------------------------------------

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
        self._properties = None

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
            self._properties = {prop.name: prop.value for prop in self.image.properties.all()}
        return self._properties

    def __iter__(self):
        yield from ("project_id", "member_id", *self.FIELDS, *self.properties())

    def __len__(self):
        return 2 + len(self.FIELDS) + len(self.properties())


def enforce_image(context, rule, image):
    """`rule` on an existing image: NotFound when the caller may not see it (get_image), else Forbidden."""
    target = ImageTarget(context, image)
    if allowed(context, rule, target):
        return
    if rule == "get_image" or not allowed(context, "get_image", target):
        raise NotFound(f"No image found with ID {image.pk}")
    raise Forbidden(f"You are not authorized to complete {rule} action.")


def enforce_image_create(context, owner, visibility):
    """add_image for an image `owner` will own, then the rule for its visibility."""
    target = {"project_id": owner, "owner": owner, "visibility": visibility}
    if not allowed(context, "add_image", target):
        if owner != context.project_id:
            raise Forbidden(f"You are not permitted to create images owned by '{owner}'")
        raise Forbidden("You are not authorized to complete add_image action.")
    enforce_visibility(context, visibility, target)


def enforce_visibility(context, visibility, target):
    """Making an image public or community has a rule of its own."""
    rule = {"public": "publicize_image", "community": "communitize_image"}.get(visibility)
    if rule is not None:
        enforce(context, rule, target)


# --- metadefs -------------------------------------------------------------------

def enforce_metadef(context, rule, namespace=None):
    """`rule` on a namespace (or on the catalog when None): NotFound when the caller may not
    see the namespace (get_metadef_namespace), else Forbidden."""
    if namespace is None:
        return enforce(context, rule)
    target = {"project_id": namespace.owner, "visibility": namespace.visibility}
    if allowed(context, rule, target):
        return
    if rule == "get_metadef_namespace" or not allowed(context, "get_metadef_namespace", target):
        raise NotFound(f"Namespace {namespace.namespace} not found.")
    raise Forbidden(f"You are not authorized to complete {rule} action.")
