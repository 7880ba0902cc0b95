"""Resources per environment, chosen by one setting (``SHOP_ENV``), in this one place.

Asset code never asks which environment it runs in: it receives these resources, under
the same keys everywhere (kafka, schema_registry, spark, ingest_spark, iceberg, ingest, silver, dbt,
alerts, quality).

- ``local`` (default): the embedded platform (settings.py) — local broker and registry,
  Spark local[2], the SQLite JDBC Iceberg catalog. Explicit settings point it elsewhere,
  as the compose stack does: ``SHOP_KAFKA_BOOTSTRAP``, ``SHOP_SCHEMA_REGISTRY_URL``,
  ``SHOP_WAREHOUSE`` (a folder or ``s3://bucket/prefix``), ``SHOP_S3_ENDPOINT`` (an
  S3-compatible store such as MinIO, path-style), ``SHOP_CHECKPOINT_ROOT``, and
  ``SHOP_AWS_REGION`` (the S3 region; else ``AWS_REGION``, else us-east-1).
  ``SHOP_SPARK_MASTER`` moves Spark from ``local[2]`` to a standalone master, e.g.
  ``spark://127.0.0.1:7077`` from ``shop-analytics platform spark-cluster up``
  (platform/spark_cluster.py); the same jobs run there unchanged.
  ``ingest_spark`` (bronze ingest, which runs every few seconds) is a Spark Connect client
  of the platform's long-lived server (platform/spark_connect.py) while
  ``SHOP_SPARK_CONNECT`` is on (the default) and Spark runs here on the embedded
  warehouse; otherwise it is ``spark`` itself.
- ``aws``: MSK with IAM auth, the Glue Data Catalog with its warehouse on S3 for Spark and
  PyIceberg, Spark jobs on EMR Serverless (aws_spark.py), checkpoints on S3, bronze in
  its Glue database. Every setting comes from Terraform's ``code_location_settings``
  output (aws_settings.py).

Dagster's own storage is not a resource: ``dagster.yaml`` chooses it (SQLite under
DAGSTER_HOME locally; PostgreSQL and S3 compute logs in deploy/docker/dagster.yaml for
the compose stack and ECS). dbt's profile target follows the environment (``dbt_target``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shop_analytics.platform import lakehouse, spark_cluster
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources import aws_lakehouse
from shop_analytics.resources.alerts import build_alerts_resource
from shop_analytics.resources.aws_kafka import MskIamKafkaResource
from shop_analytics.resources.aws_lakehouse import S3Access
from shop_analytics.resources.aws_settings import AwsSettings
from shop_analytics.resources.aws_spark import AwsJarsSparkResource, EmrServerlessSparkResource
from shop_analytics.resources.dbt import aws_dbt_resource, local_dbt_resource
from shop_analytics.resources.iceberg import IcebergCatalogResource
from shop_analytics.resources.ingest import IngestSettingsResource
from shop_analytics.resources.kafka import KafkaResource
from shop_analytics.resources.quality import build_quality_resource
from shop_analytics.resources.schema_registry import SchemaRegistryResource
from shop_analytics.resources.silver import SilverSettingsResource
from shop_analytics.resources.spark import LakehouseSparkResource

ENV_VAR = "SHOP_ENV"
DEFAULT_ENV = "local"
# The Spark master of the local environment; unset, Spark runs in-process.
SPARK_MASTER_VAR = "SHOP_SPARK_MASTER"
DEFAULT_SPARK_MASTER = "local[2]"
# The S3 region when nothing names one; an S3-compatible store accepts any.
DEFAULT_S3_REGION = "us-east-1"
# dbt_models/profiles.yml has one output per environment, under the same name.
DBT_TARGETS: Mapping[str, str] = {"local": "local", "aws": "aws"}


@dataclass(frozen=True)
class LocalOverrides:
    """Explicit locations that replace the embedded platform's defaults (all optional)."""

    kafka_bootstrap: str | None = None
    schema_registry_url: str | None = None
    warehouse: str | None = None
    s3_endpoint: str | None = None
    checkpoint_root: str | None = None
    s3_region: str = DEFAULT_S3_REGION

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LocalOverrides:
        def get(name: str) -> str | None:
            return (environ.get(name) or "").strip() or None

        return cls(
            kafka_bootstrap=get("SHOP_KAFKA_BOOTSTRAP"),
            schema_registry_url=get("SHOP_SCHEMA_REGISTRY_URL"),
            warehouse=get("SHOP_WAREHOUSE"),
            s3_endpoint=get("SHOP_S3_ENDPOINT"),
            checkpoint_root=get("SHOP_CHECKPOINT_ROOT"),
            s3_region=get("SHOP_AWS_REGION") or get("AWS_REGION") or get("AWS_DEFAULT_REGION") or DEFAULT_S3_REGION,
        )


def spark_master(environ: Mapping[str, str]) -> str:
    """The local environment's Spark master: ``SHOP_SPARK_MASTER``, else ``local[2]``."""
    master = (environ.get(SPARK_MASTER_VAR) or "").strip() or DEFAULT_SPARK_MASTER
    if not (master.startswith(("local", "spark://"))):
        raise ValueError(f"{SPARK_MASTER_VAR}={master!r} is not a Spark master here: use local[N] or spark://host:port")
    return master


def _with_master(spark_config: dict[str, str], master: str) -> dict[str, str]:
    """``spark_config`` on ``master``; a standalone master also gets the executors' sizing."""
    if master == DEFAULT_SPARK_MASTER:
        return spark_config
    extra = spark_cluster.executor_conf() if master.startswith("spark://") else {}
    return {**spark_config, "spark.master": master, **extra}


def local_resources(
    settings: PlatformSettings, overrides: LocalOverrides | None = None, master: str = DEFAULT_SPARK_MASTER
) -> dict[str, Any]:
    """The embedded platform: local broker and registry, Spark local[2], SQLite Iceberg catalog.

    ``overrides`` moves single parts elsewhere (the compose stack: its broker, registry and
    a MinIO warehouse) while the catalog database and checkpoints stay in the state folder.
    ``master`` moves Spark to a standalone cluster (``spark://host:port``); nothing else changes.
    """
    overrides = overrides or LocalOverrides()
    spark: LakehouseSparkResource
    catalog_props = {"type": "sql", **lakehouse.pyiceberg_properties(settings)}
    if overrides.warehouse is not None and overrides.warehouse.startswith("s3://"):
        s3 = S3Access(region=overrides.s3_region, endpoint=overrides.s3_endpoint)
        spark = AwsJarsSparkResource(
            spark_config=_with_master(
                aws_lakehouse.local_catalog_on_s3_spark_conf(settings, overrides.warehouse, s3), master
            ),
            jar_cache_dir=str(settings.cache_dir),
            sql_catalog=lakehouse.pyiceberg_properties(settings),
        )
        catalog_props.update(warehouse=overrides.warehouse, **aws_lakehouse.pyiceberg_s3_properties(s3))
    else:
        spark_config = _with_master(lakehouse.spark_conf(settings, master=master), master)
        if overrides.warehouse:
            warehouse = _folder_uri(overrides.warehouse)
            spark_config[f"spark.sql.catalog.{lakehouse.CATALOG_NAME}.warehouse"] = warehouse
            catalog_props["warehouse"] = warehouse
        spark = LakehouseSparkResource(spark_config=spark_config, sql_catalog=lakehouse.pyiceberg_properties(settings))
    # The Connect server runs the embedded warehouse's configuration on local[2]; a moved
    # warehouse or a standalone master keeps the ingest on `spark` like every other step.
    ingest_spark = spark
    if settings.spark_connect and overrides.warehouse is None and master == DEFAULT_SPARK_MASTER:
        ingest_spark = LakehouseSparkResource(
            spark_config=spark.spark_config, sql_catalog=spark.sql_catalog, remote=settings.spark_connect_url
        )
    return {
        "kafka": KafkaResource(bootstrap_servers=overrides.kafka_bootstrap or settings.kafka_bootstrap),
        "schema_registry": SchemaRegistryResource(url=overrides.schema_registry_url or settings.registry_url),
        "spark": spark,
        "ingest_spark": ingest_spark,
        "iceberg": IcebergCatalogResource(name=lakehouse.CATALOG_NAME, properties=catalog_props),
        "ingest": IngestSettingsResource(checkpoint_root=overrides.checkpoint_root or str(settings.checkpoints_dir)),
        "silver": SilverSettingsResource(),
        # dbt's own Spark session (local target) on the same catalog and settings as `spark`.
        "dbt": local_dbt_resource(spark.spark_config, spark.sql_catalog),
    }


def _folder_uri(path: str) -> str:
    """A local warehouse as a file URI (a URI stays as given)."""
    return path if "://" in path else Path(path).expanduser().resolve().as_uri()


def aws_resources(settings: PlatformSettings, aws: AwsSettings) -> dict[str, Any]:
    """MSK (IAM), the Glue catalog on S3, Spark on EMR Serverless, checkpoints on S3.

    Only constructs resources: no AWS call is made until an asset uses one.
    """
    s3 = S3Access(region=aws.region, endpoint=aws.s3_endpoint)
    spark = EmrServerlessSparkResource(
        spark_config=aws_lakehouse.glue_spark_conf(settings, aws.warehouse, s3),
        jar_cache_dir=str(settings.cache_dir),
        region=aws.region,
        application_id=aws.emr_application_id,
        job_role_arn=aws.emr_job_role_arn,
        artifacts_bucket=aws.artifacts_bucket,
        warehouse=aws.warehouse,
    )
    return {
        "kafka": MskIamKafkaResource(
            bootstrap_servers=aws.kafka_bootstrap, region=aws.region, topic_prefix=aws.kafka_topic_prefix
        ),
        "schema_registry": SchemaRegistryResource(url=aws.schema_registry_url),
        "spark": spark,
        "ingest_spark": spark,
        "iceberg": IcebergCatalogResource(
            name=aws_lakehouse.GLUE_CATALOG_NAME,
            properties=aws_lakehouse.glue_pyiceberg_properties(aws.warehouse, s3),
        ),
        "ingest": IngestSettingsResource(
            checkpoint_root=aws.checkpoint_root, bronze_namespace=aws.glue_database_bronze
        ),
        "silver": SilverSettingsResource(namespace=aws.glue_database_silver),
        "dbt": aws_dbt_resource(),
    }


ENVIRONMENTS: Mapping[str, Callable[[PlatformSettings, Mapping[str, str]], dict[str, Any]]] = {
    "local": lambda settings, environ: local_resources(
        settings, LocalOverrides.from_env(environ), master=spark_master(environ)
    ),
    "aws": lambda settings, environ: aws_resources(settings, AwsSettings.from_env(environ)),
}


def environment_name(environ: Mapping[str, str] | None = None) -> str:
    """The chosen environment; an unknown name is an error that lists the known ones."""
    environ = os.environ if environ is None else environ
    name = (environ.get(ENV_VAR) or DEFAULT_ENV).strip()
    if name not in ENVIRONMENTS:
        raise ValueError(f"{ENV_VAR}={name!r} is not an environment here: use one of {sorted(ENVIRONMENTS)}")
    return name


def build_resources(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    name = environment_name(environ)
    resources = ENVIRONMENTS[name](PlatformSettings.from_env(environ), environ)
    # Alerts and quality read the same SHOP_* variables everywhere; their namespaces follow
    # the environment's (Glue databases on AWS).
    quality = build_quality_resource(environ)
    if name == "aws":
        aws = AwsSettings.from_env(environ)
        quality = quality.model_copy(
            update={
                "bronze_namespace": aws.glue_database_bronze,
                "silver_namespace": aws.glue_database_silver,
                "gold_namespace": aws.glue_database_gold,
            }
        )
    return {**resources, "alerts": build_alerts_resource(environ), "quality": quality}


def dbt_target(environ: Mapping[str, str] | None = None) -> str:
    """The dbt_models/profiles.yml output of the chosen environment (for DbtCliResource(target=...))."""
    return DBT_TARGETS[environment_name(environ)]
