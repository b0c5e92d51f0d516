"""JSON schemas of the image and member documents.

Served verbatim at /v2/schemas/{image,images,member,members} and used to
validate request bodies and patch values: one schema, two uses. The
structure (names, types, enums, limits, links) follows Glance v2 so clients
that validate against the served schema accept this service's answers.
"""
import copy
import json
from functools import lru_cache
from pathlib import Path

import jsonschema
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from images.choices import CONTAINER_FORMATS, DISK_FORMATS, NAME_MAX_LENGTH, UUID_PATTERN, MemberStatus
from images import task_schemas
from project.errors import InvalidInput
from project.schema_validation import StrictDraft4Validator


def _read_only(kind, what, nullable=False):
    return {"type": ["null", kind] if nullable else kind, "readOnly": True, "description": what}


IMAGE_PROPERTIES = {
    "id": {"type": "string", "pattern": UUID_PATTERN, "description": "The image's UUID."},
    "name": {"type": ["null", "string"], "maxLength": NAME_MAX_LENGTH, "description": "Human-readable name."},
    "status": {
        "type": "string",
        "readOnly": True,
        "enum": ["queued", "saving", "active", "killed", "deleted", "uploading", "importing",
                 "pending_delete", "deactivated"],
        "description": "Where the image is in its lifecycle.",
    },
    "visibility": {
        "type": "string",
        "enum": ["community", "public", "private", "shared"],
        "description": "Which projects may see and use the image.",
    },
    "protected": {"type": "boolean", "description": "A protected image cannot be deleted."},
    "os_hidden": {"type": "boolean", "description": "Hidden images are left out of default listings."},
    "checksum": {**_read_only("string", "MD5 digest of the image data.", nullable=True), "maxLength": 32},
    "os_hash_algo": {
        **_read_only("string", "Name of the algorithm that produced os_hash_value.", nullable=True),
        "maxLength": 64,
    },
    "os_hash_value": {
        **_read_only("string", "Hex digest of the image data, computed with os_hash_algo.", nullable=True),
        "maxLength": 128,
    },
    "owner": {"type": ["null", "string"], "maxLength": 255, "description": "Project that owns the image."},
    "size": _read_only("integer", "Size of the image data in bytes.", nullable=True),
    "virtual_size": _read_only("integer", "Size of the virtual disk in bytes, when known.", nullable=True),
    "container_format": {
        "type": ["null", "string"],
        "enum": [None, *CONTAINER_FORMATS],
        "description": "Container the disk image is wrapped in.",
    },
    "disk_format": {
        "type": ["null", "string"],
        "enum": [None, *DISK_FORMATS],
        "description": "Format of the disk image.",
    },
    "created_at": _read_only("string", "When the image was registered."),
    "updated_at": _read_only("string", "When the image record last changed."),
    "tags": {
        "type": "array",
        "items": {"type": "string", "maxLength": NAME_MAX_LENGTH},
        "description": "Free-form labels.",
    },
    "direct_url": _read_only("string", "Location of the data in its store, when the operator exposes it."),
    "min_ram": {"type": "integer", "description": "RAM (MB) a server needs to boot the image."},
    "min_disk": {"type": "integer", "description": "Disk (GB) a server needs to boot the image."},
    "self": _read_only("string", "Link to this image."),
    "file": _read_only("string", "Link to the image data."),
    "stores": _read_only("string", "Stores holding the data; only shown with several stores enabled."),
    "schema": _read_only("string", "Link to this schema."),
    "locations": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "url": {"type": "string", "maxLength": 255},
                "metadata": {"type": "object"},
                "validation_data": {
                    "description": "Hashes to record with a location; they must match the image's own "
                                   "once it has data.",
                    "type": "object",
                    "writeOnly": True,
                    "additionalProperties": False,
                    "properties": {
                        "checksum": {"type": "string", "minLength": 32, "maxLength": 32},
                        "os_hash_algo": {"type": "string", "maxLength": 64},
                        "os_hash_value": {"type": "string", "maxLength": 128},
                    },
                    "required": ["os_hash_algo", "os_hash_value"],
                },
            },
            "required": ["url", "metadata"],
        },
        "description": "Store locations of the data (not exposed by this service).",
    },
}

BASE_IMAGE = {
    "name": "image",
    "properties": IMAGE_PROPERTIES,
    "additionalProperties": {"type": "string"},
    "links": [
        {"rel": "self", "href": "{self}"},
        {"rel": "enclosure", "href": "{file}"},
        {"rel": "describedby", "href": "{schema}"},
    ],
}

PAGING_LINKS = [
    {"rel": "first", "href": "{first}"},
    {"rel": "next", "href": "{next}"},
    {"rel": "describedby", "href": "{schema}"},
]


def _collection(name, member):
    return {
        "name": name,
        "properties": {
            name: {"type": "array", "items": copy.deepcopy(member)},
            "first": {"type": "string"},
            "next": {"type": "string"},
            "schema": {"type": "string"},
        },
        "links": PAGING_LINKS,
    }


MEMBER = {
    "name": "member",
    "properties": {
        "member_id": {"type": "string", "description": "Project the image is shared with."},
        "image_id": {"type": "string", "pattern": UUID_PATTERN, "description": "The shared image."},
        "created_at": {"type": "string", "description": "When the image was shared with the project."},
        "updated_at": {"type": "string", "description": "When the membership last changed."},
        "status": {
            "type": "string",
            "enum": [choice.value for choice in MemberStatus],
            "description": "Whether the member project accepted the image.",
        },
        "schema": {"type": "string", "readOnly": True},
    },
}

# Glance serves members without paging (its "minimal" collection): members are not paged.
MEMBERS = {
    "name": "members",
    "properties": {"members": {"type": "array", "items": copy.deepcopy(MEMBER)}, "schema": {"type": "string"}},
    "links": [{"rel": "describedby", "href": "{schema}"}],
}

def image_schema():
    """The image schema: the base properties plus IMAGE_SCHEMA_FILE's (Glance's schema-image.json format)."""
    return _image_documents(settings.IMAGE_SCHEMA_FILE)[0]


def images_schema():
    return _image_documents(settings.IMAGE_SCHEMA_FILE)[1]


@lru_cache(maxsize=None)
def _image_documents(schema_file):
    custom = custom_properties(schema_file) if schema_file else {}
    image = {**BASE_IMAGE, "properties": {**IMAGE_PROPERTIES, **custom}}
    return image, _collection("images", image)


def custom_properties(path):
    """A schema-image.json file's properties, each marked "is_base": false (as Glance serves them);
    ImproperlyConfigured naming the file and the property at fault."""
    try:
        properties = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"IMAGE_SCHEMA_FILE {path}: {exc}") from None
    if not isinstance(properties, dict):
        raise ImproperlyConfigured(f"IMAGE_SCHEMA_FILE {path}: expected an object of property schemas")
    for name, schema in properties.items():
        _check_custom(path, name, schema)
    return {name: {**schema, "is_base": False} for name, schema in properties.items()}


def _check_custom(path, name, schema):
    if name in IMAGE_PROPERTIES:
        raise ImproperlyConfigured(f"IMAGE_SCHEMA_FILE {path}: {name!r} is a base image property")
    try:
        jsonschema.Draft4Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ImproperlyConfigured(f"IMAGE_SCHEMA_FILE {path}: property {name!r}: {exc.message}") from None


# Served at /v2/schemas/<key> (the image documents are functions of the settings).
DOCUMENTS = {"image": image_schema, "images": images_schema, "member": MEMBER, "members": MEMBERS,
             "task": task_schemas.TASK, "tasks": task_schemas.TASKS}

_VALIDATORS = {}


def validate(schema, document):
    """Raise InvalidInput (400) when `document` breaks `schema`."""
    validator = _VALIDATORS.get(id(schema))
    if validator is None:
        validator = _VALIDATORS[id(schema)] = StrictDraft4Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        raise InvalidInput(f"Provided object does not match schema '{schema['name']}': {_describe(error)}")


def _describe(error):
    location = "/".join(str(part) for part in error.absolute_path)
    return f"{error.message} (at '{location}')" if location else error.message
