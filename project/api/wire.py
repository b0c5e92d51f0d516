"""Small helpers for Glance's JSON bodies."""


def isotime(value):
    """Glance's timestamp format: ISO-8601, UTC, whole seconds, 'Z'."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def without_nulls(body):
    """Glance leaves unset fields out of metadef bodies (clients validate them)."""
    return {key: value for key, value in body.items() if value is not None}
