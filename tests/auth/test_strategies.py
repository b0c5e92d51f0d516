"""RequestContextMiddleware's strategies, through Django's test client.

What keystone mode decides before any token reaches Keystone is tested here with no Keystone
running; token validation itself is tested against a real one in tests/keystone/.
"""
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import JsonResponse
from django.test import Client, RequestFactory

from project.auth.keystone import requires_token
from project.auth.middleware import RequestContextMiddleware

NAMESPACES = "/v2/metadefs/namespaces"
UNAUTHENTICATED = {"message": "The request you have made requires authentication.",
                   "code": "401 Unauthorized", "title": "Unauthorized"}
# Nothing listens on the discard port: what a Keystone that is down looks like.
NO_KEYSTONE = "http://127.0.0.1:9/v3"


@pytest.fixture
def keystone_mode(settings, db):
    settings.AUTH_STRATEGY = "keystone"
    settings.KEYSTONE_AUTH_URL = NO_KEYSTONE
    settings.KEYSTONE_WWW_AUTHENTICATE_URI = "https://keystone.example.test/v3"
    # A new Client builds its middleware chain, so it sees the settings above.
    return Client(HTTP_ACCEPT="application/json")


def test_no_token_is_401_with_glance_body_and_keystone_uri(keystone_mode):
    response = keystone_mode.get(NAMESPACES)
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED
    assert response["WWW-Authenticate"] == 'Keystone uri="https://keystone.example.test/v3"'
    assert response["x-openstack-request-id"].startswith("req-")


def test_401_body_follows_accept_like_every_error(keystone_mode):
    response = keystone_mode.get(NAMESPACES, HTTP_ACCEPT="")
    assert response["Content-Type"] == "text/html; charset=UTF-8"
    assert b"<h1>401 Unauthorized</h1>" in response.content


def test_identity_headers_sent_by_the_client_are_not_trusted(keystone_mode):
    response = keystone_mode.get(NAMESPACES, HTTP_X_IDENTITY_STATUS="Confirmed", HTTP_X_ROLES="admin",
                                 HTTP_X_PROJECT_ID="admin", HTTP_X_TENANT_ID="admin", HTTP_X_USER_ID="root")
    assert response.status_code == 401


def test_versions_and_admin_need_no_token(keystone_mode):
    assert keystone_mode.get("/").status_code == 300
    assert keystone_mode.get("/versions").status_code == 200
    assert keystone_mode.get("/admin/login/").status_code == 200


def test_a_token_when_keystone_cannot_be_reached_is_503(keystone_mode):
    """As Glance answers a Keystone outage (not 401: the token may well be good)."""
    response = keystone_mode.get(NAMESPACES, HTTP_X_AUTH_TOKEN="gAAAAA-some-token")
    assert response.status_code == 503
    assert response.json()["message"] == "The Keystone service is temporarily unavailable."


@pytest.mark.parametrize("path, needed", [
    ("/", False), ("/versions", False), ("/versions/", False), ("/admin/", False),
    ("/admin/metadefs/namespace/", False), ("/static/admin/css/base.css", False),
    ("/v2/", True), ("/v2/metadefs/namespaces", True), ("/v2/images", True), ("/versionsx", True),
    ("/nowhere", True),
])
def test_which_paths_need_a_token(path, needed):
    assert requires_token(path) is needed


def test_keystone_mode_without_auth_url_refuses_to_start(settings):
    settings.AUTH_STRATEGY = "keystone"
    settings.KEYSTONE_AUTH_URL = ""
    with pytest.raises(ImproperlyConfigured, match="KEYSTONE_AUTH_URL"):
        RequestContextMiddleware(lambda request: JsonResponse({}))


def test_unknown_strategy_refuses_to_start(settings):
    settings.AUTH_STRATEGY = "ldap"
    with pytest.raises(ImproperlyConfigured, match="'ldap' is not one of"):
        RequestContextMiddleware(lambda request: JsonResponse({}))


def test_noauth_takes_the_trusted_headers(settings):
    settings.AUTH_STRATEGY = "noauth"
    seen = {}

    def view(request):
        seen["context"] = request.context
        return JsonResponse({})

    request = RequestFactory().get(NAMESPACES, HTTP_X_PROJECT_ID="alpha", HTTP_X_ROLES="Member, reader",
                                   HTTP_X_USER_ID="u1")
    RequestContextMiddleware(view)(request)
    context = seen["context"]
    assert (context.project_id, context.user_id, context.roles) == ("alpha", "u1", frozenset({"member", "reader"}))
