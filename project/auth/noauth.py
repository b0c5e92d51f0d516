"""Trusted-header identity for local use (bound to loopback).

The headers a Keystone-fronted deployment's auth middleware would set are
taken at their word; a request with none of them is an administrator of the
default project, as Glance behaves with no auth configured.
"""
from django.conf import settings

from project.auth.context import RequestContext

IDENTITY_HEADERS = ("HTTP_X_PROJECT_ID", "HTTP_X_TENANT_ID", "HTTP_X_USER_ID", "HTTP_X_ROLES")
# Keystone's default role chain (keystone-manage bootstrap): a token lists implied roles too,
# so `X-Roles: member` here means what a member's token means there.
IMPLIED_ROLES = {"admin": ("member", "reader"), "member": ("reader",)}


def context_from_headers(meta):
    if not any(name in meta for name in IDENTITY_HEADERS):
        return RequestContext.from_roles(settings.NOAUTH_DEFAULT_PROJECT, None, with_implied(["admin"]))
    project = meta.get("HTTP_X_PROJECT_ID") or meta.get("HTTP_X_TENANT_ID") or None
    roles = meta.get("HTTP_X_ROLES", "").split(",")
    return RequestContext.from_roles(project, meta.get("HTTP_X_USER_ID") or None, with_implied(roles))


def with_implied(roles):
    roles = [role.strip().lower() for role in roles]
    return [*roles, *(implied for role in roles for implied in IMPLIED_ROLES.get(role, ()))]
