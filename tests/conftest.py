import json

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from tests.support.http_server import http_server  # noqa: F401 - the fixture, for every test


@pytest.fixture(scope="session", autouse=True)
def static_files_from_the_apps(django_test_environment):
    """In-process tests (test client, pytest-django's live_server) find static files as `runserver`
    does with DEBUG on: plain names, read from the apps' static/ directories.

    The manifest storage of project/settings.py names files from the manifest collectstatic
    writes, and these tests run no collectstatic: any admin page would raise "Missing staticfiles
    manifest entry". Django's documentation advises plain StaticFilesStorage for tests; the hashed,
    compressed, cached-for-years files are tested where they are served, against gunicorn
    (tests/browser/test_admin_static_gunicorn.py). WhiteNoise, likewise, reads the apps' directories
    on each request as it does with DEBUG on, instead of warning that STATIC_ROOT was never filled.
    """
    with override_settings(
        STORAGES={**settings.STORAGES,
                  "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
        WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True,
    ):
        yield


class Api:
    """DRF test client speaking JSON, acting as one caller (trusted headers)."""

    def __init__(self, headers=None):
        self.client = APIClient()
        # JSON error bodies keep assertions on messages readable; HTML errors are tested on their own.
        self.headers = {"HTTP_ACCEPT": "application/json", **(headers or {})}

    def as_(self, project, roles="member", user="user-1"):
        return Api({"HTTP_X_PROJECT_ID": project, "HTTP_X_ROLES": roles, "HTTP_X_USER_ID": user})

    def _call(self, method, path, body=None, headers=None, raw=None, content_type="application/json"):
        extra = {**self.headers, **(headers or {})}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"content_type": content_type} if data is not None else {}
        return getattr(self.client, method)(path, data=data, **kwargs, **extra)

    def get(self, path, **kw):
        return self._call("get", path, **kw)

    def post(self, path, body=None, **kw):
        return self._call("post", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self._call("put", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self._call("patch", path, body, **kw)

    def delete(self, path, **kw):
        return self._call("delete", path, **kw)


@pytest.fixture
def api(db):
    """An administrator of project 'admin' (what a request with no identity headers is)."""
    return Api()
