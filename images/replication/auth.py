"""How each side is reached: a keystoneauth1 session carrying that side's identity.

Three ways, the first given wins: Keystone credentials (the session logs in and renews the
token itself), a token (`X-Auth-Token`), or trusted headers (`X-Project-Id`/`X-Roles`/`X-User-Id`,
as this service's noauth mode and Glance's `auth_strategy=noauth` read them). With none of
them, no identity is sent: a noauth service treats that as its administrator.
"""
from dataclasses import dataclass

import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3


@dataclass(frozen=True)
class Credentials:
    token: str = ""
    project_id: str = ""
    user_id: str = ""
    roles: str = ""
    auth_url: str = ""
    username: str = ""
    password: str = ""
    project_name: str = ""
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"

    def describe(self):
        if self.auth_url:
            return f"Keystone user {self.username} at {self.auth_url}"
        if self.token:
            return "a token"
        if self.project_id or self.roles:
            return f"trusted headers (project {self.project_id or '-'}, roles {self.roles or '-'})"
        return "no identity"


def session_for(credentials, timeout=60, blocksize=65536):
    """A session whose every request carries `credentials`' identity; uploads are sent `blocksize` bytes at a time."""
    transport = requests.Session()
    adapter = _BlockAdapter(blocksize)
    transport.mount("http://", adapter)
    transport.mount("https://", adapter)
    if credentials.auth_url:
        plugin = v3.Password(auth_url=credentials.auth_url, username=credentials.username,
                             password=credentials.password, project_name=credentials.project_name,
                             user_domain_name=credentials.user_domain_name,
                             project_domain_name=credentials.project_domain_name)
        return ks_session.Session(auth=plugin, timeout=timeout, session=transport)
    return ks_session.Session(additional_headers=_identity_headers(credentials), timeout=timeout, session=transport)


class _BlockAdapter(ks_session.TCPKeepAliveAdapter):
    """keystoneauth's adapter with urllib3's send block size raised from 16 KiB: fewer, larger writes of image data."""

    def __init__(self, blocksize):
        self._blocksize = blocksize  # before super().__init__(), which builds the pool manager
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **{**kwargs, "blocksize": self._blocksize})


def _identity_headers(credentials):
    if credentials.token:
        return {"X-Auth-Token": credentials.token}
    headers = {"X-Project-Id": credentials.project_id, "X-User-Id": credentials.user_id,
               "X-Roles": credentials.roles or ("admin" if credentials.project_id else "")}
    return {name: value for name, value in headers.items() if value}
