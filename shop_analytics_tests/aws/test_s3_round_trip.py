"""An Iceberg table on ``s3://`` written and read by PyIceberg and by Spark, through a real
S3 API server on 127.0.0.1 (moto's server mode).

The resources come from ``build_resources`` with the settings the compose stack uses for
MinIO (``SHOP_WAREHOUSE=s3://…``, ``SHOP_S3_ENDPOINT``), and credentials from the
environment as there. PyIceberg creates and fills the table in this process; Spark, in its
own process (one SparkSession per process), reads it, appends, and reads again; PyIceberg
then reads both writers' rows, and the bucket holds the table's data and metadata files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from shop_analytics.platform import jars
from shop_analytics.platform.lakehouse import expand_jar_globs
from shop_analytics.platform.s3_server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, S3Server
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.aws_spark import AwsJarsSparkResource
from shop_analytics.resources.environments import build_resources

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
# Credentials from the environment, as the compose stack gives them; no instance metadata.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
    "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}
SPARK_JOB_TIMEOUT_S = 300


@pytest.fixture
def s3_environ(tmp_path: Path, s3_server: S3Server, bucket: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    return {
        "SHOP_ENV": "local",
        "SHOP_STATE_DIR": str(tmp_path / "state"),
        "SHOP_WAREHOUSE": f"s3://{bucket}/warehouse",
        "SHOP_S3_ENDPOINT": s3_server.endpoint,
        "SHOP_AWS_REGION": REGION,
    }


def _events(ids: list[int]) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "name": pa.array([f"event-{i}" for i in ids], pa.string()),
            "ts": pa.array([datetime(2026, 11, 1 + i % 2, 9, tzinfo=UTC) for i in ids], pa.timestamp("us", tz="UTC")),
        }
    )


def _run_spark_job(request: dict, workdir: Path) -> dict:
    request_file = workdir / "spark-request.json"
    request_file.write_text(json.dumps(request))
    result = subprocess.run(
        [sys.executable, "-m", "shop_analytics_tests.aws.spark_s3_job", str(request_file)],
        cwd=REPO_ROOT,
        env={**os.environ, **AWS_ENV},
        capture_output=True,
        text=True,
        timeout=SPARK_JOB_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, f"Spark job failed:\n{result.stderr[-4000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_iceberg_table_on_s3_round_trips_between_pyiceberg_and_spark(
    tmp_path: Path, s3_environ: dict[str, str], s3_client, bucket: str
) -> None:
    resources = build_resources(s3_environ)
    spark_resource = resources["spark"]
    assert isinstance(spark_resource, AwsJarsSparkResource)
    settings = PlatformSettings.from_env(s3_environ)
    settings.state_dir.mkdir(parents=True)
    for group in (jars.SPARK, jars.SPARK_AWS):
        jars.resolve(settings, group)

    # PyIceberg creates the table on S3 and writes the first rows.
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.schema import Schema
    from pyiceberg.transforms import DayTransform
    from pyiceberg.types import LongType, NestedField, StringType, TimestamptzType

    catalog = resources["iceberg"].load()
    catalog.create_namespace("roundtrip")
    schema = Schema(
        NestedField(1, "id", LongType(), required=False),
        NestedField(2, "name", StringType(), required=False),
        NestedField(3, "ts", TimestamptzType(), required=False),
    )
    table = catalog.create_table(
        "roundtrip.events",
        schema=schema,
        partition_spec=PartitionSpec(PartitionField(3, 1000, DayTransform(), "ts_day")),
    )
    assert table.location().startswith(f"s3://{bucket}/warehouse/")
    table.append(_events([1, 2, 3]))

    # Spark reads PyIceberg's rows from S3, appends its own, reads all back.
    found = _run_spark_job(
        {
            "conf": expand_jar_globs(dict(spark_resource.spark_config)),
            "table": "roundtrip.events",
            "append": [[10, "from-spark"], [11, "from-spark"]],
        },
        tmp_path,
    )
    assert found["ids_before"] == [1, 2, 3]
    assert found["ids_after"] == [1, 2, 3, 10, 11]
    assert found["location"].startswith(f"s3://{bucket}/warehouse/")
    assert found["data_files"] and all(path.startswith(f"s3://{bucket}/") for path in found["data_files"])

    # PyIceberg sees Spark's commit.
    rows = catalog.load_table("roundtrip.events").scan().to_arrow()
    assert sorted(rows.column("id").to_pylist()) == [1, 2, 3, 10, 11]
    assert rows.num_rows == 5

    # The files are in the bucket, behind the S3 API: data and metadata of both writers.
    keys = [
        obj["Key"]
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="warehouse/")
        for obj in page.get("Contents", [])
    ]
    assert sum(key.endswith(".parquet") for key in keys) >= 3  # two PyIceberg partitions + Spark's files
    assert sum(key.endswith(".metadata.json") for key in keys) >= 3  # create, PyIceberg append, Spark append

    # The AWS classes of the spark-aws group load together and sign an MSK IAM payload.
    aws = found["aws_classes"]
    assert set(aws["classes"]) == {
        "org.apache.iceberg.aws.glue.GlueCatalog",
        "org.apache.iceberg.aws.s3.S3FileIO",
        "software.amazon.msk.auth.iam.IAMLoginModule",
        "software.amazon.msk.auth.iam.IAMClientCallbackHandler",
    }
    assert aws["msk_payload"]["action"] == "kafka-cluster:Connect"
    assert aws["msk_payload"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"


def test_emr_job_jars_upload_to_the_artifacts_bucket_once(
    tmp_path: Path, s3_server: S3Server, s3_client, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shop_analytics_tests.aws.test_environments import AWS_ENVIRON

    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    # botocore sends S3 calls to the test server, as compose sends them to MinIO.
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server.endpoint)
    cache = tmp_path / "cache"
    for group, name in (("spark", "spark-sql-kafka-0-10_2.12-3.5.7.jar"), ("spark", "iceberg-spark-runtime-3.5_2.12-1.10.1.jar"), ("spark-aws", "aws-msk-iam-auth-2.3.5.jar")):
        (cache / "jars" / group).mkdir(parents=True, exist_ok=True)
        (cache / "jars" / group / name).write_bytes(name.encode() * 100)
    spark = build_resources(
        {**AWS_ENVIRON, "SHOP_ARTIFACTS_BUCKET": bucket, "SHOP_CACHE_DIR": str(cache), "SHOP_AWS_REGION": REGION}
    )["spark"]

    uris = spark.upload_job_jars()

    assert uris == [
        f"s3://{bucket}/emr/jars/spark-sql-kafka-0-10_2.12-3.5.7.jar",
        f"s3://{bucket}/emr/jars/aws-msk-iam-auth-2.3.5.jar",
    ]
    listed = {obj["Key"]: obj for obj in s3_client.list_objects_v2(Bucket=bucket, Prefix="emr/jars/")["Contents"]}
    assert set(listed) == {"emr/jars/spark-sql-kafka-0-10_2.12-3.5.7.jar", "emr/jars/aws-msk-iam-auth-2.3.5.jar"}
    assert listed["emr/jars/aws-msk-iam-auth-2.3.5.jar"]["Size"] == len(b"aws-msk-iam-auth-2.3.5.jar") * 100

    assert spark.upload_job_jars() == uris
    again = {obj["Key"]: obj for obj in s3_client.list_objects_v2(Bucket=bucket, Prefix="emr/jars/")["Contents"]}
    assert {k: v["ETag"] for k, v in again.items()} == {k: v["ETag"] for k, v in listed.items()}
