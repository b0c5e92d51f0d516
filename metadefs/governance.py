"""Metadefs that govern image properties (METADEF_ENFORCEMENT): the one rule, used wherever properties are set.

An enforced namespace associated with OS::Glance::Image defines, for each of its properties,
what the image property `<prefix><name>` may hold. Image property values are strings on the
wire; they are read as the definition's type before they are checked (`"true"` -> True,
`"4"` -> 4, JSON for arrays and objects). Only properties being set are checked: reading,
unrelated properties and existing images are never affected.

The rules are built once per process and rebuilt when a fingerprint of the enforced
definitions (counts and latest changes: three small aggregate queries) changes, so every worker sees a changed definition at its next write.
"""
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max

from metadefs.models import Namespace, Property, PropertyWarning, ResourceTypeAssociation
from metadefs.validation import validate_property_value
from project.api.middleware import current_request_id
from project.errors import InvalidInput

log = logging.getLogger(__name__)
IMAGE_RESOURCE_TYPE = "OS::Glance::Image"
TYPES = {"integer": int, "number": float}

_cache = {"fingerprint": None, "rules": {}}


@dataclass(frozen=True)
class Rule:
    namespace: str
    definition: dict
    enforced: bool = True


@dataclass(frozen=True)
class Violation:
    name: str
    namespace: str
    reason: str

    def __str__(self):
        return f"{self.name}: {self.reason} (namespace {self.namespace})"


def image_property_violations(properties, rules=None):
    """The violations among `properties` (name -> string value being set) of `rules` (default: the
    enforced namespaces'; none when enforcement is off)."""
    if rules is None:
        if settings.METADEF_ENFORCEMENT == "off" or not properties:
            return []
        rules = _rules()
    found = []
    for name, value in properties.items():
        rule = rules.get(name)
        if rule is not None:
            reason = _problem(rule.definition, value)
            if reason is not None:
                found.append(Violation(name, rule.namespace, reason))
    return found


def enforce_image_properties(properties, image_id=None):
    """METADEF_ENFORCEMENT=enforce: InvalidInput (400) for the first violation; warn: log each one (with
    the request id) and record it for the admin's list of warnings."""
    violations = image_property_violations(properties)
    if not violations:
        return
    if refuses(violations):
        raise InvalidInput(str(violations[0]))
    request_id = current_request_id()
    for violation in violations:
        log.warning("%s: image %s property accepted despite its metadef definition: %s", request_id, image_id,
                    violation)
    PropertyWarning.objects.bulk_create(
        PropertyWarning(image_id=image_id or "", property=violation.name, value=properties[violation.name],
                        namespace=violation.namespace, reason=violation.reason, request_id=request_id)
        for violation in violations)


def refuses(violations):
    """Whether these violations refuse the change (enforce) rather than being recorded (warn)."""
    return bool(violations) and settings.METADEF_ENFORCEMENT == "enforce"


def _problem(definition, value):
    try:
        typed = coerce(value, definition.get("type"))
    except ValueError:
        return f"{value!r} is not a valid {definition.get('type')}"
    try:
        validate_property_value(definition, typed)
    except InvalidInput as exc:
        return str(exc).split(": ", 1)[-1]
    return None


def coerce(value, kind):
    """A string property value as the definition's type; ValueError when it is not one."""
    if not isinstance(value, str):
        return value
    if kind == "boolean":
        if value.strip().lower() not in ("true", "false"):
            raise ValueError(value)
        return value.strip().lower() == "true"
    if kind in TYPES:
        return TYPES[kind](value)
    if kind in ("array", "object"):
        return json.loads(value)
    return value


def _fingerprint():
    enforced = Namespace.objects.filter(enforced=True)
    return (tuple(enforced.aggregate(n=Count("id"), t=Max("updated_at")).values()),
            tuple(Property.objects.filter(namespace__in=enforced).aggregate(n=Count("id"), t=Max("updated_at"))
                  .values()),
            tuple(ResourceTypeAssociation.objects.filter(namespace__in=enforced)
                  .aggregate(n=Count("id"), t=Max("updated_at")).values()))


def _rules():
    fingerprint = _fingerprint()
    if fingerprint != _cache["fingerprint"]:
        _cache["rules"], _cache["fingerprint"] = rules_of(), fingerprint
    return _cache["rules"]


def rules_of(namespace=None):
    """The rules of one namespace (enforced or not), or of every enforced one (check_image_properties)."""
    return _build({"namespace__namespace": namespace} if namespace else {"namespace__enforced": True})


def describing_rules():
    """The definitions of every namespace associated with OS::Glance::Image, enforced or not (what the
    admin shows beside each image property); an enforced definition wins over one that only describes."""
    return _build({})


def _build(chosen):
    """Image property name -> Rule, from the namespaces `chosen` selects that are associated with OS::Glance::Image."""
    associations = ResourceTypeAssociation.objects.filter(
        resource_type__name=IMAGE_RESOURCE_TYPE, **chosen).select_related("namespace")
    prefixes = {association.namespace_id: (association.namespace, association.prefix or "")
                for association in associations}
    rules = {}
    for prop in Property.objects.filter(namespace_id__in=prefixes).order_by(
            "-namespace__enforced", "namespace__namespace", "name"):
        namespace, prefix = prefixes[prop.namespace_id]
        rules.setdefault(f"{prefix}{prop.name}",
                         Rule(namespace.namespace, {**prop.schema, "name": prop.name}, namespace.enforced))
    return rules
