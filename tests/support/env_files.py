"""The env files the local servers' start scripts write (.ci/keystone/start, .ci/swift/start), and whether those
servers answer."""
from http import client as http_client
from urllib.parse import urlsplit


def read_env_file(path):
    """`export NAME=value` lines as a dict."""
    values = {}
    for line in path.read_text().splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        if name:
            values[name] = value
    return values


def password_session(env, **project):
    """A keystoneauth session logged in as the OS_* variables of `env` (a .ci/keystone/start env file) say,
    scoped to `project` (project_id=...) when given, else to the env's project."""
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    scope = project or {"project_name": env["OS_PROJECT_NAME"], "project_domain_name": env["OS_PROJECT_DOMAIN_NAME"]}
    return session.Session(auth=v3.Password(auth_url=env["OS_AUTH_URL"], username=env["OS_USERNAME"],
                                            password=env["OS_PASSWORD"], user_domain_name=env["OS_USER_DOMAIN_NAME"],
                                            **scope))


def answers(url):
    """Whether a GET of `url` answers 200."""
    parts = urlsplit(url)
    try:
        connection = http_client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        connection.request("GET", parts.path or "/")
        return connection.getresponse().status == 200
    except OSError:
        return False
