"""The swift and s3 stores against the real Swift (and its s3api) of .ci/swift/start.

Each test gets containers and buckets of its own, named after it, removed when it ends;
the native clients (swiftclient, boto3) check what the drivers left on the server.
"""
import socket
import uuid

import boto3
import pytest
from botocore.config import Config
from swiftclient.client import ClientException, Connection

from images.stores.s3 import S3Store
from images.stores.swift import SwiftStore
from tests.support.swift_server import swift_env  # noqa: F401  (a fixture)

MiB = 1024 * 1024


def native_swift(env, user="SWIFT_USER", key="SWIFT_KEY"):
    return Connection(authurl=env["SWIFT_AUTH_URL"], user=env[user], key=env[key], retries=0)


def native_s3(env, access_key=None, secret_key=None):
    return boto3.client("s3", endpoint_url=env["S3_ENDPOINT_URL"], region_name=env["S3_REGION"],
                        aws_access_key_id=access_key or env["S3_ACCESS_KEY"],
                        aws_secret_access_key=secret_key or env["S3_SECRET_KEY"],
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def chunked(data, size=MiB):
    return (data[i:i + size] for i in range(0, len(data), size))


def object_names(connection, container):
    try:
        return [entry["name"] for entry in connection.get_container(container, full_listing=True)[1]]
    except ClientException as exc:
        if exc.http_status == 404:
            return []
        raise


def _remove_containers(connection, prefix):
    for container in connection.get_account(prefix=prefix, full_listing=True)[1]:
        for name in object_names(connection, container["name"]):
            connection.delete_object(container["name"], name)
        connection.delete_container(container["name"])


@pytest.fixture
def swift(swift_env):  # noqa: F811
    return native_swift(swift_env)


@pytest.fixture
def s3(swift_env):  # noqa: F811
    return native_s3(swift_env)


@pytest.fixture
def container_name(swift):
    """A container name of this test's own; every container it starts (segments, seeds) goes after it."""
    name = f"t{uuid.uuid4().hex[:12]}"
    yield name
    _remove_containers(swift, name)  # s3 buckets are containers too


@pytest.fixture
def make_swift_store(swift_env, container_name):  # noqa: F811
    def make(store_id="objects", **options):
        return SwiftStore(store_id, **{"auth_url": swift_env["SWIFT_AUTH_URL"], "user": swift_env["SWIFT_USER"],
                                       "key": swift_env["SWIFT_KEY"], "container": container_name, "retries": 0,
                                       **options})
    return make


@pytest.fixture
def make_s3_store(swift_env, container_name):  # noqa: F811
    def make(store_id="buckets", **options):
        return S3Store(store_id, **{"endpoint_url": swift_env["S3_ENDPOINT_URL"], "region": swift_env["S3_REGION"],
                                    "access_key": swift_env["S3_ACCESS_KEY"], "secret_key": swift_env["S3_SECRET_KEY"],
                                    "bucket": container_name, "retries": 0, **options})
    return make


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
