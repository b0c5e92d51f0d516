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
    return problems
