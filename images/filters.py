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
from django.db import connection
from django.db.models import Exists, ExpressionWrapper, F, Func, IntegerField, OuterRef, Q

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
    """`name=in:a,b` or `name=a`; `many_match`: a column with few values (status, formats), whose
    condition is weighed by column_condition."""
    field_class = OperatorField

    def __init__(self, *args, many_match=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.many_match = many_match

    def filter(self, queryset, value):
        if not value:
            return queryset
        operator, values = value
        lookup, operand = ("in", values) if operator == "in" else ("exact", values[0])
        if self.many_match:
            return column_condition(queryset, self.field_name, {lookup: operand})
        return queryset.filter(**{f"{self.field_name}__{lookup}": operand})


class TimeFilter(django_filters.Filter):
    field_class = TimeComparisonField

    def filter(self, queryset, value):
        if not value:
            return queryset
        operator, moment = value
        if operator == "neq":
            return queryset.exclude(**{self.field_name: moment})
        return column_condition(queryset, self.field_name, {TIME_OPERATORS[operator]: moment})


def column_condition(queryset, field, bounds):
    """`field__lookup=value` for each of `bounds` ({lookup: value}), written on SQLite so that its planner does
    not lead with the column's index when many images match: without per-value statistics it led with
    status=active and sorted 80,000 images for one page, and with a created_at range beside a marker it walked
    the whole range (0.2 s at 100,000 images). A capped count from the index decides, as for tags and
    properties (LEADING_MATCHES): many keep the condition under a unary plus, which leaves the index to the
    sort order; few that a range selects lead by id, because SQLite rates any two ranges alike and, for
    size_min beside a marker's created_at range, walked the sort order's index past every image (60 ms)."""
    condition = {f"{field}__{lookup}": value for lookup, value in bounds.items()}
    if connection.vendor != "sqlite":
        return queryset.filter(**condition)
    matches = Image.objects.filter(**condition).order_by().values("pk")
    if matches[:LEADING_MATCHES].count() < LEADING_MATCHES:
        return queryset.filter(pk__in=matches) if RANGE_LOOKUPS & set(bounds) else queryset.filter(**condition)
    alias = f"{field}_unindexed"
    unindexed = Func(F(field), template="+%(expressions)s", output_field=Image._meta.get_field(field))
    return queryset.alias(**{alias: unindexed}).filter(**{f"{alias}__{lookup}": value
                                                         for lookup, value in bounds.items()})


RANGE_LOOKUPS = frozenset({"gt", "gte", "lt", "lte"})


class BooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField

    def filter(self, queryset, value):
        if value is None:
            return queryset
        # `IN (true)`, not the bare column Django writes for `= true`, which no index serves: the
        # few flagged images are then looked up by index. `false` is nearly every image, found
        # soonest along the sort order's index.
        return queryset.filter(**{f"{self.field_name}__in": [True]}) if value else nearly_all(
            queryset, self.field_name, False)


def nearly_all(queryset, field, value):
    """`field = value` where nearly every image has that value (os_hidden, protected false), kept out of the
    planner's choice of index: MariaDB looked the rows up by (os_hidden, created_at, id) and, for created_at=lte,
    walked every unhidden image from the newest (250 ms at 100,000 images), where the sort order's index finds a
    page at once (0.3 ms). `field + 0` keeps the condition, not the index."""
    alias = f"{field}_plain"
    plain = ExpressionWrapper(F(field) + 0, output_field=IntegerField())
    return queryset.alias(**{alias: plain}).filter(**{alias: int(value)})


# A filter few images match leads the query: their ids come from its index, and only those
# images are checked and sorted. One that many match is better checked image by image along
# the sort order's index, which stops after a page. SQLite keeps no per-value statistics to
# tell the two apart (it led with os_distro=ubuntu: 30,000 images sorted for one page), so a
# count of the matches, capped and answered from the index alone, decides.
LEADING_MATCHES = 2000


def matched_by_all(row_sets):
    """Conditions on images for having a row in each of `row_sets` (ImageProperty or ImageTag rows).

    The set with the fewest matches leads when it is rare, or when others narrow it further
    (tag=a&tag=b of 2% each is 0.04%: found one image in 2,500 along the sort order); the
    rest are checked image by image.
    """
    counts = _capped_counts(row_sets)
    fewest = min(range(len(counts)), key=counts.__getitem__, default=None)
    leader = fewest if fewest is not None and (counts[fewest] < LEADING_MATCHES or len(counts) > 1) else None
    return [Q(pk__in=rows.values("image_id")) if index == leader else Q(Exists(rows.filter(image=OuterRef("pk"))))
            for index, rows in enumerate(row_sets)]


def _capped_counts(row_sets):
    """How many rows each set has, counted no further than tells which is fewest: a lone set only up to
    LEADING_MATCHES, each next one only past the fewest so far (os_distro=ubuntu, 30% of images, counted to
    20,000 cost MariaDB 16 ms). Unordered: the models' default order in the capped subquery had MariaDB sort
    every match (42 ms)."""
    counts, cap = [], LEADING_MATCHES * (10 if len(row_sets) > 1 else 1)
    for rows in row_sets:
        counts.append(rows.order_by()[:cap].count())
        cap = min(cap, counts[-1] + 1)
    return counts


class TagsFilter(django_filters.Filter):
    field_class = RepeatedField

    def filter(self, queryset, value):
        # Applied with the property filters in filter_queryset: one of them may lead the query.
        return queryset


class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField


class SizeFilter(IntegerFilter):
    def filter(self, queryset, value):
        # size, size_min and size_max make one range, weighed as one in filter_queryset.
        return queryset


BIGINT = 2**63 - 1


def _integer(field_name, lookup="exact", message=None, kind=IntegerFilter):
    message = message or f"Invalid value for '{field_name}' filter: an integer is expected."
    messages = {"invalid": message, "max_value": message, "min_value": message}
    return kind(field_name=field_name, lookup_expr=lookup, min_value=-BIGINT, max_value=BIGINT,
                error_messages=messages)


RANGE_MESSAGE = "Unable to filter on a range with a non-numeric value."


class ImageFilterSet(django_filters.FilterSet):
    """Filters a queryset of images for `context`; call images() to get it (InvalidInput on bad input)."""

    name = OperatorFilter()
    id = OperatorFilter()
    status = OperatorFilter(many_match=True)
    container_format = OperatorFilter(many_match=True)
    disk_format = OperatorFilter(many_match=True)
    owner = django_filters.CharFilter()
    checksum = django_filters.CharFilter()
    os_hash_algo = django_filters.CharFilter()
    os_hash_value = django_filters.CharFilter()
    size = _integer("size", kind=SizeFilter)
    virtual_size = _integer("virtual_size")
    min_disk = _integer("min_disk")
    min_ram = _integer("min_ram")
    size_min = _integer("size", "gte", RANGE_MESSAGE, SizeFilter)
    size_max = _integer("size", "lte", RANGE_MESSAGE, SizeFilter)
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
        sizes = {item.lookup_expr: cleaned[name] for name, item in self.filters.items()
                 if isinstance(item, SizeFilter) and cleaned.get(name) is not None}
        if sizes:
            queryset = column_condition(queryset, "size", sizes)
        row_sets = [ImageTag.objects.filter(value=tag) for tag in cleaned.get("tag") or []]
        row_sets += [ImageProperty.objects.filter(name=name, value=value) for name, value in self._property_filters()]
        return queryset.filter(*matched_by_all(row_sets))

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
    return queryset if hidden_filtered else nearly_all(queryset, "os_hidden", False)


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
