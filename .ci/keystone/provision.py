"""Create (or find) the projects, users, roles and catalog entries the keystone-mode tests use.

Run by .ci/keystone/start with Keystone's own virtualenv; idempotent, so a second run only
moves the image endpoints to a new URL. Writes one shell env file per user (OS_* only) and
keystone.env (our service's settings for keystone mode) into the state directory.

usage: provision.py STATE_DIR KEYSTONE_URL IMAGE_URL MEMCACHED_SERVERS
"""
import sys
from pathlib import Path

from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

REGION = "RegionOne"
# (user, project, role). Passwords are fixed: this Keystone listens on loopback for tests only.
USERS = [
    ("glance", "service", "admin"),
    ("glance", "service", "service"),
    ("alpha-member", "alpha", "member"),
    ("alpha-reader", "alpha", "reader"),
    ("beta-member", "beta", "member"),
]


def password_of(user):
    return f"{user}-secret"


def find_or_create(manager, name, **attributes):
    found = [item for item in manager.list(**({"domain": "default"} if "domain" in attributes else {}))
             if item.name == name]
    return found[0] if found else manager.create(name=name, **attributes)


def set_endpoints(keystone, image_url):
    service = next((s for s in keystone.services.list(type="image")), None) or \
        keystone.services.create(name="glance", type="image", description="Image service")
    existing = {e.interface: e for e in keystone.endpoints.list(service=service)}
    for interface in ("public", "internal"):
        if interface not in existing:
            keystone.endpoints.create(service=service, url=image_url, interface=interface, region=REGION)
        elif existing[interface].url != image_url:
            keystone.endpoints.update(existing[interface], url=image_url)


def env_file(path, keystone_url, user, project):
    values = {
        "OS_AUTH_URL": f"{keystone_url}/v3", "OS_IDENTITY_API_VERSION": "3", "OS_AUTH_TYPE": "password",
        "OS_USERNAME": user, "OS_PASSWORD": password_of(user),
        "OS_PROJECT_NAME": project, "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_REGION_NAME": REGION, "OS_INTERFACE": "public",
    }
    path.write_text("".join(f"export {name}={value}\n" for name, value in values.items()))


def main(state_dir, keystone_url, image_url, memcached_servers):
    state = Path(state_dir)
    auth = v3.Password(auth_url=f"{keystone_url}/v3", username="admin", password=password_of("admin"),
                       project_name="admin", user_domain_id="default", project_domain_id="default")
    keystone = client.Client(session=session.Session(auth=auth))
    roles = {role.name: role for role in keystone.roles.list()}  # bootstrap made admin, member, reader, service
    for user, project_name, role in USERS:
        project = find_or_create(keystone.projects, project_name, domain="default")
        account = find_or_create(keystone.users, user, domain="default", password=password_of(user))
        keystone.roles.grant(roles[role], user=account, project=project)
    set_endpoints(keystone, image_url)

    env_dir = state / "env"
    env_dir.mkdir(exist_ok=True)
    env_file(env_dir / "admin.env", keystone_url, "admin", "admin")
    for user, project, _ in USERS:
        env_file(env_dir / f"{user}.env", keystone_url, user, project)
    # Our service's own variables (project/env.py): `set -a; . keystone.env; make run` serves in keystone mode.
    (state / "keystone.env").write_text(
        f"AUTH_STRATEGY=keystone\nKEYSTONE_AUTH_URL={keystone_url}/v3\n"
        f"KEYSTONE_SERVICE_USER=glance\nKEYSTONE_SERVICE_PASSWORD={password_of('glance')}\n"
        f"KEYSTONE_SERVICE_PROJECT=service\nKEYSTONE_MEMCACHED_SERVERS={memcached_servers}\n"
    )


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
