"""Glance's marker paging: limit/marker/sort parameters and the {first, next, schema} links."""
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q

from project.errors import InvalidInput


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


def parse_sort_dir(params, default="desc"):
    value = params.get("sort_dir", default)
    if value not in ("asc", "desc"):
        raise InvalidInput(f"Invalid sort direction: {value}")
    return value


def parse_sort_key(params, allowed, default="created_at"):
    value = params.get("sort_key", default)
    if value not in allowed:
        raise InvalidInput(f"Invalid sort key: {value}. Valid keys: {', '.join(sorted(allowed))}.")
    return value


def ordered(queryset, keys, direction):
    """Order by `keys` (unique together), all in `direction`."""
    sign = "-" if direction == "desc" else ""
    return queryset.order_by(*(sign + key for key in keys))


def after_marker(queryset, keys, marker, direction):
    """Rows strictly after `marker` in the order given by `keys` and `direction`.

    Keyset paging: (k1, k2, ...) > (m1, m2, ...) lexicographically, so a page
    costs one indexed query however deep it is.
    """
    op = "lt" if direction == "desc" else "gt"
    condition = Q()
    for index, key in enumerate(keys):
        step = Q(**{f"{key}__{op}": getattr(marker, key)})
        for earlier in keys[:index]:
            step &= Q(**{earlier: getattr(marker, earlier)})
        condition |= step
    return queryset.filter(condition)


def page_links(path, params, next_marker):
    """Glance's `first` (the query without marker) and `next` (with the last item as marker)."""
    query = [(key, value) for key, values in params.lists() if key != "marker" for value in values]
    first = f"{path}?{urlencode(query)}" if query else path
    links = {"first": first}
    if next_marker is not None:
        links["next"] = f"{path}?{urlencode(query + [('marker', next_marker)])}"
    return links
