"""A database that cannot be reached (restarted, cut off) is a 503 with Glance's error body, never a 500.

deploy/cluster's fault test restarts a real MariaDB under load (tests/cluster/test_database_restart.py);
here the same errors the driver raises are raised from the database layer of one request.
"""
import MySQLdb
import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import RequestFactory
from rest_framework.test import APIClient

from project.api.views import server_error
from project.database import is_unavailable

UNAVAILABLE = {"message": "The database is unavailable; try again later.", "code": "503 Service Unavailable",
               "title": "Service Unavailable"}


def refused_connection_error():
    """What MySQLdb really raises when no server listens (port 1 on loopback)."""
    try:
        MySQLdb.connect(host="127.0.0.1", port=1, user="root", connect_timeout=2)
    except MySQLdb.OperationalError as exc:
        return OperationalError(*exc.args)
    pytest.fail("something accepts MySQL connections on 127.0.0.1:1")


def test_connection_errors_count_as_unavailable_and_bad_queries_do_not():
    assert is_unavailable(refused_connection_error())
    assert is_unavailable(OperationalError(2013, "Lost connection to server during query"))
    assert is_unavailable(InterfaceError(0, ""))
    assert not is_unavailable(OperationalError(1054, "Unknown column 'x' in 'field list'"))
    assert not is_unavailable(ValueError("no database error at all"))


@pytest.fixture
def database_gone_away():
    def fail(execute, sql, params, many, context):
        raise OperationalError(2006, "Server has gone away")

    with connection.execute_wrapper(fail):
        yield


@pytest.mark.parametrize("path", ["/v2/images", "/v2/metadefs/namespaces", "/v2/images/0e6e5ba4-1b6c-4c8b-b8a4-5d1c2b3c4d5e"])
def test_a_request_that_meets_a_lost_database_is_503_with_glances_body(db, database_gone_away, path):
    response = APIClient().get(path, HTTP_ACCEPT="application/json", HTTP_X_PROJECT_ID="p", HTTP_X_ROLES="member")
    assert (response.status_code, response.json()) == (503, UNAVAILABLE)


def test_a_lost_database_outside_a_view_is_503_too():
    request = RequestFactory().get("/v2/images", HTTP_ACCEPT="application/json")
    try:
        raise refused_connection_error()
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response.content.decode() == ('{"message": "The database is unavailable; try again later.", '
                                         '"code": "503 Service Unavailable", "title": "Service Unavailable"}')


def test_any_other_error_outside_a_view_stays_500():
    request = RequestFactory().get("/v2/images", HTTP_ACCEPT="application/json")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)
    assert response.status_code == 500
