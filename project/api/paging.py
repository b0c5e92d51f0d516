"""Glance's list protocol, once for every collection: limit, marker, sort keys and directions,
keyset paging, and the {<items>, first, next, schema} envelope.

A list view parses the query with `ListQuery.parse`, lets a selector run
`page(queryset, query.order, marker=..., limit=...)` and answers `envelope(...)`.
"""
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from project.errors import InvalidInput

SORT_DIRS = ("asc", "desc")


def parse_limit(params):
    raw = params.get("limit")
    if raw is None:
        return settings.LIMIT_PARAM_DEFAULT
    try:
        limit = int(raw)
    except ValueError:
        raise InvalidInput(f"limit param must be an integer, got {raw!r}.") from None
    if limit < 0:
        raise InvalidInput("limit param must be positive.")
    return min(limit, settings.API_LIMIT_MAX)


@dataclass(frozen=True)
class SortOrder:
    """Sort keys with one direction each, ending in `tiebreak` (together unique) for stable pages.

    `nulls_as` maps a nullable key to (value, output field): NULLs then sort as
    that value on every database, and markers with a NULL compare the same way.
    """

    keys: tuple
    dirs: tuple
    nulls_as: dict = field(default_factory=dict)

    @classmethod
    def of(cls, keys, dirs, *, tiebreak=("created_at", "id"), nulls_as=None):
        keys, dirs = list(keys), list(dirs)
        default = dirs[0] if len(dirs) == 1 else "desc"
        dirs = dirs * len(keys) if len(dirs) == 1 else dirs
        for key in tiebreak:
            if key not in keys:
                keys.append(key)
                dirs.append(default)
        return cls(tuple(keys), tuple(dirs), nulls_as or {})

    def apply(self, queryset):
        annotations = {self._column(key): self._expression(key) for key in self.keys if key in self.nulls_as}
        ordering = [F(self._column(key)).asc() if direction == "asc" else F(self._column(key)).desc()
                    for key, direction in zip(self.keys, self.dirs)]
        return queryset.annotate(**annotations).order_by(*ordering)

    def after(self, marker):
        """Rows after `marker` in this order: (k1 > m1) or (k1 = m1 and k2 > m2) or ... (one indexed query)."""
        condition = Q()
        for index, (key, direction) in enumerate(zip(self.keys, self.dirs)):
            step = Q(**{f"{self._column(key)}__{'gt' if direction == 'asc' else 'lt'}": self._value(marker, key)})
            for earlier in self.keys[:index]:
                step &= Q(**{self._column(earlier): self._value(marker, earlier)})
            condition |= step
        return condition

    def _column(self, key):
        return f"sort_{key}" if key in self.nulls_as else key

    def _expression(self, key):
        default, output = self.nulls_as[key]
        return Coalesce(F(key), Value(default), output_field=output())

    def _value(self, marker, key):
        value = getattr(marker, key)
        return self.nulls_as[key][0] if value is None and key in self.nulls_as else value


def _sort_key(key, allowed):
    if key.strip() not in allowed:
        raise InvalidInput(f"Invalid sort key: {key}. It must be one of the following: {', '.join(allowed)}.")
    return key.strip()


def _sort_dir(direction):
    if direction.strip() not in SORT_DIRS:
        raise InvalidInput(f"Invalid sort direction: {direction}")
    return direction.strip()


def parse_sort(params, allowed, *, multiple=False, default_key="created_at"):
    """(keys, dirs) from sort_key/sort_dir, or, with `multiple`, Glance's image syntaxes:
    repeated sort_key/sort_dir, or sort=key:dir,... (the two cannot be combined)."""
    if not multiple:
        return [_sort_key(params.get("sort_key", default_key), allowed)], [_sort_dir(params.get("sort_dir", "desc"))]
    if "sort" in params:
        if "sort_key" in params or "sort_dir" in params:
            raise InvalidInput("Old and new sorting syntax cannot be combined")
        pairs = [item.partition(":") for item in params["sort"].strip().split(",")]
        return [_sort_key(key, allowed) for key, _, _ in pairs], [_sort_dir(d or "desc") for _, _, d in pairs]
    keys = [_sort_key(key, allowed) for key in params.getlist("sort_key")] or [default_key]
    dirs = [_sort_dir(direction) for direction in params.getlist("sort_dir")] or ["desc"]
    if len(dirs) > 1 and len(dirs) != len(keys):
        raise InvalidInput("Number of sort dirs does not match the number of sort keys")
    return keys, dirs


def page(queryset, order, *, marker=None, limit):
    """One page (a list) of `queryset` in `order`, after the `marker` row."""
    rows = order.apply(queryset)
    if marker is not None:
        rows = rows.filter(order.after(marker))
    return list(rows[:limit])


def next_marker(rows, limit, key=lambda row: row.pk):
    """The marker of the next page: the last row's key when the page is full."""
    return key(rows[-1]) if rows and len(rows) == limit else None


def envelope(collection, bodies, *, schema, path=None, params=None, marker=None):
    """{collection: bodies, first, next, schema}; `first`/`next` only for collections Glance links (`path`)."""
    body = {collection: bodies}
    if path is not None:
        body.update(_links(path, params, marker))
    body["schema"] = schema
    return body


def _links(path, params, marker):
    """Glance's `first` (the query without marker) and `next` (with the last item as marker)."""
    query = [(key, value) for key, values in params.lists() if key != "marker" for value in values]
    links = {"first": f"{path}?{urlencode(query)}" if query else path}
    if marker is not None:
        links["next"] = f"{path}?{urlencode(query + [('marker', marker)])}"
    return links
