import json

import pytest
from rest_framework.test import APIClient


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
