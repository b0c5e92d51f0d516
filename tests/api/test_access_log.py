"""One log line per request: request id, client, project, user, route, status, bytes and time."""
import json
import logging

from project.observability.logs import JsonFormatter, RequestIdFilter, TextFormatter
from tests.conftest import Api


def access_records(caplog):
    return [record for record in caplog.records if record.name == "glance.access"]


def test_each_request_is_one_line_with_who_asked_and_what_answered(db, caplog):
    caplog.set_level(logging.INFO, logger="glance.access")
    response = Api().as_("tenant-a", user="alice").post("/v2/images", {"name": "x"})
    [record] = access_records(caplog)
    assert (record.request_id, record.project, record.user) == (response["x-openstack-request-id"], "tenant-a",
                                                                "alice")
    assert (record.method, record.path, record.route, record.status) == ("POST", "/v2/images", "/v2/images", 201)
    assert record.bytes_in == len(b'{"name": "x"}')
    assert record.bytes_out == len(response.content)
    assert 0 < record.seconds < 10


def test_a_request_no_route_answers_is_logged_as_unmatched(db, caplog):
    caplog.set_level(logging.INFO, logger="glance.access")
    Api().get("/v3/nothing")
    [record] = access_records(caplog)
    assert (record.route, record.status) == ("unmatched", 404)


def formatted(formatter, caplog):
    [record] = access_records(caplog)
    RequestIdFilter().filter(record)
    return formatter.format(record)


def test_json_lines_carry_every_field(db, caplog):
    caplog.set_level(logging.INFO, logger="glance.access")
    response = Api().as_("tenant-a", user="alice").get("/v2/images?limit=1")
    entry = json.loads(formatted(JsonFormatter(), caplog))
    assert entry["request_id"] == response["x-openstack-request-id"]
    assert {key: entry[key] for key in ("level", "logger", "project", "user", "route", "status")} == {
        "level": "INFO", "logger": "glance.access", "project": "tenant-a", "user": "alice", "route": "/v2/images",
        "status": 200}


def test_text_lines_read_as_key_value_pairs(db, caplog):
    caplog.set_level(logging.INFO, logger="glance.access")
    response = Api().as_("tenant-a", user="alice").get("/v2/images")
    line = formatted(TextFormatter(), caplog)
    assert line.startswith(f"INFO glance.access [{response['x-openstack-request-id']}] client=127.0.0.1 "
                           "project=tenant-a user=alice method=GET path=/v2/images route=/v2/images status=200 ")


def test_records_written_while_serving_a_request_carry_its_id(db, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    response = Api().get("/v2/images/missing")
    [record] = [record for record in caplog.records if record.name == "django.request"]
    RequestIdFilter().filter(record)
    assert record.request_id == response["x-openstack-request-id"]
