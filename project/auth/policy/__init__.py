"""Who may do what: Glance's policy rules, checked by name.

The rules and their secure-RBAC defaults are a table (defaults.py); an operator's POLICY_FILE
overrides any of them (engine.py). Services and selectors ask here by Glance's rule name, one
call site per rule, and get Glance's answers: 403 "You are not authorized to complete <rule>
action.", except that an image or namespace the caller may not even see is a 404.
"""
from project.errors import Forbidden, NotFound

__all__ = ["allowed", "enforce", "enforce_on", "enforce_metadef", "is_admin"]


def credentials(context):
    """What check strings may test about the caller (None values left out, so they match nothing)."""
    creds = {"roles": sorted(context.roles), "project_id": context.project_id, "user_id": context.user_id}
    return {key: value for key, value in creds.items() if value is not None}


def allowed(context, rule, target=None):
    """Whether `rule` lets `context` act on `target` (a mapping; by default the caller's project)."""
    # Imported on first use: oslo.policy is heavy to load, and management commands rarely need it.
    from project.auth.policy.engine import enforcer

    if target is None:
        target = {"project_id": context.project_id}
    return enforcer().allowed(rule, target, credentials(context))


def enforce(context, rule, target=None):
    """Forbidden unless `rule` allows it."""
    if not allowed(context, rule, target):
        raise Forbidden(f"You are not authorized to complete {rule} action.")


def is_admin(context):
    """The context_is_admin rule: administrators see every image and namespace."""
    return allowed(context, "context_is_admin", {})


def enforce_on(context, rule, target, *, read_rule, not_found):
    """`rule` on an existing resource: NotFound(`not_found`) when the caller may not even read it
    (`read_rule`), so that its existence is not disclosed; else Forbidden."""
    if allowed(context, rule, target):
        return
    if rule == read_rule or not allowed(context, read_rule, target):
        raise NotFound(not_found)
    raise Forbidden(f"You are not authorized to complete {rule} action.")


# --- metadefs -------------------------------------------------------------------

def enforce_metadef(context, rule, namespace=None):
    """`rule` on a namespace (or on the catalog when None): NotFound when the caller may not
    see the namespace (get_metadef_namespace), else Forbidden."""
    if namespace is None:
        return enforce(context, rule)
    enforce_on(context, rule, {"project_id": namespace.owner, "visibility": namespace.visibility},
               read_rule="get_metadef_namespace", not_found=f"Namespace {namespace.namespace} not found.")
