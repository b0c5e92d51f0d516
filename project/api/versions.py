"""The versions document: which minor versions of the Image API v2 this deployment speaks.

Clients pick the highest listed version and use what it brought (glanceclient and openstacksdk
refuse import before v2.6, multi-store before v2.8, image tasks before v2.12, ...), so a
version is listed once its feature exists here. Like Glance, some are listed only when the
deployment has the feature on: multi-store (v2.8-v2.13) with several stores, the cache
versions (v2.14, v2.16, v2.18) with an image cache (glanceclient's cache-* commands ask for
them). The apps say which features are on (`feature_source`); this module knows nothing about images.
"""
# (version, the feature it needs; None: always there), highest first.
VERSIONS = [
    ("2.18", "cache"), ("2.17", "locations_api"), ("2.16", "cache"), ("2.15", None), ("2.14", "cache"),
    ("2.13", "multistore"), ("2.12", "multistore"), ("2.11", "multistore"), ("2.10", "multistore"), ("2.9", None), ("2.8", "multistore"),
    ("2.7", None), ("2.6", None), ("2.5", None), ("2.4", None), ("2.3", None), ("2.2", None),
    ("2.1", None), ("2.0", None),
]

_sources = []


def feature_source(function):
    """Register `function() -> set of feature names that are on`."""
    _sources.append(function)
    return function


def supported_versions():
    """[(version, "CURRENT" | "SUPPORTED")], the highest listed version CURRENT."""
    features = set().union(*(source() for source in _sources))
    listed = [version for version, feature in VERSIONS if feature is None or feature in features]
    return [(version, "CURRENT" if index == 0 else "SUPPORTED") for index, version in enumerate(listed)]
