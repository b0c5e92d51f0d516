"""The service's Prometheus metrics (prometheus-client), one definition each.

Under `manage.py serve` every gunicorn worker and import worker writes its values to files in
PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode, set up by the supervisor), and a
scrape adds them up, so the numbers are the node's whatever worker answers. Without it (tests,
`runserver`) the values live in the process.
"""
import os

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily

# Up to a long upload; a sub-millisecond bucket for cached answers.
LATENCY_BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)

REQUESTS = Counter("glance_http_requests", "Requests answered, by route (the URL pattern) and status.",
                   ["method", "route", "status"])
LATENCY = Histogram("glance_http_request_duration_seconds", "Time to the answer's head, by route.",
                    ["method", "route"], buckets=LATENCY_BUCKETS)
UPLOADED = Counter("glance_image_uploaded_bytes", "Image data written into each store (uploads, staging, "
                   "imports, copies).", ["store"])
DOWNLOADED = Counter("glance_image_downloaded_bytes", "Image data read for downloads and cache fills, by where "
                     "it was read (a store id, or 'cache' for downloads this node's cache answered).", ["source"])
STORE_ERRORS = Counter("glance_store_errors", "Store faults, by store, operation (read, write) and fault.",
                       ["store", "operation", "fault"])
CACHE_LOOKUPS = Counter("glance_image_cache_lookups", "Whole downloads asked of this node's image cache, "
                        "by result (hit, miss).", ["result"])


def store_error(store_id, operation, fault):
    STORE_ERRORS.labels(store=store_id, operation=operation, fault=type(fault).__name__).inc()


class TaskQueueCollector:
    """Queue depth and the age of the oldest waiting task, per queue, read from the task table at
    scrape time (the database is the queue, so every node reports the same)."""

    def collect(self):
        from django_tasks_db.models import DBTaskResult

        depth = GaugeMetricFamily("glance_task_queue_depth", "Tasks waiting to run, by queue.", labels=["queue"])
        age = GaugeMetricFamily("glance_task_queue_oldest_age_seconds", "Age of the oldest waiting task.",
                                labels=["queue"])
        running = GaugeMetricFamily("glance_tasks_running", "Tasks running, by queue.", labels=["queue"])
        now = timezone.now()
        rows = DBTaskResult.objects.filter(status__in=("READY", "RUNNING")).values("queue_name", "status")
        for row in rows.annotate(count=Count("id"), oldest=Min("enqueued_at")).order_by():
            if row["status"] == "RUNNING":
                running.add_metric([row["queue_name"]], row["count"])
                continue
            depth.add_metric([row["queue_name"]], row["count"])
            age.add_metric([row["queue_name"]], (now - row["oldest"]).total_seconds())
        yield from (depth, age, running)


def scrape_registry():
    """What a scrape collects: every worker's values (multiprocess mode) or this process's, and the queues."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (REQUESTS, LATENCY, UPLOADED, DOWNLOADED, STORE_ERRORS, CACHE_LOOKUPS):
            registry.register(collector)
    registry.register(TaskQueueCollector())
    return registry
