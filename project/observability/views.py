"""GET /metrics: the node's Prometheus metrics, for administrators only (the API's own identity: a
token with the admin role, or trusted admin headers in noauth mode); METRICS_BIND serves the same
on a port of its own, without identity, for a scraper on a private network."""
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from prometheus_client.exposition import choose_encoder

from project.api.errors import error_response
from project.observability.metrics import scrape_registry


@csrf_exempt  # a 405 for other methods, not the CSRF check's 403 page
def metrics(request):
    if request.method != "GET":
        return error_response(405, "The method specified is not allowed for this resource.",
                              request.META.get("HTTP_ACCEPT", ""), {"Allow": "GET"})
    if not request.context.is_admin:
        return error_response(403, "Metrics are for administrators.", request.META.get("HTTP_ACCEPT", ""))
    # The format the scraper asks for (Prometheus' text formats or OpenMetrics), as prometheus-client's own server.
    encode, content_type = choose_encoder(request.META.get("HTTP_ACCEPT", ""))
    return HttpResponse(encode(scrape_registry()), content_type=content_type)
