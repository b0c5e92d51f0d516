"""Every /v2/schemas document keeps the structure Glance 33 serves (descriptions are our own).

The reference is what Glance 33.0.0's own router answered, captured once by
tests/data/glance33/capture.py: with its default schema-image.json (as every deployment
ships it, and as IMAGE_SCHEMA_FILE defaults here) and without one (base properties only).
"""
import json
from pathlib import Path

import pytest

CAPTURES = Path(__file__).resolve().parents[1] / "data" / "glance33"
GLANCE_SCHEMAS = json.loads((CAPTURES / "schemas-with-schema-image.json").read_text())
GLANCE_BASE_ONLY = json.loads((CAPTURES / "schemas.json").read_text())
SERVED = sorted(GLANCE_SCHEMAS)


def without_descriptions(document):
    if isinstance(document, dict):
        return {key: without_descriptions(value) for key, value in document.items() if key != "description"}
    if isinstance(document, list):
        return [without_descriptions(item) for item in document]
    return document


@pytest.mark.parametrize("name", SERVED)
def test_schema_structure_matches_glance(api, name):
    response = api.get(f"/v2/schemas/{name}")
    assert response.status_code == 200
    assert without_descriptions(response.json()) == without_descriptions(GLANCE_SCHEMAS[name])


@pytest.mark.parametrize("name", ["image", "images"])
def test_without_a_schema_file_only_base_properties(api, settings, name):
    settings.IMAGE_SCHEMA_FILE = ""
    served = api.get(f"/v2/schemas/{name}").json()
    assert without_descriptions(served) == without_descriptions(GLANCE_BASE_ONLY[name])
