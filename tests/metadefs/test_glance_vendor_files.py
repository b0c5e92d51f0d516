"""Every vendor file the glance 33.0.0 package ships (etc/metadefs, copied into tests/data) loads, as in Glance."""
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from metadefs.models import MetadefObject, Namespace
from tests.metadefs.conftest import NS_PATH

GLANCE_FILES = sorted((Path(__file__).resolve().parents[1] / "data" / "glance33" / "metadefs").glob("*.json"))


def test_every_glance_file_loads_with_load_metadefs(db):
    call_command("load_metadefs", str(GLANCE_FILES[0].parent), stdout=io.StringIO())
    assert Namespace.objects.count() == len(GLANCE_FILES)


@pytest.mark.parametrize("path", GLANCE_FILES, ids=[path.name for path in GLANCE_FILES])
def test_every_glance_file_loads_through_the_api(api, path):
    response = api.post(NS_PATH, raw=path.read_text())
    assert response.status_code == 201, response.content


def test_untidy_definitions_are_kept_as_given(db):
    """software-databases.json lists an enum value twice and has a default outside its enum."""
    call_command("load_metadefs", str(GLANCE_FILES[0].parent), stdout=io.StringIO())
    objects = json.loads((GLANCE_FILES[0].parent / "software-databases.json").read_text())["objects"]
    given = {name: definition for obj in objects for name, definition in obj["properties"].items()}
    stored = {name: definition for obj in MetadefObject.objects.filter(namespace__namespace="OS::Software::DBMS")
              for name, definition in obj.properties.items()}
    for name in ("sw_database_sqlserver_edition", "sw_database_oracle_edition"):
        assert (stored[name]["enum"], stored[name].get("default")) == (given[name]["enum"], given[name].get("default"))
