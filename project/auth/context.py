"""Who is asking: the one object the apps read to make access decisions."""
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class RequestContext:
    project_id: str | None
    user_id: str | None
    roles: frozenset = field(default_factory=frozenset)

    @cached_property
    def is_admin(self):
        """Glance's context_is_admin rule (role:admin unless POLICY_FILE says otherwise)."""
        from project.auth import policy  # policy loads oslo.policy; contexts are made before it is needed

        return policy.is_admin(self)

    @property
    def owner(self):
        return self.project_id

    @classmethod
    def from_roles(cls, project_id, user_id, roles):
        return cls(project_id, user_id, frozenset(role.strip().lower() for role in roles if role.strip()))


def admin_context(project_id="admin"):
    """Context for management commands and the Django admin: full rights."""
    return RequestContext.from_roles(project_id, None, ["admin", "member", "reader"])
