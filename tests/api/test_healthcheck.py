"""GET/HEAD /healthcheck answers as oslo.middleware's healthcheck does in Glance's pipeline."""
import pytest
from rest_framework.test import APIClient


@pytest.fixture
def client(db):
    return APIClient()


def test_a_healthy_node_says_ok_in_plain_text(client):
    response = client.get("/healthcheck")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"OK"


def test_head_is_no_content(client):
    response = client.head("/healthcheck")
    assert response.status_code == 204
    assert response.content == b""


def test_json_lists_the_reasons(client):
    response = client.get("/healthcheck", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {"detailed": False, "reasons": ["OK"]}


def test_the_disable_file_drains_the_node_and_its_removal_brings_it_back(client, settings, tmp_path):
    flag = tmp_path / "healthcheck_disable"
    settings.HEALTHCHECK_DISABLE_FILE = str(flag)
    assert client.get("/healthcheck").status_code == 200
    flag.touch()
    response = client.get("/healthcheck")
    assert (response.status_code, response.content) == (503, b"DISABLED BY FILE")
    assert client.head("/healthcheck").status_code == 503
    flag.unlink()
    assert client.get("/healthcheck").status_code == 200


def test_a_default_store_that_cannot_take_data_fails_the_check(client, settings, tmp_path):
    not_a_directory = tmp_path / "images"
    not_a_directory.write_text("")
    settings.IMAGE_STORES = {"file": {"type": "file", "directory": str(not_a_directory)}}
    response = client.get("/healthcheck")
    assert (response.status_code, response.content) == (503, b"DEFAULT STORE UNAVAILABLE")


def test_no_identity_is_needed(client):
    response = client.get("/healthcheck", HTTP_X_AUTH_TOKEN="garbage", HTTP_X_ROLES="")
    assert response.status_code == 200


def test_a_probe_naming_the_nodes_own_address_is_answered(client):
    """A load balancer probes each node by its address, which ALLOWED_HOSTS need not list; the API
    itself still refuses that Host."""
    assert client.get("/healthcheck", HTTP_HOST="10.0.0.5:9292").status_code == 200
    assert client.get("/versions", HTTP_HOST="10.0.0.5:9292").status_code == 400
