"""Users of many projects in a keystone-auth deploy/cluster's Keystone, for traffic with real tokens.

`member_tokens(cluster, count)` makes (or finds) projects load-0..count-1, each with a user holding the member
role, and returns {project id: that user's token}; cluster_traffic.Traffic(tokens=...) sends them.
"""
from tests.support.cluster import read_env
from tests.support.env_files import password_session


def _found_or_made(manager, name, **attributes):
    found = [item for item in manager.list(domain="default") if item.name == name]
    return found[0] if found else manager.create(name=name, domain="default", **attributes)


def member_tokens(cluster, count):
    """{project id: token} of one member user in each of `count` projects (made on first use)."""
    from keystoneclient.v3 import client

    env = read_env(cluster.home / "keystone" / "env" / "admin.env")
    keystone = client.Client(session=password_session(env))
    member = next(role for role in keystone.roles.list() if role.name == "member")
    tokens = {}
    for number in range(count):
        project = _found_or_made(keystone.projects, f"load-{number}")
        password = f"load-user-{number}-secret"  # loopback-only Keystone of the tests and benchmarks
        user = _found_or_made(keystone.users, f"load-user-{number}", password=password)
        keystone.roles.grant(member, user=user, project=project)
        member_env = {**env, "OS_USERNAME": user.name, "OS_PASSWORD": password}
        tokens[project.id] = password_session(member_env, project_id=project.id).get_token()
    return tokens
