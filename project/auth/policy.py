"""Who may do what: every authorisation rule in one module."""
from project.errors import Forbidden


def require_admin(context, action):
    if not context.is_admin:
        raise Forbidden(f"You are not authorized to {action}.")


# --- images -----------------------------------------------------------------
# Glance's defaults: the owning project (or an admin) manages an image; only
# admins publish to everyone; a member project alone answers its invitation.

def owns_image(context, owner):
    return context.is_admin or (owner is not None and context.owner == owner)


def enforce_image(context, owner, rule):
    """`rule` is Glance's policy name (modify_image, delete_image, ...), shown in the 403."""
    if not owns_image(context, owner):
        raise Forbidden(f"Policy doesn't allow {rule} to be performed.")


def enforce_image_visibility(context, visibility):
    if visibility == "public" and not context.is_admin:
        raise Forbidden("Policy doesn't allow publicize_image to be performed.")


def enforce_image_owner_choice(context, owner):
    """Only an admin may create an image for, or give one to, another project."""
    if not context.is_admin and owner != context.owner:
        raise Forbidden(f"You are not permitted to create images owned by '{owner}'.")


def enforce_member_answer(context, member_id):
    """Accepting or rejecting a shared image is the member project's decision."""
    if not context.is_admin and context.owner != member_id:
        raise Forbidden("Policy doesn't allow modify_member to be performed.")
