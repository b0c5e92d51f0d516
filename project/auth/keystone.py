"""Keystone tokens, validated by keystonemiddleware's auth_token inside Django.

auth_token runs on the request's WSGI environ: it strips every identity header the client
sent, validates X-Auth-Token (token cache first, then Keystone with the service user's
credentials) and sets X-Identity-Status plus X-Project-Id, X-User-Id and X-Roles, or answers
401 (a bad token) or 503 (Keystone cannot be reached, as Glance answers). Its answer is only
read here, so every refusal carries Glance's error body; the versions document and the
Django admin (its own login) need no token, as in Glance.
"""
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from keystoneauth1 import loading
from keystonemiddleware import auth_token
from oslo_config import cfg

from project.auth.context import RequestContext
from project.errors import ServiceUnavailable, Unauthorized

GROUP = "keystone_authtoken"
OPEN_PATHS = frozenset({"/", "/versions", "/versions/", "/healthcheck", "/v2/openapi.json"})
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
        # Not delayed: with it, auth_token reports an unreachable Keystone as an invalid token (401).
        "delay_auth_decision": False,
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
        if not request.META.get("HTTP_X_AUTH_TOKEN"):
            raise self.unauthorized()
        answered = []
        for _ in self.authtoken(request.META, lambda status, headers, exc_info=None: answered.append(status)):
            pass
        if answered and answered[0].startswith("503"):
            raise ServiceUnavailable("The Keystone service is temporarily unavailable.")
        return self.context_from_verdict(request.META)

    def unauthorized(self):
        error = Unauthorized("The request you have made requires authentication.")
        error.headers = {"WWW-Authenticate": f'Keystone uri="{self.authtoken.www_authenticate_uri}"'}
        return error

    def context_from_verdict(self, meta):
        """The only place a keystone-mode context is made: from the headers auth_token set."""
        confirmed = (meta.get("HTTP_X_IDENTITY_STATUS") == "Confirmed"
                     and meta.get("HTTP_X_SERVICE_IDENTITY_STATUS", "Confirmed") == "Confirmed")
        if not confirmed:
            raise self.unauthorized()
        roles = meta.get("HTTP_X_ROLES", "").split(",")
        return RequestContext.from_roles(meta.get("HTTP_X_PROJECT_ID") or None,
                                         meta.get("HTTP_X_USER_ID") or None, roles)


def requires_token(path):
    """Everything but the versions document, the API description, the health check (load balancers
    have no token) and the Django admin (own login, static files)."""
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path not in OPEN_PATHS and not path.startswith(("/admin/", static))
