"""Glance's property protections (the "roles" format): who may create, read, update and delete
which custom image properties.

PROPERTY_PROTECTION_FILE is an INI file; each section is a regular expression searched in the
property name, each with the keys create, read, update and delete, each a comma-separated list
of roles, "@" for anyone or "!" for nobody (empty: nobody). The first section that matches
decides; a property no section matches may not be touched at all. Without a file (or with one
that has no sections) nothing is protected. A file with a bad regex, a missing or unknown key, or "!" beside anything else is
refused at start-up, naming the file, the section and the key.
"""
import configparser
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from project.errors import Forbidden

OPERATIONS = ("create", "read", "update", "delete")
ANYONE, NOBODY = "@", "!"


@dataclass(frozen=True)
class Section:
    expression: str
    pattern: re.Pattern
    roles: dict  # operation -> frozenset of lower-case roles, possibly {"@"}; empty: nobody


class Protections:
    def __init__(self, sections):
        self.sections = sections

    def allows(self, context, name, operation):
        if not self.sections:  # as Glance: a file without sections protects nothing
            return True
        for section in self.sections:
            if section.pattern.search(name):
                roles = section.roles[operation]
                return ANYONE in roles or not roles.isdisjoint(context.roles)
        return False


_loaded = {}


def current():
    """The Protections of PROPERTY_PROTECTION_FILE, or None when protections are off."""
    path = settings.PROPERTY_PROTECTION_FILE
    if not path:
        return None
    return _loaded.get(path) or load(path)


def load(path):
    """Read and check `path`; ImproperlyConfigured naming file, section and key on any problem."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path) as file:
            parser.read_file(file)
    except OSError as exc:
        raise ImproperlyConfigured(f"PROPERTY_PROTECTION_FILE {path} cannot be read: {exc.strerror}") from None
    except configparser.Error as exc:
        raise ImproperlyConfigured(f"PROPERTY_PROTECTION_FILE {path} is not a valid INI file: {exc}") from None
    _loaded[path] = Protections([_section(path, parser, name) for name in parser.sections()])
    return _loaded[path]


def _section(path, parser, expression):
    where = f"PROPERTY_PROTECTION_FILE {path}, section [{expression}]"
    try:
        pattern = re.compile(expression)
    except re.error as exc:
        raise ImproperlyConfigured(f"{where}: not a valid regular expression: {exc}") from None
    keys = parser[expression]
    for key in keys:
        if key not in OPERATIONS:
            raise ImproperlyConfigured(f"{where}, key {key!r}: unknown key (expected {', '.join(OPERATIONS)})")
    missing = [operation for operation in OPERATIONS if operation not in keys]
    if missing:
        raise ImproperlyConfigured(f"{where}, key {missing[0]!r}: missing (every section needs "
                                   f"{', '.join(OPERATIONS)})")
    return Section(expression, pattern, {op: _roles(where, op, keys[op]) for op in OPERATIONS})


def _roles(where, operation, value):
    roles = frozenset(role.strip().lower() for role in value.split(",") if role.strip())
    if NOBODY in roles and len(roles) > 1:
        raise ImproperlyConfigured(f"{where}, key {operation!r}: '!' (nobody) cannot be combined with "
                                   f"other entries: {value!r}")
    return frozenset() if NOBODY in roles else roles


def allows(context, name, operation):
    protections = current()
    return protections is None or protections.allows(context, name, operation)


def enforce(context, name, operation):
    """Forbidden, naming the property, unless `operation` on it is allowed for the caller."""
    if not allows(context, name, operation):
        raise Forbidden(f"Attribute '{name}' is reserved.")


def readable(context):
    """A predicate for the properties the caller may see (None: all of them)."""
    protections = current()
    if protections is None:
        return None
    return lambda name: protections.allows(context, name, "read")


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting == "PROPERTY_PROTECTION_FILE":
        _loaded.clear()
