"""The Spark half of the S3 round trip, run as its own process.

One SparkSession per process: the suite's session (root conftest) is configured for the
local warehouse, so the S3 tests run Spark here, with the configuration given in a JSON
file, and read its findings from the last line of stdout (one JSON object).

    python -m shop_analytics_tests.aws.spark_s3_job <request.json>

The request holds ``conf`` (Spark settings), ``table`` (namespace.table, already created
and filled by PyIceberg) and ``append`` (rows of id, name to add). The job reads the table,
appends the rows, reads it again, and checks that the AWS classes on its classpath load and
work together (Glue catalog, S3FileIO, MSK IAM signing) without calling AWS.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pyspark.sql import SparkSession


def main(request_path: str) -> dict[str, Any]:
    request = json.loads(open(request_path).read())
    builder = SparkSession.builder
    for key, value in request["conf"].items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        table = request["table"]
        before = sorted(row["id"] for row in spark.sql(f"SELECT id FROM {table}").collect())
        values = ", ".join(f"({int(i)}, '{name}', timestamp'2026-11-0{1 + int(i) % 2} 10:00:00')" for i, name in request["append"])
        spark.sql(f"INSERT INTO {table} VALUES {values}")
        after = sorted(row["id"] for row in spark.sql(f"SELECT id FROM {table}").collect())
        location = spark.sql(f"DESCRIBE TABLE EXTENDED {table}").where("col_name = 'Location'").first()["data_type"]
        files = [row["file_path"] for row in spark.sql(f"SELECT file_path FROM {table}.files").collect()]
        return {
            "ids_before": before,
            "ids_after": after,
            "location": location,
            "data_files": files,
            "aws_classes": _aws_classes(spark),
        }
    finally:
        spark.stop()


def _aws_classes(spark: SparkSession) -> dict[str, Any]:
    """Load the AWS side of the classpath and sign an MSK IAM payload (local work only)."""
    jvm = spark.sparkContext._jvm
    loader = jvm.java.lang.Thread.currentThread().getContextClassLoader()
    found = {}
    for name in (
        "org.apache.iceberg.aws.glue.GlueCatalog",
        "org.apache.iceberg.aws.s3.S3FileIO",
        "software.amazon.msk.auth.iam.IAMLoginModule",
        "software.amazon.msk.auth.iam.IAMClientCallbackHandler",
    ):
        found[name] = jvm.java.lang.Class.forName(name, True, loader).getName()
    # The payload the AWS_MSK_IAM mechanism sends as its first SASL message: SigV4 signed
    # with the given credentials, entirely in the JVM (no call to AWS).
    credentials = jvm.software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("AKIDEXAMPLE", "secret")
    params = jvm.software.amazon.msk.auth.iam.internals.AuthenticationRequestParams.create(
        "boot-abc.c1.kafka-serverless.eu-central-1.amazonaws.com", credentials, "shop-analytics-test"
    )
    payload = jvm.software.amazon.msk.auth.iam.internals.AWS4SignedPayloadGenerator().signedPayload(params)
    signed = json.loads(bytes(payload).decode())
    return {"classes": found, "msk_payload": {k: signed[k] for k in ("action", "host", "x-amz-algorithm") if k in signed}}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
