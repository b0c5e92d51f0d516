"""Which optional API features this deployment has on, for the versions document (project.api.versions)."""
from images import cache
from images.stores import registry
from project.api.versions import feature_source


@feature_source
def image_features():
    return ({"locations_api"} | ({"multistore"} if registry.several() else set())
            | ({"cache"} if cache.enabled() else set()))
