"""``SHOP_ENV`` picks the resources: the aws environment resolves every resource without
talking to AWS, and the local environment honours explicit locations (the compose stack's)."""

from __future__ import annotations

import base64
import socket
import time
import urllib.parse
from pathlib import Path

import pytest
from dagster import Definitions

from shop_analytics.definitions import build_definitions
from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.aws_kafka import MSK_IAM_JAVA_CLIENT_CONFIG, MskIamKafkaResource
from shop_analytics.resources.aws_lakehouse import GLUE_CATALOG_NAME, S3_FILE_IO
from shop_analytics.resources.aws_spark import EMR_ICEBERG_RUNTIME, AwsJarsSparkResource, EmrServerlessSparkResource
from shop_analytics.resources.environments import build_resources, dbt_target, local_resources
from shop_analytics.resources.iceberg import IcebergCatalogResource
from shop_analytics.resources.ingest import IngestSettingsResource
from shop_analytics.resources.kafka import KafkaResource
from shop_analytics.resources.schema_registry import SchemaRegistryResource
from shop_analytics.resources.spark import LakehouseSparkResource

RESOURCE_KEYS = {"kafka", "schema_registry", "spark", "ingest_spark", "iceberg", "ingest", "silver", "dbt", "alerts", "quality"}
REGION = "eu-central-1"
WAREHOUSE = "s3://shop-dev-warehouse-123456789012/warehouse"
ARTIFACTS = "shop-dev-artifacts-123456789012"
# What Terraform's code_location_settings output gives the ECS task (dummy values).
AWS_ENVIRON = {
    "SHOP_ENV": "aws",
    "SHOP_AWS_REGION": REGION,
    "SHOP_KAFKA_BOOTSTRAP": "boot-abc.c1.kafka-serverless.eu-central-1.amazonaws.com:9098",
    "SHOP_KAFKA_TOPIC_PREFIX": "shop.",
    "SHOP_SCHEMA_REGISTRY_URL": "https://registry.shop.example:8443/apis/ccompat/v7",
    "SHOP_WAREHOUSE": WAREHOUSE,
    "SHOP_CHECKPOINT_ROOT": "s3://shop-dev-warehouse-123456789012/checkpoints",
    "SHOP_ARTIFACTS_BUCKET": ARTIFACTS,
    "SHOP_GLUE_DATABASE_BRONZE": "shop_dev_bronze",
    "SHOP_GLUE_DATABASE_SILVER": "shop_dev_silver",
    "SHOP_GLUE_DATABASE_GOLD": "shop_dev_gold",
    "SHOP_EMR_APPLICATION_ID": "00fabc123def4567",
    "SHOP_EMR_JOB_ROLE_ARN": "arn:aws:iam::123456789012:role/shop-dev-emr-job",
    "SHOP_GLUE_SESSION_ROLE_ARN": "arn:aws:iam::123456789012:role/shop-dev-glue-session",
}


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any name lookup or connection from Python fails the test (and is recorded)."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise NetworkUsed(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    # Credentials as an ECS task role would give them, without the metadata endpoint.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return attempts


@pytest.fixture
def aws_environ(tmp_path: Path) -> dict[str, str]:
    return {**AWS_ENVIRON, "SHOP_STATE_DIR": str(tmp_path / "state"), "SHOP_CACHE_DIR": str(tmp_path / "cache")}


# --- aws ---------------------------------------------------------------------------------


def test_aws_environment_builds_every_resource_without_network(aws_environ, no_network) -> None:
    resources = build_resources(aws_environ)

    assert set(resources) == RESOURCE_KEYS
    assert isinstance(resources["kafka"], MskIamKafkaResource)
    assert isinstance(resources["schema_registry"], SchemaRegistryResource)
    assert isinstance(resources["spark"], EmrServerlessSparkResource)
    assert isinstance(resources["iceberg"], IcebergCatalogResource)
    assert isinstance(resources["ingest"], IngestSettingsResource)
    # The whole code location loads with them.
    assert isinstance(build_definitions(resources), Definitions)
    build_definitions(resources).get_repository_def().get_all_jobs()
    assert no_network == []


def test_aws_kafka_is_msk_with_iam_for_librdkafka_and_for_spark(aws_environ, no_network) -> None:
    kafka = build_resources(aws_environ)["kafka"]

    config = kafka.base_config()
    assert config["bootstrap.servers"] == AWS_ENVIRON["SHOP_KAFKA_BOOTSTRAP"]
    assert config["security.protocol"] == "SASL_SSL"
    assert config["sasl.mechanism"] == "OAUTHBEARER"
    # Spark's Kafka source gets the Java client's AWS_MSK_IAM settings as kafka.* options.
    assert kafka.client_config == MSK_IAM_JAVA_CLIENT_CONFIG
    assert kafka.client_config["sasl.mechanism"] == "AWS_MSK_IAM"

    token, expiry_s = config["oauth_cb"]("")
    url = urllib.parse.urlparse(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
    query = urllib.parse.parse_qs(url.query)
    assert url.hostname == f"kafka.{REGION}.amazonaws.com"
    assert query["Action"] == ["kafka-cluster:Connect"]
    assert query["X-Amz-Credential"][0].startswith("AKIDEXAMPLE/")
    assert time.time() < expiry_s < time.time() + 3600
    assert no_network == []


def test_aws_kafka_refuses_topics_outside_the_iam_prefix() -> None:
    kafka = MskIamKafkaResource(bootstrap_servers="b:9098", region=REGION, topic_prefix="shop.")
    with pytest.raises(ValueError, match="SHOP_KAFKA_TOPIC_PREFIX"):
        kafka.end_offsets("other.orders")


def test_aws_iceberg_is_the_glue_catalog_with_an_s3_warehouse(aws_environ, no_network) -> None:
    iceberg = build_resources(aws_environ)["iceberg"]

    assert iceberg.properties["type"] == "glue"
    assert iceberg.properties["glue.region"] == REGION
    assert iceberg.properties["warehouse"] == WAREHOUSE
    # An explicit region: PyIceberg would otherwise ask S3 for the bucket's region.
    assert iceberg.properties["s3.region"] == REGION
    assert "s3.endpoint" not in iceberg.properties
    catalog = iceberg.load()  # makes the boto3 Glue client; calls nothing
    assert type(catalog).__name__ == "GlueCatalog"
    assert no_network == []


def test_aws_spark_uses_glue_and_s3fileio_in_the_catalog_emr_names_glue(aws_environ, no_network) -> None:
    conf = build_resources(aws_environ)["spark"].spark_config
    prefix = f"spark.sql.catalog.{GLUE_CATALOG_NAME}"

    assert conf[prefix] == "org.apache.iceberg.spark.SparkCatalog"
    assert conf[f"{prefix}.catalog-impl"] == "org.apache.iceberg.aws.glue.GlueCatalog"
    assert conf[f"{prefix}.io-impl"] == S3_FILE_IO
    assert conf[f"{prefix}.warehouse"] == WAREHOUSE
    assert conf[f"{prefix}.client.region"] == REGION
    assert conf["spark.sql.defaultCatalog"] == GLUE_CATALOG_NAME
    assert not any(key.startswith(f"spark.sql.catalog.{lakehouse.CATALOG_NAME}") for key in conf)
    cache = aws_environ["SHOP_CACHE_DIR"]
    assert conf["spark.jars"] == f"{cache}/jars/spark/*.jar,{cache}/jars/spark-aws/*.jar"


def test_aws_spark_job_run_request_targets_the_emr_serverless_application(aws_environ, no_network) -> None:
    spark = build_resources(aws_environ)["spark"]
    cache = Path(aws_environ["SHOP_CACHE_DIR"]) / "jars"
    for group, names in {
        "spark": ["spark-sql-kafka-0-10_2.12-3.5.7.jar", "iceberg-spark-runtime-3.5_2.12-1.10.1.jar", "sqlite-jdbc-3.50.3.0.jar"],
        "spark-aws": ["aws-msk-iam-auth-2.3.5.jar", "iceberg-aws-bundle-1.10.1.jar"],
    }.items():
        (cache / group).mkdir(parents=True)
        for name in names:
            (cache / group / name).write_bytes(b"")

    request = spark.job_run_request("bronze-orders", f"s3://{ARTIFACTS}/emr/code/bronze.py", ["--topic", "shop.orders"])

    assert request["applicationId"] == AWS_ENVIRON["SHOP_EMR_APPLICATION_ID"]
    assert request["executionRoleArn"] == AWS_ENVIRON["SHOP_EMR_JOB_ROLE_ARN"]
    submit = request["jobDriver"]["sparkSubmit"]
    assert submit["entryPointArguments"] == ["--topic", "shop.orders"]
    confs = dict(part.split("=", 1) for part in submit["sparkSubmitParameters"].split("--conf ")[1:])
    confs = {key.strip(): value.strip() for key, value in confs.items()}
    # EMR ships Iceberg and the AWS SDK; the job brings the Kafka source and MSK IAM auth.
    assert confs["spark.jars"].split(",") == [
        EMR_ICEBERG_RUNTIME,
        f"s3://{ARTIFACTS}/emr/jars/spark-sql-kafka-0-10_2.12-3.5.7.jar",
        f"s3://{ARTIFACTS}/emr/jars/aws-msk-iam-auth-2.3.5.jar",
    ]
    assert confs["spark.sql.defaultCatalog"] == GLUE_CATALOG_NAME
    assert confs[f"spark.sql.catalog.{GLUE_CATALOG_NAME}.warehouse"] == WAREHOUSE
    log_uri = request["configurationOverrides"]["monitoringConfiguration"]["s3MonitoringConfiguration"]["logUri"]
    assert log_uri == f"s3://{ARTIFACTS}/emr/logs/"
    assert spark.pipes_client() is not None  # boto3 clients only
    assert no_network == []


def test_aws_ingest_checkpoints_on_s3_into_the_bronze_glue_database(aws_environ) -> None:
    ingest = build_resources(aws_environ)["ingest"]

    assert ingest.bronze_namespace == "shop_dev_bronze"
    assert ingest.checkpoint_for("orders") == "s3://shop-dev-warehouse-123456789012/checkpoints/orders"


def test_aws_environment_names_every_missing_setting(aws_environ) -> None:
    environ = {k: v for k, v in aws_environ.items() if k not in {"SHOP_WAREHOUSE", "SHOP_EMR_APPLICATION_ID"}}
    with pytest.raises(ValueError, match="SHOP_WAREHOUSE, SHOP_EMR_APPLICATION_ID") as error:
        build_resources(environ)
    assert "code_location_settings" in str(error.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [("SHOP_WAREHOUSE", "/data/warehouse"), ("SHOP_CHECKPOINT_ROOT", "checkpoints"), ("SHOP_ARTIFACTS_BUCKET", "s3://b")],
)
def test_aws_environment_rejects_malformed_locations(aws_environ, name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        build_resources({**aws_environ, name: value})


def test_unknown_environment_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"SHOP_ENV='gcp'.*\['aws', 'local'\]"):
        build_resources({"SHOP_ENV": "gcp"})


def test_dbt_target_follows_the_environment(aws_environ) -> None:
    assert dbt_target({}) == "local"
    assert dbt_target(aws_environ) == "aws"


# --- local and its overrides ---------------------------------------------------------------


def _local_environ(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"SHOP_ENV": "local", "SHOP_STATE_DIR": str(tmp_path / "state"), **extra}


def test_local_environment_without_overrides_is_the_embedded_platform(tmp_path: Path) -> None:
    environ = _local_environ(tmp_path)
    settings = PlatformSettings.from_env(environ)
    resources = build_resources(environ)

    assert set(resources) == RESOURCE_KEYS
    # Alerts and quality are the same in every environment: build_resources adds them.
    shared = {"alerts", "quality"}
    assert {k: v.model_dump() for k, v in resources.items() if k not in shared} == {
        k: v.model_dump() for k, v in local_resources(settings).items()
    }
    assert resources["alerts"].incidents_path.startswith(str(settings.state_dir))
    assert type(resources["spark"]) is LakehouseSparkResource
    assert resources["kafka"].bootstrap_servers == settings.kafka_bootstrap
    assert resources["iceberg"].properties["warehouse"] == settings.warehouse_dir.as_uri()


def test_local_overrides_point_kafka_and_registry_elsewhere(tmp_path: Path) -> None:
    resources = build_resources(
        _local_environ(
            tmp_path,
            SHOP_KAFKA_BOOTSTRAP="kafka:19092",
            SHOP_SCHEMA_REGISTRY_URL="http://schema-registry:8081",
            SHOP_CHECKPOINT_ROOT="/var/lib/shop/checkpoints",
        )
    )

    assert isinstance(resources["kafka"], KafkaResource)
    assert resources["kafka"].bootstrap_servers == "kafka:19092"
    assert resources["kafka"].client_config == {}
    assert resources["schema_registry"].url == "http://schema-registry:8081"
    assert resources["ingest"].checkpoint_root == "/var/lib/shop/checkpoints"


def test_local_warehouse_override_in_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    resources = build_resources(_local_environ(tmp_path, SHOP_WAREHOUSE=str(folder)))

    assert resources["iceberg"].properties["warehouse"] == folder.as_uri()
    assert resources["spark"].spark_config[f"spark.sql.catalog.{lakehouse.CATALOG_NAME}.warehouse"] == folder.as_uri()
    assert type(resources["spark"]) is LakehouseSparkResource


def test_local_warehouse_on_an_s3_compatible_store(tmp_path: Path) -> None:
    """The compose stack: the local JDBC catalog, its warehouse in MinIO."""
    resources = build_resources(
        _local_environ(
            tmp_path,
            SHOP_WAREHOUSE="s3://shop-warehouse/warehouse",
            SHOP_S3_ENDPOINT="http://minio:9000",
            AWS_REGION="us-east-1",
        )
    )
    settings = PlatformSettings.from_env(_local_environ(tmp_path))
    props = resources["iceberg"].properties
    conf = resources["spark"].spark_config
    catalog = f"spark.sql.catalog.{lakehouse.CATALOG_NAME}"

    assert props["type"] == "sql"
    assert props["uri"] == f"sqlite:///{settings.catalog_db}"
    assert props["warehouse"] == "s3://shop-warehouse/warehouse"
    assert props["s3.endpoint"] == "http://minio:9000"
    assert props["s3.region"] == "us-east-1"
    assert props["s3.force-virtual-addressing"] == "false"
    assert conf[f"{catalog}.catalog-impl"] == "org.apache.iceberg.jdbc.JdbcCatalog"
    assert conf[f"{catalog}.warehouse"] == "s3://shop-warehouse/warehouse"
    assert conf[f"{catalog}.io-impl"] == S3_FILE_IO
    assert conf[f"{catalog}.s3.endpoint"] == "http://minio:9000"
    assert conf[f"{catalog}.s3.path-style-access"] == "true"
    assert "spark-aws/*.jar" in conf["spark.jars"]
    assert isinstance(resources["spark"], AwsJarsSparkResource)
    # Credentials stay with the SDKs' default chain (AWS_ACCESS_KEY_ID in compose).
    assert not any("secret" in key for key in {**props, **conf})
    # Checkpoints stay in the state folder.
    assert resources["ingest"].checkpoint_root == str(settings.checkpoints_dir)
