"""Every metadefs list costs a fixed number of SQL queries, whatever the number of rows."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.metadefs.conftest import NS_PATH, ns_url

NS = "OS::Test::Sample"
LISTS = [
    NS_PATH,
    NS_PATH + "?resource_types=OS::Nova::Flavor",
    ns_url(NS),
    ns_url(NS, "objects"),
    ns_url(NS, "properties"),
    ns_url(NS, "tags"),
    ns_url(NS, "resource_types"),
    "/v2/metadefs/resource_types",
]


def grow(api, start, stop):
    """Add rows numbered start..stop-1 of every kind the lists return."""
    for index in range(start, stop):
        api.post(NS_PATH, {"namespace": f"extra-{index}",
                           "resource_type_associations": [{"name": "OS::Nova::Flavor"}, {"name": f"T{index}"}]})
        api.post(ns_url(NS, "objects"), {"name": f"object-{index}"})
        api.post(ns_url(NS, "properties"), {"name": f"property-{index}", "title": "P", "type": "string"})
        api.post(ns_url(NS, "tags", f"tag-{index}"))
        api.post(ns_url(NS, "resource_types"), {"name": f"T{index}"})


def queries(api, path):
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", LISTS)
def test_list_query_count_does_not_grow_with_rows(api, namespace, path):
    grow(api, 0, 2)
    few = queries(api, path)
    grow(api, 2, 27)
    assert queries(api, path) == few
    assert few <= 6
