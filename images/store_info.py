"""GET /v2/info/stores and /v2/info/stores/detail: the configured stores, as Glance's multi-store lists them."""
from django.conf import settings

from images.stores import registry
from project.auth import policy
from project.errors import NotFound


def ensure_several_stores():
    """404 as Glance answers where multi-store is off (here: one store configured)."""
    if not registry.several():
        raise NotFound("Multi backend is not supported at this site.")


def stores_listed(context, *, detail=False):
    """Each store: id, description, default and read-only flags; with `detail` (stores_info_detail),
    its type, weight and configuration."""
    ensure_several_stores()
    if detail:
        policy.enforce(context, "stores_info_detail")
    return [_store_body(entry, detail) for entry in registry.image_stores().values()]


def _store_body(entry, detail):
    body = {"id": entry.id}
    if entry.description:
        body["description"] = entry.description
    if entry.id == settings.IMAGE_DEFAULT_STORE:
        body["default"] = "true"
    if entry.driver.read_only:
        body["read-only"] = "true"
    if detail:
        body.update(type=entry.type, properties=entry.driver.properties(), weight=entry.weight)
    return body
