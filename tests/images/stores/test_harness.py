"""The Swift that .ci/swift/start runs: what the store tests take for granted about it."""
import pytest
from botocore.exceptions import ClientError

from tests.images.stores.conftest import native_s3, native_swift

pytestmark = pytest.mark.swift


def test_tempauth_logs_the_service_into_its_own_account(swift_env):
    storage_url, token = native_swift(swift_env).get_auth()
    assert storage_url == swift_env["SWIFT_AUTH_URL"].replace("/auth/v1.0", "/v1/AUTH_glance") and token


def test_s3api_takes_signature_v4_with_the_tempauth_key(s3, swift_env, container_name):
    s3.create_bucket(Bucket=container_name)
    assert container_name in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    assert s3.get_bucket_location(Bucket=container_name).get("LocationConstraint") in (None, swift_env["S3_REGION"])
    with pytest.raises(ClientError, match="SignatureDoesNotMatch"):
        native_s3(swift_env, secret_key="wrong").list_buckets()


def test_an_s3_bucket_is_a_swift_container(s3, swift, container_name):
    s3.create_bucket(Bucket=container_name)
    s3.put_object(Bucket=container_name, Key="k", Body=b"v")
    assert swift.get_object(container_name, "k")[1] == b"v"
