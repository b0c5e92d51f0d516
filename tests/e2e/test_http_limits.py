"""What real clients send and the serving stack must take: long query strings, large headers,
and a keep-alive connection after an early answer to a request whose body was not read."""
import http.client
import uuid
from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_query_string_of_70_kb_is_served(live_service):
    ids = ",".join(str(uuid.uuid4()) for _ in range(1900))  # about 70 KB
    response = requests.get(f"{live_service.url}/v2/images?id=in:{ids}", timeout=30)
    assert (response.status_code, response.json()["images"]) == (200, [])


def test_header_of_16_kb_is_served(live_service):
    response = requests.get(f"{live_service.url}/v2/images", headers={"X-Large-Token": "t" * 16384}, timeout=30)
    assert response.status_code == 200


def test_an_unread_body_closes_the_connection_and_the_next_request_succeeds(live_service):
    """openstacksdk's import_image: a 404 to a PUT of data, then the next call on the same session."""
    missing = f"{live_service.url}/v2/images/{uuid.uuid4()}/file"
    with requests.Session() as session:
        for _ in range(8):
            refused = session.put(missing, data=b"x" * (4 * 1024 * 1024),
                                  headers={"Content-Type": "application/octet-stream"}, timeout=30)
            assert refused.status_code == 404
            assert session.get(f"{live_service.url}/v2/images", timeout=30).status_code == 200


def test_a_small_request_keeps_its_connection(live_service):
    parts = urlsplit(live_service.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    for _ in range(3):
        connection.request("GET", "/v2/images")
        response = connection.getresponse()
        response.read()
        assert (response.status, response.will_close) == (200, False)
    connection.close()


@pytest.mark.parametrize("path", ["//v2/images", "/v2//images?limit=1"])
def test_doubled_slashes_are_served_as_glance_serves_them(live_service, path):
    parts = urlsplit(live_service.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    assert response.status == 200, response.read()
    connection.close()
