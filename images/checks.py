"""Start-up checks (`manage.py check`, and before `manage.py serve` and `migrate`): a bad IMAGE_STORES or
IMAGE_SCHEMA_FILE stops the service there, naming what is wrong, instead of failing requests later."""
from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from images import schemas
from images.stores import registry
from images.stores.errors import StoreConfigurationError


@register()
def image_configuration(app_configs, **kwargs):
    problems = []
    try:
        registry.build(settings.IMAGE_STORES, settings.IMAGE_DEFAULT_STORE, settings.STAGING_DIR)
    except StoreConfigurationError as exc:
        problems.append(Error(str(exc), id="images.E001"))
    try:
        schemas.image_schema()
    except ImproperlyConfigured as exc:
        problems.append(Error(str(exc), id="images.E002"))
    if settings.UPLOAD_LEASE_SECONDS < 5:
        problems.append(Error(f"UPLOAD_LEASE_SECONDS={settings.UPLOAD_LEASE_SECONDS}: at least 5 seconds, so that "
                              "an upload's worker can renew its lease in time", id="images.E003"))
    return problems
