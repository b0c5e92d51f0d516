"""The rule table plus the operator's POLICY_FILE, compiled once by oslo.policy.

The file is oslo.policy's YAML (`"publicize_image": "role:admin or role:member"`): each entry
replaces the rule of that name; entries may also define aliases that other rules use as
`rule:<alias>`. Anything that would silently change meaning is refused at start-up instead:
a name that is neither a rule nor an alias some rule uses (a typo), a check string oslo.policy
cannot parse (it would deny everything), and references to undefined rules or cycles.
"""
import functools
import logging
import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from oslo_config import cfg
from oslo_policy import policy as oslo_policy

from project.auth.policy.defaults import CHECK_STRINGS

_enforcers = {}
TARGET_KEY = re.compile(r"%\(([^)]+)\)s")
MISSING = object()


def enforcer():
    """The compiled rules for the current POLICY_FILE (loaded on first use)."""
    path = settings.POLICY_FILE
    return _enforcers.get(path) or load(path)


def load(path):
    """Compile defaults + `path`; ImproperlyConfigured naming the file and the rule on any problem."""
    overrides = _read(path) if path else {}
    rules = {name: _parse(path, name, check) for name, check in {**CHECK_STRINGS, **overrides}.items()}
    _refuse_unknown(path, overrides, rules)
    _refuse_undefined(path, rules)
    for name in rules:
        _refuse_cycle(path, rules, [name])
    engine = oslo_policy.Enforcer(_private_config(), use_conf=False)
    engine.set_rules(oslo_policy.Rules(rules), use_conf=False)
    try:
        engine.check_rules(raise_on_violation=True)  # what oslo.policy itself finds wrong, should it find more
    except oslo_policy.InvalidDefinitionError as exc:
        raise ImproperlyConfigured(f"POLICY_FILE {path}: {exc}") from None
    _enforcers[path] = CompiledRules(engine, rules)
    return _enforcers[path]


class CompiledRules:
    """oslo.policy's decisions, remembered.

    oslo.policy inspects every check's signature on every evaluation (about 0.4 ms for an image
    rule). A decision made of role, generic and rule checks depends only on the caller's
    credentials and the target keys the rule reads, so it is cached on exactly those: same
    inputs, same answer, no staleness. Rules using other checks (http:, plugins) are not cached.
    """

    def __init__(self, engine, rules):
        self.engine = engine
        self.target_keys = {}
        for name in rules:
            keys = _target_keys(name, rules)
            self.target_keys[name] = None if keys is None else tuple(sorted(keys))
        self._decide = functools.lru_cache(maxsize=8192)(self._evaluate)

    def allowed(self, rule, target, creds):
        if rule not in CHECK_STRINGS:
            raise KeyError(f"{rule!r} is not a policy rule")  # a programming error, never a denial
        keys = self.target_keys[rule]
        if keys is None:
            return bool(self.engine.enforce(rule, dict(target), dict(creds)))
        values = tuple(_value(target, key) for key in keys)
        creds_key = tuple(sorted((name, tuple(v) if isinstance(v, list) else v) for name, v in creds.items()))
        try:
            return self._decide(rule, creds_key, values)
        except TypeError:  # an unhashable target value: decide without the cache
            return self._evaluate(rule, creds_key, values)

    def _evaluate(self, rule, creds_key, values):
        target = {key: value for key, value in zip(self.target_keys[rule], values) if value is not MISSING}
        creds = {name: list(v) if isinstance(v, tuple) else v for name, v in creds_key}
        return bool(self.engine.enforce(rule, target, creds))


def _value(target, key):
    try:
        return target[key]
    except KeyError:
        return MISSING


# Checks whose answer depends on nothing but credentials and target values.
LOCAL_CHECKS = frozenset({"RoleCheck", "GenericCheck", "RuleCheck", "TrueCheck", "FalseCheck"})


def _target_keys(name, rules, seen=None):
    """The target keys rule `name` reads, through the rules it refers to; None if it uses a check
    that may depend on anything else."""
    seen = set() if seen is None else seen
    if name in seen or name not in rules:
        return set()
    seen.add(name)
    keys = set()
    for check in _leaves(rules[name]):
        if type(check).__name__ not in LOCAL_CHECKS:
            return None
        if getattr(check, "kind", None) == "rule":
            referred = _target_keys(check.match, rules, seen)
            if referred is None:
                return None
            keys |= referred
        else:
            keys |= set(TARGET_KEY.findall(f"{getattr(check, 'kind', '')}:{getattr(check, 'match', '')}"))
    return keys


def _leaves(check):
    inner = list(getattr(check, "rules", None) or ())
    if getattr(check, "rule", None) is not None:  # NotCheck
        inner.append(check.rule)
    if not inner:
        yield check
    for each in inner:
        yield from _leaves(each)


def _private_config():
    # Nothing read from sys.argv or /etc: the rules come from this module only.
    return cfg.ConfigOpts()


def _read(path):
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ImproperlyConfigured(f"POLICY_FILE {path} cannot be read: {exc.strerror}") from None
    try:
        entries = oslo_policy.parse_file_contents(text)
    except ValueError as exc:
        raise ImproperlyConfigured(f"POLICY_FILE {path} is not valid YAML: {exc}") from None
    if not isinstance(entries, dict) or not all(isinstance(v, str) for v in entries.values()):
        raise ImproperlyConfigured(f'POLICY_FILE {path} must map rule names to check strings '
                                   f'("rule_name": "role:admin or ...")')
    return {str(name): check for name, check in entries.items()}


class _ParserComplaints(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _parse(path, name, check_string):
    # oslo.policy turns what it cannot parse into "deny" and only logs it: make that an error.
    complaints = _ParserComplaints()
    parser_log = logging.getLogger("oslo_policy._parser")
    parser_log.addHandler(complaints)
    try:
        check = oslo_policy.RuleDefault(name, check_string).check
    finally:
        parser_log.removeHandler(complaints)
    if complaints.messages:
        raise ImproperlyConfigured(f"POLICY_FILE {path}: rule {name!r} has a check string oslo.policy cannot "
                                   f"parse: {check_string!r} ({complaints.messages[0]})")
    return check


def _refuse_unknown(path, overrides, rules):
    referenced = {ref for check in rules.values() for ref in _references(check)}
    unknown = sorted(name for name in overrides if name not in CHECK_STRINGS and name not in referenced)
    if unknown:
        raise ImproperlyConfigured(
            f"POLICY_FILE {path}: unknown rule name(s) {', '.join(map(repr, unknown))}: not a Glance policy "
            f"rule, nor an alias used as rule:<name> by another rule (a typo?)")


def _refuse_undefined(path, rules):
    for name, check in rules.items():
        for reference in _references(check):
            if reference not in rules:
                raise ImproperlyConfigured(f"POLICY_FILE {path}: rule {name!r} refers to rule:{reference}, "
                                           f"which is not defined")


def _refuse_cycle(path, rules, chain):
    for reference in _references(rules[chain[-1]]):
        if reference in chain:
            cycle = " -> ".join([*chain[chain.index(reference):], reference])
            raise ImproperlyConfigured(f"POLICY_FILE {path}: rules form a cycle of rule: references ({cycle})")
        _refuse_cycle(path, rules, [*chain, reference])


def _references(check):
    return (leaf.match for leaf in _leaves(check) if getattr(leaf, "kind", None) == "rule")


@receiver(setting_changed)
def _forget(setting, **kwargs):
    if setting == "POLICY_FILE":
        _enforcers.clear()
