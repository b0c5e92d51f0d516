"""Keystone tokens, validated by keystonemiddleware's auth_token inside Django.

auth_token runs in delay_auth_decision mode on the request's WSGI environ: it strips every
identity header the client sent, validates X-Auth-Token (token cache first, then Keystone
with the service user's credentials) and sets X-Identity-Status plus X-Project-Id,
X-User-Id and X-Roles. The decision is made here, so a 401 carries Glance's error body,
and the versions document and the Django admin (its own login) need no token, as in Glance.
"""
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from keystoneauth1 import loading
from keystonemiddleware import auth_token
from oslo_config import cfg

from project.auth.context import RequestContext
from project.errors import Unauthorized

GROUP = "keystone_authtoken"
VERSIONS_PATHS = frozenset({"/", "/versions", "/versions/"})
ANONYMOUS = RequestContext(None, None, frozenset())


def authtoken_options():
    """auth_token's options ([keystone_authtoken] in a Glance deployment) from our settings."""
    if not settings.KEYSTONE_AUTH_URL:
        raise ImproperlyConfigured("AUTH_STRATEGY=keystone needs KEYSTONE_AUTH_URL")
    return {
        "www_authenticate_uri": settings.KEYSTONE_WWW_AUTHENTICATE_URI or settings.KEYSTONE_AUTH_URL,
        "auth_type": "password",
        "auth_url": settings.KEYSTONE_AUTH_URL,
        "username": settings.KEYSTONE_SERVICE_USER,
        "password": settings.KEYSTONE_SERVICE_PASSWORD,
        "project_name": settings.KEYSTONE_SERVICE_PROJECT,
        "user_domain_name": settings.KEYSTONE_USER_DOMAIN,
        "project_domain_name": settings.KEYSTONE_PROJECT_DOMAIN,
        "region_name": settings.KEYSTONE_REGION_NAME or None,
        "memcached_servers": settings.KEYSTONE_MEMCACHED_SERVERS or None,
        "token_cache_time": settings.KEYSTONE_TOKEN_CACHE_TIME,
        "delay_auth_decision": True,
        # Nothing here reads X-Service-Catalog: don't serialise the catalog into every request.
        "include_service_catalog": False,
        "service_type": "image",
        "service_token_roles_required": True,
    }


def _oslo_config(options):
    # A private ConfigOpts: nothing read from sys.argv or /etc, only what settings say.
    conf = cfg.ConfigOpts()
    for group, opts in auth_token.list_opts():
        conf.register_opts(opts, group=group)
    conf.register_opts(loading.get_auth_plugin_conf_options(options["auth_type"]), group=GROUP)
    for name, value in options.items():
        conf.set_override(name, value, group=GROUP)
    return conf


def _identity_headers_set(environ, start_response):
    """The app auth_token wraps: by the time it is called the environ holds the verdict."""
    start_response("204 No Content", [])
    return []


class KeystoneAuth:
    """request -> RequestContext, or Unauthorized carrying WWW-Authenticate."""

    def __init__(self):
        self.authtoken = auth_token.AuthProtocol(
            _identity_headers_set, {"oslo_config_config": _oslo_config(authtoken_options())})

    def __call__(self, request):
        if not requires_token(request.path_info):
            return ANONYMOUS
        for _ in self.authtoken(request.META, lambda status, headers, exc_info=None: None):
            pass
        return self.context_from_verdict(request.META)

    def context_from_verdict(self, meta):
        """The only place a keystone-mode context is made: from the headers auth_token set."""
        confirmed = (meta.get("HTTP_X_IDENTITY_STATUS") == "Confirmed"
                     and meta.get("HTTP_X_SERVICE_IDENTITY_STATUS", "Confirmed") == "Confirmed")
        if not confirmed:
            error = Unauthorized("The request you have made requires authentication.")
            error.headers = {"WWW-Authenticate": f'Keystone uri="{self.authtoken.www_authenticate_uri}"'}
            raise error
        roles = meta.get("HTTP_X_ROLES", "").split(",")
        return RequestContext.from_roles(meta.get("HTTP_X_PROJECT_ID") or None,
                                         meta.get("HTTP_X_USER_ID") or None, roles)


def requires_token(path):
    """Everything but the versions document and the Django admin (own login, static files)."""
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path not in VERSIONS_PATHS and not path.startswith(("/admin/", static))
