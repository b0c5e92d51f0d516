from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from project.auth.noauth import context_from_headers

STRATEGIES = {"noauth": context_from_headers}


class RequestContextMiddleware:
    """Attach `request.context` for every API request."""

    def __init__(self, get_response):
        self.get_response = get_response
        try:
            self.build = STRATEGIES[settings.AUTH_STRATEGY]
        except KeyError:
            raise ImproperlyConfigured(
                f"AUTH_STRATEGY={settings.AUTH_STRATEGY!r} is not one of {sorted(STRATEGIES)}"
            ) from None

    def __call__(self, request):
        request.context = self.build(request.META)
        return self.get_response(request)
