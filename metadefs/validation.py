"""Checks on metadef documents, using the schemas in metadefs/schemas.py.

Besides matching the wire schema, a property definition must itself be a
usable JSON schema: images will later validate values against it.
"""
import copy
import logging
import json
import re
from functools import lru_cache

import jsonschema

from project.errors import InvalidInput
from project.schema_validation import StrictDraft4Validator

log = logging.getLogger(__name__)

_FORMATS = jsonschema.FormatChecker()
_TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


# Validators of the module-level schema documents, compiled once each.
_document_validators = {}


def validate_document(schema, document, what):
    """Raise InvalidInput naming the first field of `document` that breaks `schema`."""
    validator = _document_validators.get(id(schema))
    if validator is None:
        validator = _document_validators[id(schema)] = StrictDraft4Validator(schema, format_checker=_FORMATS)
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        raise InvalidInput(f"Invalid {what}: {_describe(error)}")


def _describe(error):
    location = "/".join(str(part) for part in error.absolute_path)
    if error.validator == "additionalProperties" and error.validator_value is False:
        return error.message
    return f"'{location}': {error.message}" if location else error.message


def check_property_definition(name, definition):
    """`definition` with its default typed (see typed_default); InvalidInput unless it can serve as the
    schema of property `name`."""
    definition = typed_default(definition)
    problem = _definition_problem(definition)
    if problem:
        raise InvalidInput(f"Property '{name}' is not a usable definition: {problem}")
    return definition


_PARSE_DEFAULT = {
    "integer": int,
    "number": float,
    "boolean": lambda text: {"true": True, "false": False}[text.strip().lower()],
}


def typed_default(definition):
    """Glance answers a default as text ("8", "True": metadefs/api/serializers.py), so clients send it back
    so: for a typed property it is read back into its type, and stored and validated as that."""
    parse, default = _PARSE_DEFAULT.get(definition.get("type")), definition.get("default")
    if parse is None or not isinstance(default, str):
        return definition
    try:
        return {**definition, "default": parse(default)}
    except (ValueError, KeyError):
        return definition  # refused as a default of the wrong type


def _tolerant_metaschema():
    """Draft 4's metaschema without `enum`'s uniqueItems: a value listed twice is untidy, not unusable
    (Glance's own software-databases.json does it), so such definitions load and keep their data."""
    metaschema = copy.deepcopy(jsonschema.Draft4Validator.META_SCHEMA)
    metaschema["properties"]["enum"].pop("uniqueItems", None)
    return jsonschema.Draft4Validator(metaschema)


_METASCHEMA = _tolerant_metaschema()


def _definition_problem(definition):
    schema = schema_of(definition)
    error = jsonschema.exceptions.best_match(_METASCHEMA.iter_errors(schema))
    if error is not None:
        return error.message
    for low, high in (("minimum", "maximum"), ("minLength", "maxLength"), ("minItems", "maxItems")):
        if low in schema and high in schema and schema[low] > schema[high]:
            return f"{low} ({schema[low]}) is greater than {high} ({schema[high]})"
    for pattern in (schema.get("pattern"), (schema.get("items") or {}).get("pattern")):
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                return f"pattern {pattern!r} is not a valid regular expression ({exc})"
    return _enum_problem(schema) or _default_problem(schema)


def _enum_problem(schema):
    check = _TYPE_CHECKS.get(schema.get("type"))
    for value in schema.get("enum") or []:
        if check and not check(value):
            return f"enum value {value!r} is not of type {schema['type']}"
    return None


def _default_problem(schema):
    """A default that breaks its own definition, except for not being one of the enum's values:
    Glance's software-databases.json ships such a default (a data slip a client can still show),
    so it is logged and kept, where a default of the wrong type or out of range is refused."""
    if "default" not in schema:
        return None
    constraints = {key: value for key, value in schema.items() if key not in ("default", "enum")}
    error = jsonschema.exceptions.best_match(jsonschema.Draft4Validator(constraints).iter_errors(schema["default"]))
    if error is not None:
        return f"default {schema['default']!r} does not satisfy the definition ({error.message})"
    if "enum" in schema and schema["default"] not in schema["enum"]:
        log.warning("Property default %r is not one of its enum values %r; kept as given", schema["default"],
                    schema["enum"])
    return None


# Keywords kept for clients that are not JSON-schema keywords (or mean
# something else there): they never take part in validating a value.
_NOT_SCHEMA = ("name", "title", "description", "operators", "readonly", "required")


def schema_of(definition):
    """The JSON schema a property definition stands for."""
    return {key: value for key, value in definition.items() if key not in _NOT_SCHEMA}


@lru_cache(maxsize=4096)
def _value_validator(schema_json):
    return jsonschema.Draft4Validator(json.loads(schema_json), format_checker=_FORMATS)


def validate_property_value(prop, value):
    """Raise InvalidInput unless `value` satisfies metadef property `prop`.

    `prop` is a Property (model instance) or a definition dict. Validators are
    compiled once per distinct definition and cached.
    """
    definition = prop if isinstance(prop, dict) else prop.schema
    name = definition.get("name") or getattr(prop, "name", "property")
    schema_json = json.dumps(schema_of(definition), sort_keys=True)
    error = jsonschema.exceptions.best_match(_value_validator(schema_json).iter_errors(value))
    if error is not None:
        raise InvalidInput(f"Value {value!r} is not valid for property '{name}': {error.message}")
