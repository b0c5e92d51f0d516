"""The list filters of GET /v2/images, as a django-filter FilterSet.

Glance's query language: `name=in:a,"b,c"` (or a plain value, or `eq:`),
`created_at=gte:2024-01-01T00:00:00Z`, `size_min=`/`size_max=`, strict
`true`/`false` booleans, repeated `tag=` (all must match), and any unknown
key matches a custom property exactly. Bad values are 400s, never ignored.
"""
import re
from datetime import datetime, timezone

import django_filters
from django import forms
from django.db.models import Exists, OuterRef

from images.visibility import listed_q
from images.choices import Visibility
from images.models import Image, ImageProperty, ImageTag
from project.errors import InvalidInput

# Parameters that shape the page rather than select images.
PAGING_PARAMS = frozenset({"limit", "marker", "sort", "sort_key", "sort_dir"})
TIME_OPERATORS = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte", "eq": "exact", "neq": None}
# Glance splits `in:` lists on commas outside double quotes.
IN_LIST_ITEM = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)",?|([^,]+),?|,')


def parse_time(text):
    """An aware UTC datetime, or None when `text` is not an ISO 8601 time the database can hold."""
    try:
        moment = datetime.fromisoformat(text)
        return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError):
        return None


def split_operator(expression):
    """('eq', 'x') for 'x' or 'eq:x'; a bare ISO time keeps its colons."""
    if parse_time(expression) is not None:
        return "eq", expression
    operator, separator, value = expression.partition(":")
    return (operator, value) if separator else ("eq", expression)


def split_in_list(value):
    _check_quotes(value)
    return [quoted or plain for quoted, plain in IN_LIST_ITEM.findall(value)]


def _check_quotes(value):
    opened = False
    for index, char in enumerate(value):
        if char != '"' or (index and value[index - 1] == "\\"):
            continue
        if not opened and index and value[index - 1] != ",":
            raise forms.ValidationError(f"Invalid filter value {value}. There is no comma before opening "
                                        "quotation mark.")
        if opened and index + 1 != len(value) and value[index + 1] != ",":
            raise forms.ValidationError(f"Invalid filter value {value}. There is no comma after closing "
                                        "quotation mark.")
        opened = not opened
    if opened:
        raise forms.ValidationError(f"Invalid filter value {value}. The quote is not closed.")


class OperatorField(forms.CharField):
    """'v' / 'eq:v' -> ('eq', ['v']); 'in:a,b' -> ('in', ['a', 'b'])."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        operator, operand = split_operator(value)
        if operator == "in":
            return "in", split_in_list(operand)
        if operator == "eq":
            return "eq", [operand]
        raise forms.ValidationError(f"Unable to filter by unknown operator '{operator}'.")


class TimeComparisonField(forms.CharField):
    """'gte:2024-01-01T00:00:00Z' -> ('gte', datetime)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        operator, operand = split_operator(value)
        if operator not in TIME_OPERATORS:
            raise forms.ValidationError("Unable to filter on a unknown operator.")
        moment = parse_time(operand)
        if moment is None:
            raise forms.ValidationError(f'Bad "{self.label}" query filter format. Use ISO 8601 DateTime notation.')
        return operator, moment


class StrictBooleanField(forms.CharField):
    """Only 'true' and 'false' (case-insensitive when `ignore_case`)."""

    def __init__(self, *args, ignore_case=False, **kwargs):
        self.ignore_case = ignore_case
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        normalized = value.lower() if self.ignore_case else value
        if normalized not in ("true", "false"):
            raise forms.ValidationError(f"Invalid value '{value}' for '{self.label}' filter. "
                                        "Valid values are 'true' or 'false'.")
        return normalized == "true"


class RepeatedField(forms.Field):
    """Every value of a repeated query parameter."""

    widget = forms.SelectMultiple

    def to_python(self, value):
        return [item.strip() for item in value or []]


class OperatorFilter(django_filters.Filter):
    field_class = OperatorField

    def filter(self, queryset, value):
        if not value:
            return queryset
        operator, values = value
        if operator == "in":
            return queryset.filter(**{f"{self.field_name}__in": values})
        return queryset.filter(**{self.field_name: values[0]})


class TimeFilter(django_filters.Filter):
    field_class = TimeComparisonField

    def filter(self, queryset, value):
        if not value:
            return queryset
        operator, moment = value
        if operator == "neq":
            return queryset.exclude(**{self.field_name: moment})
        return queryset.filter(**{f"{self.field_name}__{TIME_OPERATORS[operator]}": moment})


class BooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class TagsFilter(django_filters.Filter):
    field_class = RepeatedField

    def filter(self, queryset, value):
        for tag in value or []:
            queryset = queryset.filter(Exists(ImageTag.objects.filter(image=OuterRef("pk"), value=tag)))
        return queryset


class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField


BIGINT = 2**63 - 1


def _integer(field_name, lookup="exact", message=None):
    message = message or f"Invalid value for '{field_name}' filter: an integer is expected."
    messages = {"invalid": message, "max_value": message, "min_value": message}
    return IntegerFilter(field_name=field_name, lookup_expr=lookup, min_value=-BIGINT, max_value=BIGINT,
                         error_messages=messages)


RANGE_MESSAGE = "Unable to filter on a range with a non-numeric value."


class ImageFilterSet(django_filters.FilterSet):
    """Filters a queryset of images for `context`; call images() to get it (InvalidInput on bad input)."""

    name = OperatorFilter()
    id = OperatorFilter()
    status = OperatorFilter()
    container_format = OperatorFilter()
    disk_format = OperatorFilter()
    owner = django_filters.CharFilter()
    checksum = django_filters.CharFilter()
    os_hash_algo = django_filters.CharFilter()
    os_hash_value = django_filters.CharFilter()
    size = _integer("size")
    virtual_size = _integer("virtual_size")
    min_disk = _integer("min_disk")
    min_ram = _integer("min_ram")
    size_min = _integer("size", "gte", RANGE_MESSAGE)
    size_max = _integer("size", "lte", RANGE_MESSAGE)
    protected = BooleanFilter(label="protected")
    os_hidden = BooleanFilter(label="os_hidden", ignore_case=True)
    created_at = TimeFilter(label="created_at")
    updated_at = TimeFilter(label="updated_at")
    tag = TagsFilter()
    visibility = django_filters.ChoiceFilter(
        choices=[*Visibility.choices, ("all", "All")], method="_scope",
        error_messages={"invalid_choice": "Invalid visibility value: %(value)s"},
    )
    member_status = django_filters.ChoiceFilter(
        choices=[("pending", "pending"), ("accepted", "accepted"), ("rejected", "rejected"), ("all", "all")],
        method="_scope", error_messages={"invalid_choice": "Invalid status: %(value)s"},
    )

    class Meta:
        model = Image
        fields = []

    def __init__(self, data=None, queryset=None, *, context, **kwargs):
        super().__init__(data, queryset if queryset is not None else Image.objects.all(), **kwargs)
        self.context = context

    def images(self):
        if "changes-since" in self.data:
            raise InvalidInput('The "changes-since" filter is no longer available on v2.')
        if not self.is_valid():
            raise InvalidInput(_first_error(self.errors))
        return self.qs

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        cleaned = self.form.cleaned_data
        queryset = scoped(queryset, self.context, visibility=cleaned.get("visibility") or None,
                          member_status=cleaned.get("member_status") or "accepted",
                          hidden_filtered=cleaned.get("os_hidden") is not None)
        for name, value in self._property_filters():
            queryset = queryset.filter(
                Exists(ImageProperty.objects.filter(image=OuterRef("pk"), name=name, value=value)))
        return queryset

    def _property_filters(self):
        known = set(self.filters) | PAGING_PARAMS
        return [(name, self.data[name]) for name in self.data if name not in known]

    @staticmethod
    def _scope(queryset, name, value):
        # visibility and member_status change who sees what: applied in filter_queryset.
        return queryset


def scoped(queryset, context, *, visibility=None, member_status="accepted", hidden_filtered=False):
    """What a list shows `context` before other filters; hidden images only when os_hidden is asked for."""
    queryset = queryset.filter(listed_q(context, visibility=visibility, member_status=member_status))
    return queryset if hidden_filtered else queryset.filter(os_hidden=False)


def images_listed(params, context):
    """The images a list request selects (not yet sorted or paged).

    A request with only paging and sort parameters skips the filter form,
    whose construction and validation were a third of such a request.
    """
    if set(params) <= PAGING_PARAMS:
        return scoped(Image.objects.all(), context)
    return ImageFilterSet(params, context=context).images()


def _first_error(errors):
    for messages in errors.values():
        for message in messages:
            return message
    return "Invalid filter."
