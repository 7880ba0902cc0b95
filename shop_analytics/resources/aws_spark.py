"""Spark for a lakehouse on S3 and Glue: the jars it needs, and job runs on EMR Serverless.

Where Spark runs on AWS
-----------------------
The code location (ECS Fargate) is the orchestrator; the Spark work of the AWS environment
is meant for the EMR Serverless application that Terraform creates (Spark 3.5 on emr-7.x,
with an Iceberg catalog ``glue`` on the Glue Data Catalog in its ``spark-defaults``).
:class:`EmrServerlessSparkResource` is the ``spark`` resource there and carries both halves:

- ``job_run_request(...)`` builds the ``StartJobRun`` request for a PySpark entry point:
  the application, the job runtime role, ``sparkSubmitParameters`` with the settings below
  and the extra jars (the Kafka source, Avro, MSK IAM auth) uploaded to
  ``s3://<artifacts>/emr/jars/``, and driver logs under ``s3://<artifacts>/emr/logs/``.
  Give it to dagster-aws's ``PipesEMRServerlessClient.run(start_job_run_params=...)`` (see
  ``pipes_client()``) so the run's logs and metadata come back to Dagster. On EMR the
  job's SparkSession comes from the application: ``spark.master`` is EMR's, the Glue
  catalog is its default catalog, S3 and Glue use the job role's credentials, and
  checkpoints under ``SHOP_CHECKPOINT_ROOT`` go through EMRFS (``s3://``).
- ``spark_session`` (inherited, lazy) is a local-mode driver inside the code location
  with the same Glue catalog and S3FileIO, for light work that needs no cluster (reading a
  small table, table maintenance calls). Structured Streaming checkpoints on ``s3://`` need
  EMRFS and are not available there: streaming ingest belongs on EMR Serverless.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from pydantic import Field

from shop_analytics.platform import jars
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.aws_lakehouse import GLUE_CATALOG_NAME
from shop_analytics.resources.spark import LakehouseSparkResource

# Jars EMR Serverless (emr-7.x) ships itself: Iceberg's Spark runtime, and the AWS SDK v2
# bundle on its default classpath that Iceberg's AWS module uses. The SQLite driver is
# for the local JDBC catalog only.
EMR_PROVIDED_JAR_PREFIXES = ("iceberg-spark-runtime", "iceberg-aws-bundle", "sqlite-jdbc")
EMR_ICEBERG_RUNTIME = "/usr/share/aws/iceberg/lib/iceberg-spark3-runtime.jar"


class AwsJarsSparkResource(LakehouseSparkResource):
    """A lakehouse SparkSession that also needs the ``spark-aws`` jar group.

    The group (Iceberg's AWS bundle, MSK IAM auth) is not part of ``platform jars``; it is
    resolved here with mvn on first use, once, into the same cache (the image resolves it
    at build time, so nothing is fetched at run time there).
    """

    jar_cache_dir: str = Field(description="SHOP_CACHE_DIR: where the jar groups are resolved")

    def _init_session(self) -> None:
        if self._spark_session is None:
            settings = PlatformSettings.from_env({}, cache_dir=self.jar_cache_dir)
            for group in (jars.SPARK, jars.SPARK_AWS):
                jars.resolve(settings, group)
        super()._init_session()


class EmrServerlessSparkResource(AwsJarsSparkResource):
    """The AWS environment's Spark: job runs on EMR Serverless, plus a local driver."""

    region: str
    application_id: str = Field(description="SHOP_EMR_APPLICATION_ID")
    job_role_arn: str = Field(description="SHOP_EMR_JOB_ROLE_ARN: runtime role of each job run")
    artifacts_bucket: str = Field(description="SHOP_ARTIFACTS_BUCKET: job code, jars and logs")
    warehouse: str = Field(description="SHOP_WAREHOUSE: the Glue catalog's warehouse on S3")
    jars_prefix: str = "emr/jars"
    logs_prefix: str = "emr/logs"
    job_spark_config: dict[str, str] = Field(
        default_factory=dict, description="Extra Spark settings for every job run (beside the application's defaults)"
    )

    def job_jar_files(self) -> list[Path]:
        """Local jars that EMR does not ship and each job run loads from the artifacts bucket."""
        settings = PlatformSettings.from_env({}, cache_dir=self.jar_cache_dir)
        files: list[Path] = []
        for group in (jars.SPARK, jars.SPARK_AWS):
            files.extend(
                path
                for path in sorted(jars.group_dir(settings, group).glob("*.jar"))
                if not path.name.startswith(EMR_PROVIDED_JAR_PREFIXES)
            )
        return files

    def job_jar_uri(self, jar: Path) -> str:
        return f"s3://{self.artifacts_bucket}/{self.jars_prefix.strip('/')}/{jar.name}"

    def upload_job_jars(self) -> list[str]:
        """Copy the job jars to the artifacts bucket (once per release); return their URIs.

        Run where the jars are resolved, e.g. as a one-off task of the code location image.
        An object that is already there with the same size is left alone.
        """
        import boto3

        s3 = boto3.client("s3", region_name=self.region)
        uris = []
        for jar in self.job_jar_files():
            key = f"{self.jars_prefix.strip('/')}/{jar.name}"
            try:
                present = s3.head_object(Bucket=self.artifacts_bucket, Key=key)["ContentLength"] == jar.stat().st_size
            except s3.exceptions.ClientError:
                present = False
            if not present:
                s3.upload_file(str(jar), self.artifacts_bucket, key)
            uris.append(self.job_jar_uri(jar))
        return uris

    def job_conf(self) -> dict[str, str]:
        """Spark settings of a job run; the application's spark-defaults supply the rest."""
        jar_uris = [self.job_jar_uri(jar) for jar in self.job_jar_files()]
        return {
            # A job-level spark.jars replaces the application's, so it keeps EMR's Iceberg runtime.
            "spark.jars": ",".join([EMR_ICEBERG_RUNTIME, *jar_uris]),
            "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
            f"spark.sql.catalog.{GLUE_CATALOG_NAME}.warehouse": self.warehouse,
            "spark.sql.defaultCatalog": GLUE_CATALOG_NAME,
            "spark.sql.session.timeZone": "UTC",
            **self.job_spark_config,
        }

    def job_run_request(
        self,
        name: str,
        entry_point: str,
        arguments: list[str] | tuple[str, ...] = (),
        conf: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The ``StartJobRun`` request (boto3 ``emr-serverless``) for a PySpark entry point on S3."""
        settings = {**self.job_conf(), **(conf or {})}
        submit = " ".join(f"--conf {shlex.quote(f'{key}={value}')}" for key, value in settings.items())
        return {
            "applicationId": self.application_id,
            "executionRoleArn": self.job_role_arn,
            "name": name,
            "jobDriver": {
                "sparkSubmit": {
                    "entryPoint": entry_point,
                    "entryPointArguments": list(arguments),
                    "sparkSubmitParameters": submit,
                }
            },
            "configurationOverrides": {
                "monitoringConfiguration": {
                    "s3MonitoringConfiguration": {
                        "logUri": f"s3://{self.artifacts_bucket}/{self.logs_prefix.strip('/')}/"
                    }
                }
            },
        }

    def pipes_client(self):
        """dagster-aws's Pipes client for EMR Serverless in this region (made on demand).

        Messages and logs come back through CloudWatch Logs, whose log group the client reads
        from the application's monitoring configuration (Terraform's emr_serverless module).
        """
        import boto3
        from dagster_aws.pipes import PipesCloudWatchMessageReader, PipesEMRServerlessClient

        return PipesEMRServerlessClient(
            client=boto3.client("emr-serverless", region_name=self.region),
            message_reader=PipesCloudWatchMessageReader(client=boto3.client("logs", region_name=self.region)),
        )
