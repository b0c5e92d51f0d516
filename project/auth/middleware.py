from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from project.api.errors import error_response
from project.auth.noauth import context_from_headers
from project.errors import ServiceUnavailable, Unauthorized


def _noauth():
    return lambda request: context_from_headers(request.META)


def _keystone():
    # Imported only in keystone mode: keystonemiddleware and oslo.config are heavy to load.
    from project.auth.keystone import KeystoneAuth

    return KeystoneAuth()


STRATEGIES = {"noauth": _noauth, "keystone": _keystone}


def check_authorisation_files():
    """Read POLICY_FILE and PROPERTY_PROTECTION_FILE now: a mistake in either stops the start-up."""
    from project.auth import property_protections
    from project.auth.policy import engine

    engine.load(settings.POLICY_FILE)
    if settings.PROPERTY_PROTECTION_FILE:
        property_protections.load(settings.PROPERTY_PROTECTION_FILE)


class RequestContextMiddleware:
    """Attach `request.context` for every request, or answer 401 when the caller is unknown (503 when
    the identity service cannot tell)."""

    def __init__(self, get_response):
        self.get_response = get_response
        try:
            strategy = STRATEGIES[settings.AUTH_STRATEGY]
        except KeyError:
            raise ImproperlyConfigured(
                f"AUTH_STRATEGY={settings.AUTH_STRATEGY!r} is not one of {sorted(STRATEGIES)}"
            ) from None
        self.build = strategy()
        check_authorisation_files()

    def __call__(self, request):
        try:
            request.context = self.build(request)
        except (Unauthorized, ServiceUnavailable) as error:
            return error_response(error.status, error.message, request.META.get("HTTP_ACCEPT", ""),
                                  getattr(error, "headers", None))
        return self.get_response(request)
