"""GET /metrics: what an operator's Prometheus sees after real requests (admin only)."""
import os

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Api
from tests.images.conftest import image_url, upload
from tests.images.test_data_api import download


def scrape(api=None):
    response = (api or Api()).get("/metrics", headers={"HTTP_ACCEPT": "text/plain"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_and_status(owner, image):
    before = scrape()
    owner.get("/v2/images")
    owner.get(image_url("00000000-0000-0000-0000-000000000000"))
    after = scrape()
    listed = {"method": "GET", "route": "/v2/images", "status": "200"}
    missing = {"method": "GET", "route": "/v2/images/<str:image_id>", "status": "404"}
    assert value(after, "glance_http_requests_total", **listed) == value(before, "glance_http_requests_total",
                                                                         **listed) + 1
    assert value(after, "glance_http_requests_total", **missing) == value(before, "glance_http_requests_total",
                                                                          **missing) + 1
    timed = {"method": "GET", "route": "/v2/images"}
    assert value(after, "glance_http_request_duration_seconds_count", **timed) == \
        value(before, "glance_http_request_duration_seconds_count", **timed) + 1


def test_bytes_in_and_out_of_each_store(owner, image):
    data = os.urandom(300_000)
    before = scrape()
    assert upload(owner, image["id"], data).status_code == 204
    assert download(owner, image["id"])[1] == data
    after = scrape()
    for name, labels in (("glance_image_uploaded_bytes_total", {"store": "file"}),
                         ("glance_image_downloaded_bytes_total", {"source": "file"})):
        assert value(after, name, **labels) - value(before, name, **labels) == len(data), name


def test_missing_data_is_a_store_read_error(owner, image, store_dir):
    assert upload(owner, image["id"], b"data").status_code == 204
    (store_dir / image["id"]).unlink()
    labels = {"store": "file", "operation": "read", "fault": "DataNotFound"}
    before = value(scrape(), "glance_store_errors_total", **labels)
    download(owner, image["id"])
    assert value(scrape(), "glance_store_errors_total", **labels) == before + 1


def test_waiting_import_tasks_show_as_queue_depth(owner, image, django_capture_on_commit_callbacks):
    assert owner.put(image_url(image["id"], "stage"), raw=b"staged", content_type="application/octet-stream"
                     ).status_code == 204
    with django_capture_on_commit_callbacks(execute=True):  # the task is enqueued once the import commits
        response = owner.post(image_url(image["id"], "import"), {"method": {"name": "glance-direct"}})
    assert response.status_code == 202, response.content
    samples = scrape()
    queues = {labels: count for (name, labels), count in samples.items() if name == "glance_task_queue_depth"}
    assert sum(queues.values()) == 1
    assert any(name == "glance_task_queue_oldest_age_seconds" for name, _ in samples)


@pytest.mark.parametrize("roles", ["member", "reader"])
def test_only_administrators_may_read_metrics(db, roles):
    response = Api().as_("tenant-a", roles=roles).get("/metrics")
    assert response.status_code == 403
    assert response.json()["message"] == "Metrics are for administrators."
