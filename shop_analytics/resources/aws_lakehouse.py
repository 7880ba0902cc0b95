"""Iceberg on S3 and on the AWS Glue Data Catalog, for Spark and PyIceberg alike.

Two uses share these builders:

- a warehouse on S3 under the local JDBC catalog (``SHOP_WAREHOUSE=s3://…``, with
  ``SHOP_S3_ENDPOINT`` pointing at MinIO in the compose stack or at a test server), and
- the AWS environment: the Glue Data Catalog with its warehouse on S3.

Spark reaches S3 through Iceberg's ``S3FileIO`` (the ``spark-aws`` jar group: Iceberg's AWS
bundle), not through Hadoop's s3a, so no Hadoop AWS jars are needed. PyIceberg reaches it
through PyArrow's S3 filesystem. Both are given the region explicitly: left to themselves
they would look it up (PyIceberg asks S3 for the bucket's region, the AWS SDK may ask the
instance metadata service), which an S3-compatible store cannot answer. Credentials are
left to each SDK's default chain (environment, ECS task role) unless given here.
"""

from __future__ import annotations

from dataclasses import dataclass

from shop_analytics.platform import jars, lakehouse
from shop_analytics.platform.settings import PlatformSettings

SPARK_CATALOG_IMPL = "org.apache.iceberg.spark.SparkCatalog"
GLUE_CATALOG_IMPL = "org.apache.iceberg.aws.glue.GlueCatalog"
S3_FILE_IO = "org.apache.iceberg.aws.s3.S3FileIO"
PYARROW_FILE_IO = "pyiceberg.io.pyarrow.PyArrowFileIO"
# The Spark catalog name on AWS: the EMR Serverless application's spark-defaults configure
# an Iceberg catalog named `glue` (deploy/terraform/modules/emr_serverless), and jobs that
# run in the code location use the same name, so SQL reads the same everywhere.
GLUE_CATALOG_NAME = "glue"


@dataclass(frozen=True)
class S3Access:
    """How Iceberg reaches S3: the region, and for an S3-compatible store its endpoint.

    An endpoint implies path-style addressing (``http://host:port/bucket/key``), which
    S3-compatible stores on one host need. Keys are for tests against such a store; leave
    them unset to use the SDKs' default credential chain.
    """

    region: str
    endpoint: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None


def spark_s3_fileio_conf(catalog: str, s3: S3Access) -> dict[str, str]:
    """Spark catalog properties that make ``catalog`` read and write files with S3FileIO."""
    prefix = f"spark.sql.catalog.{catalog}"
    conf = {
        f"{prefix}.io-impl": S3_FILE_IO,
        # AwsClientProperties: the region of every client the catalog makes (S3, Glue).
        f"{prefix}.client.region": s3.region,
    }
    if s3.endpoint:
        conf[f"{prefix}.s3.endpoint"] = s3.endpoint
        conf[f"{prefix}.s3.path-style-access"] = "true"
    if s3.access_key_id and s3.secret_access_key:
        conf[f"{prefix}.s3.access-key-id"] = s3.access_key_id
        conf[f"{prefix}.s3.secret-access-key"] = s3.secret_access_key
    return conf


def pyiceberg_s3_properties(s3: S3Access) -> dict[str, str]:
    """PyIceberg FileIO properties for S3 through PyArrow."""
    props = {"py-io-impl": PYARROW_FILE_IO, "s3.region": s3.region}
    if s3.endpoint:
        props["s3.endpoint"] = s3.endpoint
        props["s3.force-virtual-addressing"] = "false"
    if s3.access_key_id and s3.secret_access_key:
        props["s3.access-key-id"] = s3.access_key_id
        props["s3.secret-access-key"] = s3.secret_access_key
    return props


def spark_aws_jars(settings: PlatformSettings) -> str:
    """Glob over the ``spark-aws`` jar group (Iceberg's AWS bundle, MSK IAM auth)."""
    return str(jars.group_dir(settings, jars.SPARK_AWS) / "*.jar")


def with_jars(conf: dict[str, str], *patterns: str) -> dict[str, str]:
    """``conf`` with ``patterns`` appended to ``spark.jars`` (once each)."""
    current = [p for p in conf.get("spark.jars", "").split(",") if p]
    return {**conf, "spark.jars": ",".join(current + [p for p in patterns if p not in current])}


def local_catalog_on_s3_spark_conf(settings: PlatformSettings, warehouse: str, s3: S3Access) -> dict[str, str]:
    """The local platform's Spark settings with the JDBC catalog's warehouse on S3."""
    conf = lakehouse.spark_conf(settings)
    conf[f"spark.sql.catalog.{lakehouse.CATALOG_NAME}.warehouse"] = warehouse
    conf.update(spark_s3_fileio_conf(lakehouse.CATALOG_NAME, s3))
    return with_jars(conf, spark_aws_jars(settings))


def glue_spark_conf(settings: PlatformSettings, warehouse: str, s3: S3Access, master: str = "local[2]") -> dict[str, str]:
    """Spark settings for the Glue Data Catalog with its warehouse on S3.

    The session-level settings (extensions, time zone, sizing, jars) are the local
    platform's; the local JDBC catalog is replaced by the Glue catalog ``glue``, which
    becomes the default catalog, so ``namespace.table`` names resolve in Glue.
    """
    local_prefix = f"spark.sql.catalog.{lakehouse.CATALOG_NAME}"
    conf = {
        key: value
        for key, value in lakehouse.spark_conf(settings, master=master).items()
        if key != local_prefix and not key.startswith(local_prefix + ".")
    }
    prefix = f"spark.sql.catalog.{GLUE_CATALOG_NAME}"
    conf.update(
        {
            prefix: SPARK_CATALOG_IMPL,
            f"{prefix}.catalog-impl": GLUE_CATALOG_IMPL,
            f"{prefix}.warehouse": warehouse,
            "spark.sql.defaultCatalog": GLUE_CATALOG_NAME,
        }
    )
    conf.update(spark_s3_fileio_conf(GLUE_CATALOG_NAME, s3))
    return with_jars(conf, spark_aws_jars(settings))


def glue_pyiceberg_properties(warehouse: str, s3: S3Access) -> dict[str, str]:
    """Properties for ``pyiceberg.catalog.load_catalog(name, **props)`` on the Glue catalog."""
    return {
        "type": "glue",
        "glue.region": s3.region,
        "warehouse": warehouse,
        **pyiceberg_s3_properties(s3),
    }
