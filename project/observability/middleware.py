"""Each answered request counted, timed and logged once, with who asked and which route answered."""
import time

from project.observability import logs, metrics


def _route(request):
    match = getattr(request, "resolver_match", None)
    return "/" + match.route if match is not None and match.route else "unmatched"


def _client(request):
    # gunicorn listens on a unix socket behind HAProxy, which names the client in X-Forwarded-For.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return forwarded.split(",")[-1].strip() or request.META.get("REMOTE_ADDR") or "-"


def _identity(request):
    context = getattr(request, "context", None)
    return (getattr(context, "project_id", None) or "-"), (getattr(context, "user_id", None) or "-")


class ObservationMiddleware:
    """Time to the answer's head (a download's body streams after it), bytes as declared by the
    request's and the answer's Content-Length."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        route = _route(request)
        metrics.REQUESTS.labels(method=request.method, route=route, status=response.status_code).inc()
        metrics.LATENCY.labels(method=request.method, route=route).observe(seconds)
        project, user = _identity(request)
        logs.access_line({
            "request_id": getattr(request, "request_id", "-"), "client": _client(request), "project": project,
            "user": user,
            "method": request.method, "path": request.path, "route": route, "status": response.status_code,
            "bytes_in": int(request.META.get("CONTENT_LENGTH") or 0), "bytes_out": int(response.get("Content-Length", 0)),
            "seconds": round(seconds, 6)})
        return response
