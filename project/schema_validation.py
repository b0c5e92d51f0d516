"""The JSON-schema validator for the service's own request schemas.

Published schemas keep Glance's patterns (`^...$`), but Python's `$` also
matches before a final newline: "<uuid>\\n" would pass as an id. Here a
pattern's trailing `$` means the end of the string, so patterns match whole
strings as their authors meant.
"""
import re
from functools import lru_cache

import jsonschema
from jsonschema.exceptions import ValidationError


@lru_cache(maxsize=None)
def whole_string_pattern(pattern):
    return re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern)


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not whole_string_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


StrictDraft4Validator = jsonschema.validators.extend(jsonschema.Draft4Validator, {"pattern": _pattern})
