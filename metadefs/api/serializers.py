"""Catalog rows to Glance's metadefs JSON bodies."""
from urllib.parse import quote

from project.api.wire import isotime, without_nulls

NAMESPACES_PATH = "/v2/metadefs/namespaces"


def namespace_href(name):
    return f"{NAMESPACES_PATH}/{quote(name, safe=':')}"


def _stamps(row):
    return {"created_at": isotime(row.created_at), "updated_at": isotime(row.updated_at)}


def association_body(name, prefix, properties_target, created_at, updated_at):
    return without_nulls({
        "name": name,
        "prefix": prefix,
        "properties_target": properties_target,
        "created_at": isotime(created_at),
        "updated_at": isotime(updated_at),
    })


def association_bodies(rows):
    """Bodies of association rows from selectors.association_rows."""
    return [association_body(**row) for row in rows]


def association_model_body(association):
    return association_body(association.resource_type.name, association.prefix, association.properties_target,
                            association.created_at, association.updated_at)


def namespace_body(namespace, associations, *, detail=False, resource_type=None):
    """`associations`: the namespace's resource type associations, as bodies."""
    body = without_nulls({
        "namespace": namespace.namespace,
        "display_name": namespace.display_name,
        "description": namespace.description,
        "visibility": namespace.visibility,
        "protected": namespace.protected,
        "owner": namespace.owner,
        **_stamps(namespace),
        "self": namespace_href(namespace.namespace),
        "schema": "/v2/schemas/metadefs/namespace",
    })
    if associations:
        body["resource_type_associations"] = associations
    if detail:
        prefix = _prefix_for(associations, resource_type)
        properties = {prefix + p.name: wire_definition(p.schema) for p in namespace.properties.all()}
        objects = [object_body(o, prefix=prefix) for o in namespace.metadef_objects.all()]
        tags = [{"name": t.name} for t in namespace.tags.all()]
        body.update({key: value for key, value in
                     (("properties", properties), ("objects", objects), ("tags", tags)) if value})
    return body


def _prefix_for(associations, resource_type):
    for association in associations:
        if association["name"] == resource_type:
            return association.get("prefix") or ""
    return ""


def wire_definition(schema):
    """A property definition as Glance answers it: its `default` is text (Glance's model types it as
    bytes: 8 -> "8", true -> "True"), and a default that is no scalar (an array) is left out."""
    if "default" not in schema:
        return schema
    default = schema["default"]
    body = {key: value for key, value in schema.items() if key != "default"}
    if isinstance(default, (str, int, float)):  # bool is an int: str(True) == "True", as Glance writes it
        body["default"] = str(default)
    return body


def property_body(prop, name=None):
    return {"name": name or prop.name, **wire_definition(prop.schema)}


def properties_body(properties):
    return {"properties": {p.name: wire_definition(p.schema) for p in properties}}


def object_body(obj, prefix=""):
    """As Glance writes it: `required` and `properties` left out when empty, and the self link built from
    the names as they are (Glance does not escape them: `.../objects/Disk QoS`)."""
    return without_nulls({
        "name": obj.name,
        "description": obj.description,
        "required": [prefix + name for name in obj.required] or None,
        "properties": {prefix + name: wire_definition(value) for name, value in obj.properties.items()} or None,
        **_stamps(obj),
        "self": f"{NAMESPACES_PATH}/{obj.namespace.namespace}/objects/{obj.name}",
        "schema": "/v2/schemas/metadefs/object",
    })


def tag_body(tag):
    return {"name": tag.name, **_stamps(tag)}


def resource_type_body(resource_type):
    # Glance's resource type list has no updated_at (resource types are never updated).
    return {"name": resource_type.name, "created_at": isotime(resource_type.created_at)}
