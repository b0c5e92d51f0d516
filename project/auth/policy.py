"""Who may do what: every authorisation rule in one module."""
from project.errors import Forbidden


def require_admin(context, action):
    if not context.is_admin:
        raise Forbidden(f"You are not authorized to {action}.")
