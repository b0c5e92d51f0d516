"""GET/HEAD /healthcheck: oslo.middleware's healthcheck, as Glance's paste pipeline serves it.

oslo.middleware answers (200 "OK", HEAD 204, 503 with the reason; text, HTML or JSON by Accept) and
its `disable_by_file` backend takes a node out of a load balancer's pool when HEALTHCHECK_DISABLE_FILE
exists ("DISABLED BY FILE"). This service adds what a node needs to be useful: its database answers
and its default store can take data. The three run as one backend so a healthy node says exactly
"OK", as Glance's does.
"""
import logging

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.urls import resolve
from django.views.decorators.csrf import csrf_exempt
from oslo_middleware.healthcheck import Healthcheck
from oslo_middleware.healthcheck.disable_by_file import DisableByFileHealthcheck
from oslo_middleware.healthcheck.pluginbase import HealthcheckBaseExtension, HealthcheckResult
from stevedore.extension import Extension
from webob import Request

from images.stores import registry
from images.stores.errors import StoreFault

log = logging.getLogger(__name__)


def database_problem():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        log.warning("health check: the database does not answer: %s", exc)
        return "DATABASE UNAVAILABLE"
    return None


def store_problem():
    try:
        registry.chosen_store().check()
    except StoreFault as exc:
        log.warning("health check: the default store cannot take data: %s", exc)
        return "DEFAULT STORE UNAVAILABLE"
    return None


class NodeHealth(HealthcheckBaseExtension):
    """The disable file first (an operator's decision needs no other check), then database and store."""

    def __init__(self, oslo_conf, conf):
        super().__init__(oslo_conf, conf)
        # Without a path it would warn on every check; with none, nothing can disable the node.
        self.disable_file = DisableByFileHealthcheck(oslo_conf, conf) if "disable_by_file_path" in conf else None

    def healthcheck(self, server_port):
        if self.disable_file:
            disabled = self.disable_file.healthcheck(server_port)
            if not disabled.available:
                return disabled
        for problem in (database_problem, store_problem):
            reason = problem()
            if reason:
                return HealthcheckResult(available=False, reason=reason)
        return HealthcheckResult(available=True, reason="OK")


class NodeHealthcheck(Healthcheck):
    def __init__(self):
        conf = {"backends": [], "detailed": False}
        if settings.HEALTHCHECK_DISABLE_FILE:
            conf["disable_by_file_path"] = settings.HEALTHCHECK_DISABLE_FILE
        super().__init__(None, conf)
        # Not through stevedore's entry points: the backend is this project's, not an installed plugin.
        backend = NodeHealth(self.oslo_conf, self.conf)
        self._backends = [Extension("node", None, NodeHealth, backend)]


_healthcheck = None


def _app():
    global _healthcheck
    if _healthcheck is None:
        _healthcheck = NodeHealthcheck()
    return _healthcheck


def _settings_changed(*, setting, **kwargs):
    global _healthcheck
    if setting == "HEALTHCHECK_DISABLE_FILE":
        _healthcheck = None


setting_changed.connect(_settings_changed)


@csrf_exempt
def healthcheck(request):
    answer = Request(dict(request.META)).get_response(_app())
    return HttpResponse(answer.body, status=answer.status_int, content_type=answer.headers.get("Content-Type"))


class HealthcheckMiddleware:
    """/healthcheck is answered before Django validates the Host header (and before sessions and auth), as
    oslo.middleware's healthcheck sits first in Glance's pipeline: load balancers probe with HTTP/1.0 and
    no Host, or with the node's own address, which ALLOWED_HOSTS need not list."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != "/healthcheck":
            return self.get_response(request)
        request.resolver_match = resolve(request.path_info)  # the access log and metrics name the route
        return request.resolver_match.func(request)
