"""The image schemas (their structure against Glance 33: tests/api/test_glance_schemas.py)."""
import pytest

from images.choices import Status
from tests.images.conftest import with_body


def test_status_enum_lists_every_status(api):
    served = api.get("/v2/schemas/image").json()["properties"]["status"]["enum"]
    assert set(served) == set(Status.values)


@pytest.mark.parametrize("name", ["image", "images", "member", "members"])
def test_schema_with_a_body_is_a_bad_request(api, name):
    assert with_body(api, "GET", f"/v2/schemas/{name}").status_code == 400
