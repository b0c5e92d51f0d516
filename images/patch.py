"""Parse Glance's JSON-patch dialects into a list of checked changes.

Two media types exist: v2.1 (RFC 6902 style, {"op": "add", "path": ...})
and v2.0 (an older draft, {"add": "/path", ...}, where adding an attribute
that already exists is a conflict). Only one-segment paths are accepted.
Everything that can be judged without the image is judged here; the rules
that need the image (existence, status, ownership) are in services.py.
"""
import re
from dataclasses import dataclass

from django.conf import settings

from images import schemas
from images.choices import NAME_MAX_LENGTH, READ_ONLY, RESERVED, RESERVED_PREFIX, WRITABLE_BASE
from project.errors import Forbidden, InvalidInput, UnsupportedMediaType

V20 = "application/openstack-images-v2.0-json-patch"
V21 = "application/openstack-images-v2.1-json-patch"
MEDIA_TYPES = (V20, V21)
ACCEPT_PATCH = ", ".join(sorted(MEDIA_TYPES))
OPERATIONS = ("add", "remove", "replace")
# locations are the one multi-segment path Glance knows (and refuses here).
LOCATION_DEPTH = {"add": 2, "remove": 2, "replace": 1}


@dataclass(frozen=True)
class Change:
    op: str
    name: str
    value: object = None
    # /locations/<position>: "-" or an index (the JSON-patch operations on locations).
    position: str = None
    # v2.0 dialect: "add" of an existing attribute is a conflict, not a replace.
    add_must_be_new: bool = False

    @property
    def is_base(self):
        return self.name in WRITABLE_BASE


def check_media_type(content_type):
    # Compared as written: Glance answers an upper-case patch type with 415 too.
    media_type = (content_type or "").split(";")[0].strip()
    if media_type not in MEDIA_TYPES:
        error = UnsupportedMediaType(f"Image PATCH expects Content-Type one of: {ACCEPT_PATCH}")
        error.headers = {"Accept-Patch": ACCEPT_PATCH}
        raise error
    return media_type


def parse_patch(document, media_type):
    """The changes of a patch document; InvalidInput (400) or Forbidden (403) on the first bad one."""
    if not isinstance(document, list):
        raise InvalidInput("Request body must be a JSON array of operation objects.")
    return [_parse_change(raw, media_type) for raw in document]


def _parse_change(raw, media_type):
    if not isinstance(raw, dict):
        raise InvalidInput("Operations must be JSON objects.")
    op, pointer = _op_and_path_v21(raw) if media_type == V21 else _op_and_path_v20(raw)
    path = decode_pointer(pointer)
    _check_depth(op, path)
    value = None
    if op != "remove":
        if "value" not in raw:
            raise InvalidInput(f'Operation "{op}" requires a member named "value".')
        value = raw["value"]
    change = Change(op, path[0], value, position=path[1] if len(path) > 1 else None,
                    add_must_be_new=media_type == V20)
    _check_change(change)
    return change


def _op_and_path_v21(raw):
    op = raw.get("op")
    if op is None:
        raise InvalidInput(f"Unable to find `op` in JSON Schema change. It must be one of the following: "
                           f"{', '.join(OPERATIONS)}.")
    if op not in OPERATIONS:
        raise InvalidInput(f"Invalid operation: `{op}`. It must be one of the following: {', '.join(OPERATIONS)}.")
    if "path" not in raw:
        raise InvalidInput("Unable to find 'path' in JSON Schema change")
    return op, raw["path"]


def _op_and_path_v20(raw):
    present = [op for op in OPERATIONS if op in raw]
    if len(present) != 1:
        raise InvalidInput('Operation objects must contain exactly one member named "add", "remove", or "replace".')
    return present[0], raw[present[0]]


def decode_pointer(pointer):
    """Split a JSON pointer ("/a~1b" -> ["a/b"]), accepting only the forms Glance does."""
    if not isinstance(pointer, str):
        raise InvalidInput("Pointer must be a string.")
    if not pointer.startswith("/"):
        raise InvalidInput(f'Pointer `{pointer}` does not start with "/".')
    if re.search(r"/\s*?/", pointer):
        raise InvalidInput(f'Pointer `{pointer}` contains adjacent "/".')
    if len(pointer) > 1 and pointer.endswith("/"):
        raise InvalidInput(f'Pointer `{pointer}` end with "/".')
    if pointer[1:].strip() in ("", "/"):
        raise InvalidInput(f"Pointer `{pointer}` does not contains valid token.")
    if re.search("~[^01]", pointer) or pointer.endswith("~"):
        raise InvalidInput(f'Pointer `{pointer}` contains "~" not part of a recognized escape sequence.')
    return [part.replace("~1", "/").replace("~0", "~").strip() for part in pointer[1:].split("/")]


def _check_depth(op, path):
    expected = LOCATION_DEPTH[op] if path[0] == "locations" else 1
    if len(path) != expected:
        raise InvalidInput(f"Invalid JSON pointer for this resource: '/{'/'.join(path)}'")


def _check_locations_change(change):
    if not settings.SHOW_MULTIPLE_LOCATIONS:
        verb = {"replace": "update"}.get(change.op, change.op)
        raise Forbidden(f"It's not allowed to {verb} locations if locations are invisible.")
    if change.op == "replace" and not change.value:
        raise InvalidInput("Cannot set locations to empty list.")


def _check_change(change):
    name = change.name
    if name in READ_ONLY:
        raise Forbidden(f"Attribute '{name}' is read-only.")
    if name == "locations":
        _check_locations_change(change)
        return
    if name in RESERVED or name.startswith(RESERVED_PREFIX):
        raise Forbidden(f"Attribute '{name}' is reserved.")
    if change.op == "remove":
        if change.is_base:
            raise Forbidden(f"Property {name} may not be removed.")
        return
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput(f"Custom property should not be greater than {NAME_MAX_LENGTH} characters.")
    schemas.validate(schemas.image_schema(), {name: change.value})
