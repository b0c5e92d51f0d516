"""The list filters of GET /v2/metadefs/namespaces, as a django-filter FilterSet."""
import django_filters
from django.db.models import Exists, OuterRef

from metadefs.models import Namespace, ResourceTypeAssociation
from project.errors import InvalidInput


class NamespaceFilterSet(django_filters.FilterSet):
    visibility = django_filters.ChoiceFilter(
        choices=[("public", "public"), ("private", "private")],
        error_messages={"invalid_choice": "Invalid visibility value: %(value)s"},
    )
    resource_types = django_filters.CharFilter(method="_associated_with")

    class Meta:
        model = Namespace
        fields = []

    def namespaces(self):
        if not self.is_valid():
            raise InvalidInput(next(message for messages in self.errors.values() for message in messages))
        return self.qs

    @staticmethod
    def _associated_with(queryset, name, value):
        # A semi-join, not a join plus DISTINCT: the filtered list then costs no more than the whole one.
        names = [item for item in value.split(",") if item]
        if not names:
            return queryset
        associated = ResourceTypeAssociation.objects.filter(namespace=OuterRef("pk"), resource_type__name__in=names)
        return queryset.filter(Exists(associated))
