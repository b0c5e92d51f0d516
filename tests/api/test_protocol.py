"""The Glance wire protocol shared by every resource: versions, errors, request ids."""
import json
import re

import pytest


def test_root_is_multiple_choices(api):
    response = api.get("/")
    assert response.status_code == 300
    versions = response.json()["versions"]
    assert {"id": "v2.0", "status": "SUPPORTED", "links": [{"rel": "self", "href": "http://testserver/v2/"}]} \
        in versions
    assert [v["id"] for v in versions if v["status"] == "CURRENT"] == ["v2.17"]


def listed(api):
    return [v["id"] for v in api.get("/versions").json()["versions"]]


def test_a_single_store_lists_the_versions_glance_lists_without_multi_store(api):
    assert listed(api) == ["v2.17", "v2.15", "v2.9", "v2.7", "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0"]


def test_several_stores_list_the_multi_store_versions(api, settings, tmp_path):
    settings.IMAGE_STORES = {name: {"type": "file", "directory": str(tmp_path / name)} for name in ("file", "b")}
    assert listed(api)[:8] == ["v2.17", "v2.15", "v2.13", "v2.12", "v2.11", "v2.10", "v2.9", "v2.8"]


def test_versions_is_ok(api):
    response = api.get("/versions")
    assert response.status_code == 200
    assert response.json() == api.get("/").json()


def test_error_is_html_by_default_as_webob_sends_it(db):
    from rest_framework.test import APIClient

    response = APIClient().get("/v2/metadefs/namespaces/missing")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=UTF-8"
    body = response.content.decode()
    assert "<title>404 Not Found</title>" in body and "Namespace missing not found." in body


def test_error_is_json_when_asked(api):
    response = api.get("/v2/metadefs/namespaces/missing")
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "Namespace missing not found.", "code": "404 Not Found",
                               "title": "Not Found"}


def test_error_is_plain_text_when_only_that_is_accepted(api):
    response = api.get("/v2/metadefs/namespaces/missing", headers={"HTTP_ACCEPT": "text/plain"})
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().startswith("404 Not Found\n\nNamespace missing not found.")


def test_unknown_path_is_glance_404(api):
    response = api.get("/v2/no/such/thing")
    assert response.status_code == 404
    assert response.json()["code"] == "404 Not Found"


def test_trailing_slash_is_not_redirected(api):
    assert api.get("/v2/metadefs/namespaces/").status_code == 404


def test_wrong_method_is_405_with_allow(api):
    response = api.patch("/v2/metadefs/namespaces", {"a": 1})
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert response.json()["title"] == "Method Not Allowed"


def test_every_response_has_a_request_id(api):
    for response in (api.get("/"), api.get("/v2/metadefs/namespaces"), api.get("/v2/nothing")):
        assert re.match(r"^req-[0-9a-f-]{36}$", response["x-openstack-request-id"])


def test_callers_request_id_is_echoed(api):
    request_id = "req-0b8a3f4e-2f4c-4d0a-9a1e-5b2f9c3d7e61"
    response = api.get("/v2/metadefs/namespaces", headers={"HTTP_X_OPENSTACK_REQUEST_ID": request_id})
    assert response["x-openstack-request-id"] == request_id


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
@pytest.mark.parametrize("path, body", [("/v2/metadefs/namespaces", {"namespace": "x"}), ("/v2/images", {"name": "x"})])
def test_json_is_read_whatever_the_content_type_says(api, content_type, path, body):
    """As Glance: curl's -d sends a JSON body as application/x-www-form-urlencoded."""
    response = api.post(path, raw=json.dumps(body), content_type=content_type)
    assert response.status_code == 201, response.content


def test_a_body_that_is_not_json_is_400_whatever_its_type(api):
    response = api.post("/v2/metadefs/namespaces", raw="namespace=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "Malformed JSON" in response.json()["message"]


def test_body_without_content_type_is_read_as_json(api):
    response = api.client.generic("POST", "/v2/metadefs/namespaces", json.dumps({"namespace": "x"}),
                                  content_type="", HTTP_ACCEPT="application/json")
    assert response.status_code == 201
