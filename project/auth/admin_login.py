"""Administrators log in to the Django admin with their Keystone credentials (ADMIN_KEYSTONE_LOGIN).

Keystone decides: the name and password are sent to KEYSTONE_AUTH_URL (keystoneauth1) for a token
scoped to ADMIN_KEYSTONE_PROJECT, and the login succeeds when the token's roles pass the API's own
`context_is_admin` rule (role:admin unless POLICY_FILE says otherwise). The Django user
`<name>@keystone` is then created or updated as a staff superuser, with no usable password: only
Keystone lets it in. A user Keystone recognises whose roles no longer pass loses staff status (and
so its open sessions) at its next try; a wrong password changes nothing. Otherwise a session, once
open, lasts as Django sessions do; Keystone is asked again at the next login.
"""
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend
from keystoneauth1 import exceptions, session
from keystoneauth1.identity import v3

from project.auth.context import RequestContext

log = logging.getLogger(__name__)
SUFFIX = "@keystone"


def enabled():
    return settings.ADMIN_KEYSTONE_LOGIN and settings.AUTH_STRATEGY == "keystone"


@dataclass(frozen=True)
class KeystoneUser:
    user_id: str
    project_id: str | None
    roles: tuple


def _access(username, password, project=None):
    domain = settings.ADMIN_KEYSTONE_DOMAIN
    scope = {"project_name": project, "project_domain_name": domain} if project else {}
    auth = v3.Password(auth_url=settings.KEYSTONE_AUTH_URL, username=username, password=password,
                       user_domain_name=domain, **scope)
    return auth.get_access(session.Session(auth=auth, timeout=settings.HTTP_CONNECT_TIMEOUT))


def keystone_user(username, password):
    """The Keystone user these credentials prove, with its roles on ADMIN_KEYSTONE_PROJECT (none when it
    has no role there); None when Keystone refuses the credentials or cannot be reached.

    Unscoped first: Keystone answers 401 alike to a wrong password and to a project the user has no
    role on, and only the second may take an administrator's staff status away.
    """
    try:
        unscoped = _access(username, password)
        try:
            scoped = _access(username, password, settings.ADMIN_KEYSTONE_PROJECT)
        except exceptions.Unauthorized:
            return KeystoneUser(unscoped.user_id, None, ())
        return KeystoneUser(scoped.user_id, scoped.project_id, tuple(scoped.role_names))
    except exceptions.Unauthorized:
        return None
    except exceptions.ClientException as exc:
        log.error("admin login of %r: Keystone at %s did not answer: %s", username, settings.KEYSTONE_AUTH_URL, exc)
        return None


class KeystoneAdminBackend(BaseBackend):
    """A Django authentication backend (project.settings.AUTHENTICATION_BACKENDS), after ModelBackend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not enabled() or not username or not password:
            return None
        found = keystone_user(username, password)
        if found is None:
            return None
        context = RequestContext.from_roles(found.project_id, found.user_id, found.roles)
        return self._admin_user(username, found.user_id, allowed=context.is_admin)

    def _admin_user(self, username, keystone_id, *, allowed):
        users = get_user_model().objects
        if not allowed:
            log.warning("admin login of Keystone user %r (%s) refused: not an administrator", username, keystone_id)
            users.filter(username=username + SUFFIX).update(is_staff=False, is_superuser=False)
            return None
        user, created = users.get_or_create(username=username + SUFFIX, defaults={"last_name": keystone_id})
        if created:
            user.set_unusable_password()
        user.is_staff = user.is_superuser = user.is_active = True
        user.last_name = keystone_id
        user.save()
        return user

    def get_user(self, user_id):
        return get_user_model().objects.filter(pk=user_id).first()
