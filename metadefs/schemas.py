"""JSON schemas of the metadefs wire documents.

These dicts are served verbatim at /v2/schemas/metadefs/* and are the same
objects that validate request bodies and property definitions: one schema,
two uses. Structure (names, types, limits, links) follows Glance v2 so that
clients validating against them accept this service's answers.
"""
import copy

from metadefs.choices import NAME_MAX_LENGTH, PROPERTY_TYPES

TYPE_ENUM = [*PROPERTY_TYPES, None]


def _timestamp(what):
    return {"type": "string", "readOnly": True, "format": "date-time", "description": what}


DEFINITIONS = {
    "positiveInteger": {"type": "integer", "minimum": 0},
    "positiveIntegerDefault0": {"allOf": [{"$ref": "#/definitions/positiveInteger"}, {"default": 0}]},
    "stringArray": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
}

# The keywords a property definition may use, and what each must look like.
PROPERTY_KEYWORDS = {
    "name": {"type": "string", "maxLength": NAME_MAX_LENGTH},
    "title": {"type": "string"},
    "description": {"type": "string"},
    "operators": {"type": "array", "items": {"type": "string"}},
    "type": {"type": "string", "enum": TYPE_ENUM},
    "required": {"$ref": "#/definitions/stringArray"},
    "minimum": {"type": "number"},
    "maximum": {"type": "number"},
    "maxLength": {"$ref": "#/definitions/positiveInteger"},
    "minLength": {"$ref": "#/definitions/positiveIntegerDefault0"},
    "pattern": {"type": "string", "format": "regex"},
    "enum": {"type": "array"},
    "readonly": {"type": "boolean"},
    "default": {},
    "items": {
        "type": "object",
        "properties": {"type": {"type": "string", "enum": TYPE_ENUM}, "enum": {"type": "array"}},
    },
    "maxItems": {"$ref": "#/definitions/positiveInteger"},
    "minItems": {"$ref": "#/definitions/positiveIntegerDefault0"},
    "uniqueItems": {"type": "boolean", "default": False},
    "additionalItems": {"type": "boolean"},
}

PROPERTY_DEFINITIONS = {
    **DEFINITIONS,
    "property": {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "required": ["title", "type"],
            "properties": PROPERTY_KEYWORDS,
        },
    },
}

PAGING_LINKS = [
    {"rel": "first", "href": "{first}"},
    {"rel": "next", "href": "{next}"},
    {"rel": "describedby", "href": "{schema}"},
]

RESOURCE_TYPE_ASSOCIATION = {
    "name": "resource_type_association",
    "properties": {
        "name": {
            "type": "string",
            "maxLength": NAME_MAX_LENGTH,
            "description": "Resource type the namespace applies to, such as OS::Glance::Image "
            "(named after the Heat resource type where one exists).",
        },
        "prefix": {
            "type": "string",
            "maxLength": NAME_MAX_LENGTH,
            "description": "Prepended to every property name of the namespace when it is applied "
            "to this resource type; ends with its separator, e.g. 'hw:'.",
        },
        "properties_target": {
            "type": "string",
            "maxLength": NAME_MAX_LENGTH,
            "description": "Which metadata set of the resource the properties belong to, for "
            "resource types with several (a volume's 'image' metadata, for instance).",
        },
        "created_at": _timestamp("When the association was made."),
        "updated_at": _timestamp("When the association last changed."),
    },
    "additionalProperties": False,
    "required": ["name"],
}

TAG = {
    "name": "tag",
    "properties": {
        "name": {"type": "string", "maxLength": NAME_MAX_LENGTH},
        "created_at": _timestamp("When the tag was created."),
        "updated_at": _timestamp("When the tag last changed."),
    },
    "additionalProperties": False,
    "required": ["name"],
}

OBJECT = {
    "name": "object",
    "properties": {
        "name": {"type": "string", "maxLength": NAME_MAX_LENGTH},
        "description": {"type": "string"},
        "required": {"$ref": "#/definitions/stringArray"},
        "properties": {"$ref": "#/definitions/property"},
        "schema": {"type": "string", "readOnly": True},
        "self": {"type": "string", "readOnly": True},
        "created_at": _timestamp("When the object was created."),
        "updated_at": _timestamp("When the object last changed."),
    },
    "additionalProperties": False,
    "required": ["name"],
    "definitions": PROPERTY_DEFINITIONS,
}

# A standalone property's "required" list may not be empty.
PROPERTY_ONLY_DEFINITIONS = {
    **DEFINITIONS,
    "stringArray": {**DEFINITIONS["stringArray"], "minItems": 1},
}

PROPERTY = {
    "name": "property",
    "properties": PROPERTY_KEYWORDS,
    "required": ["type", "title", "name"],
    "additionalProperties": False,
    "definitions": PROPERTY_ONLY_DEFINITIONS,
}

NAMESPACE = {
    "name": "namespace",
    "properties": {
        "namespace": {"type": "string", "maxLength": NAME_MAX_LENGTH, "description": "Unique name of the namespace."},
        "display_name": {
            "type": "string",
            "maxLength": NAME_MAX_LENGTH,
            "description": "Name shown to people, for instance by dashboards.",
        },
        "description": {"type": "string", "maxLength": 500, "description": "What the namespace is for."},
        "visibility": {
            "type": "string",
            "enum": ["public", "private"],
            "description": "public: every project sees it; private: only its owner's project.",
        },
        "self": {"type": "string", "readOnly": True},
        "schema": {"type": "string", "readOnly": True},
        "created_at": _timestamp("When the namespace was created."),
        "updated_at": _timestamp("When the namespace last changed."),
        "protected": {"type": "boolean", "description": "A protected namespace cannot be deleted."},
        "owner": {"type": "string", "maxLength": 255, "description": "Project that owns the namespace."},
        "resource_type_associations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "prefix": {"type": "string"},
                    "properties_target": {"type": "string"},
                },
            },
        },
        "properties": {"$ref": "#/definitions/property"},
        "objects": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "required": {"$ref": "#/definitions/stringArray"},
                    "properties": {"$ref": "#/definitions/property"},
                },
            },
        },
        "tags": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
    },
    "additionalProperties": False,
    "required": ["namespace"],
    "definitions": PROPERTY_DEFINITIONS,
}


def _member(schema):
    member = copy.deepcopy(schema)
    member.pop("definitions", None)
    return member


def _collection(name, member, definitions, items_as_map=False):
    items = _member(member)
    if items_as_map:
        items["required"] = ["type", "title"]
        listing = {"type": "object", "additionalProperties": items}
    else:
        listing = {"type": "array", "items": items}
    document = {
        "name": name,
        "properties": {
            name: listing,
            "first": {"type": "string"},
            "next": {"type": "string"},
            "schema": {"type": "string"},
        },
        "links": PAGING_LINKS,
    }
    if definitions:
        document["definitions"] = definitions
    return document


NAMESPACES = _collection("namespaces", NAMESPACE, PROPERTY_DEFINITIONS)
OBJECTS = _collection("objects", OBJECT, PROPERTY_DEFINITIONS)
PROPERTIES = _collection("properties", PROPERTY, PROPERTY_ONLY_DEFINITIONS, items_as_map=True)
TAGS = _collection("tags", TAG, None)
RESOURCE_TYPE_ASSOCIATIONS = _collection("resource_type_associations", RESOURCE_TYPE_ASSOCIATION, None)

# Served at /v2/schemas/metadefs/<key>.
DOCUMENTS = {
    "namespace": NAMESPACE,
    "namespaces": NAMESPACES,
    "object": OBJECT,
    "objects": OBJECTS,
    "property": PROPERTY,
    "properties": PROPERTIES,
    "tag": TAG,
    "tags": TAGS,
    "resource_type": RESOURCE_TYPE_ASSOCIATION,
    "resource_types": RESOURCE_TYPE_ASSOCIATIONS,
}
