"""The namespace list FilterSet, without HTTP."""
import pytest
from django.http import QueryDict

from metadefs.filters import NamespaceFilterSet
from metadefs.models import Namespace, ResourceType, ResourceTypeAssociation
from project.errors import InvalidInput


@pytest.fixture
def catalog(db):
    flavor, image = ResourceType.objects.create(name="OS::Nova::Flavor"), ResourceType.objects.create(name="OS::Glance::Image")
    both = Namespace.objects.create(namespace="both", visibility="public")
    flavor_only = Namespace.objects.create(namespace="flavor-only", visibility="private")
    Namespace.objects.create(namespace="none", visibility="public")
    for namespace, resource_type in ((both, flavor), (both, image), (flavor_only, flavor)):
        ResourceTypeAssociation.objects.create(namespace=namespace, resource_type=resource_type)


def names(query):
    return sorted(NamespaceFilterSet(QueryDict(query), queryset=Namespace.objects.all()).namespaces()
                  .values_list("namespace", flat=True))


@pytest.mark.parametrize("query, expected", [
    ("", ["both", "flavor-only", "none"]),
    ("visibility=public", ["both", "none"]),
    ("resource_types=OS::Nova::Flavor", ["both", "flavor-only"]),
    ("resource_types=OS::Nova::Flavor,OS::Glance::Image", ["both", "flavor-only"]),  # any of them, each once
    ("resource_types=OS::Glance::Image&visibility=private", []),
    ("resource_types=", ["both", "flavor-only", "none"]),
])
def test_filters(catalog, query, expected):
    assert names(query) == expected


def test_bad_visibility_is_a_400_naming_it(catalog):
    with pytest.raises(InvalidInput, match="Invalid visibility value: shared"):
        names("visibility=shared")
