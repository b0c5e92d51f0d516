"""Schema documents: served as the objects that validate requests, and answers validate against them.

python-glanceclient builds warlock models from these documents and validates every body it receives
(additionalProperties: false), so an extra or null field in an answer breaks the client.
"""
import jsonschema
import pytest

from metadefs import schemas
from tests.metadefs.conftest import ns_url

NS = "OS::Test::Sample"


@pytest.mark.parametrize("name", sorted(schemas.DOCUMENTS))
def test_documents_are_served(api, name):
    response = api.get(f"/v2/schemas/metadefs/{name}")
    assert response.status_code == 200
    assert response.json() == schemas.DOCUMENTS[name]
    jsonschema.Draft4Validator.check_schema(response.json())


def test_collection_documents_link_for_paging(api):
    links = api.get("/v2/schemas/metadefs/namespaces").json()["links"]
    assert links == [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                     {"rel": "describedby", "href": "{schema}"}]


def served(api, name):
    return jsonschema.Draft4Validator(api.get(f"/v2/schemas/metadefs/{name}").json())


def test_namespace_answers_validate(api, namespace):
    validator = served(api, "namespace")
    body = api.get(ns_url(NS)).json()
    body.pop("self")  # glanceclient drops it before validating, as Glance's own schema omits nothing else
    validator.validate(body)
    validator.validate(api.get(ns_url(NS) + "?resource_type=OS::Nova::Flavor").json())
    served(api, "namespaces").validate(api.get("/v2/metadefs/namespaces").json())


def test_child_answers_validate(api, namespace):
    property_validator = served(api, "property")
    property_validator.validate(api.get(ns_url(NS, "properties", "cpu_policy")).json())
    for name, definition in api.get(ns_url(NS, "properties")).json()["properties"].items():
        property_validator.validate({**definition, "name": name})
    served(api, "object").validate(api.get(ns_url(NS, "objects", "Topology")).json())
    served(api, "tag").validate(api.get(ns_url(NS, "tags", "fast")).json())
    served(api, "tags").validate(api.get(ns_url(NS, "tags")).json())
    association_validator = served(api, "resource_type")
    for association in api.get(ns_url(NS, "resource_types")).json()["resource_type_associations"]:
        association_validator.validate(association)
