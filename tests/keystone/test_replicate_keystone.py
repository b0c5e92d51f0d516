"""`manage.py replicate` into the service in keystone mode: logging in with Keystone credentials, or a token."""
import hashlib
import os

import pytest

from tests.support.http_calls import ok
from tests.support.live_server import LiveServer
from tests.support.replication import assert_same_image, replicate

pytestmark = [pytest.mark.e2e, pytest.mark.keystone]


@pytest.fixture(scope="module")
def noauth_source(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("replicate-source"), workers=1) as server:
        yield server


def credential_options(identity, password_file):
    env = identity.os_env
    password_file.write_text(env["OS_PASSWORD"] + "\n")
    return ["--target-auth-url", env["OS_AUTH_URL"], "--target-username", env["OS_USERNAME"],
            "--target-password-file", password_file, "--target-project-name", env["OS_PROJECT_NAME"],
            "--target-user-domain-name", env["OS_USER_DOMAIN_NAME"],
            "--target-project-domain-name", env["OS_PROJECT_DOMAIN_NAME"]]


def test_livecopy_logs_in_to_keystone_and_a_token_works_too(noauth_source, keystone_service, http, identities,
                                                           tmp_path):
    data = os.urandom(200_000)
    image = ok(noauth_source, "POST", "/v2/images", {"name": "to-keystone", "disk_format": "raw",
                                                     "container_format": "bare", "os_distro": "debian"})
    ok(noauth_source, "PUT", f"/v2/images/{image['id']}/file", data=data,
       headers={"Content-Type": "application/octet-stream"})
    image = ok(noauth_source, "GET", f"/v2/images/{image['id']}")
    admin = identities["admin"]
    result = replicate(tmp_path, "livecopy", *credential_options(admin, tmp_path / "password"), noauth_source.url, keystone_service.url)
    assert "failed 0" in result.stdout
    token = admin.new_token()
    copy = http("GET", f"/v2/images/{image['id']}", token=token)
    assert copy.status == 200, copy.body
    assert_same_image(image, copy.json())
    assert hashlib.sha512(http("GET", f"/v2/images/{image['id']}/file", token=token).body).hexdigest() == \
        image["os_hash_value"]
    assert " 0 differ." in replicate(tmp_path, "compare", "--targettoken", token, noauth_source.url,
                                     keystone_service.url).stdout
    refused = replicate(tmp_path, "compare", "--targettoken", "not-a-token", noauth_source.url, keystone_service.url,
                        expect_status=1)
    assert f"target {keystone_service.url}: GET /v2/images answered 401" in refused.stderr
    missing = replicate(tmp_path, "size", "--source-auth-url", "http://127.0.0.1:9/v3", "--source-password-file",
                        tmp_path / "nowhere", noauth_source.url, expect_status=1)
    assert f"--source-password-file {tmp_path / 'nowhere'}: No such file or directory" in missing.stderr
