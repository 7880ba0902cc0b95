"""Fixtures for the AWS wiring: a real S3 API server on 127.0.0.1 and a bucket in it.

The server is moto's server mode (``moto[server]`` from the ``aws`` extra), started as a
process on a free port and stopped by its PID at the end of the session. Credentials are
dummies that the server accepts; nothing here can reach AWS.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest

from shop_analytics.platform.s3_server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, S3Server
from shop_analytics.resources.aws_lakehouse import S3Access
from shop_analytics_tests.conftest import free_port


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = S3Server("127.0.0.1", free_port(), tmp_path_factory.mktemp("s3-server"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_access(s3_server: S3Server) -> S3Access:
    return S3Access(
        region=REGION,
        endpoint=s3_server.endpoint,
        access_key_id=ACCESS_KEY_ID,
        secret_access_key=SECRET_ACCESS_KEY,
    )


@pytest.fixture
def s3_client(s3_server: S3Server):
    return boto3.client(
        "s3",
        endpoint_url=s3_server.endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


@pytest.fixture
def bucket(s3_client) -> str:
    """A new, empty bucket for one test."""
    name = f"shop-test-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name
