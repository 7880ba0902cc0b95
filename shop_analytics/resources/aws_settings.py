"""The settings of the AWS environment (``SHOP_ENV=aws``), read once from ``SHOP_*`` variables.

Terraform's ``code_location_settings`` output is exactly this set (the ECS task of the code
location gets it as its environment), and ``deploy/validate.py``'s ``KNOWN_SETTINGS``
declares every name; a test keeps the three in step. Reading the settings touches no
network: nothing here talks to AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

# Field name → environment variable. Every field is required on AWS except ``s3_endpoint``
# (an S3-compatible store in front of the warehouse, never set on AWS itself).
SETTING_NAMES: Mapping[str, str] = {
    "region": "SHOP_AWS_REGION",
    "kafka_bootstrap": "SHOP_KAFKA_BOOTSTRAP",
    "kafka_topic_prefix": "SHOP_KAFKA_TOPIC_PREFIX",
    "schema_registry_url": "SHOP_SCHEMA_REGISTRY_URL",
    "warehouse": "SHOP_WAREHOUSE",
    "checkpoint_root": "SHOP_CHECKPOINT_ROOT",
    "artifacts_bucket": "SHOP_ARTIFACTS_BUCKET",
    "glue_database_bronze": "SHOP_GLUE_DATABASE_BRONZE",
    "glue_database_silver": "SHOP_GLUE_DATABASE_SILVER",
    "glue_database_gold": "SHOP_GLUE_DATABASE_GOLD",
    "emr_application_id": "SHOP_EMR_APPLICATION_ID",
    "emr_job_role_arn": "SHOP_EMR_JOB_ROLE_ARN",
    "glue_session_role_arn": "SHOP_GLUE_SESSION_ROLE_ARN",
    "s3_endpoint": "SHOP_S3_ENDPOINT",
}
OPTIONAL = frozenset({"s3_endpoint"})


@dataclass(frozen=True)
class AwsSettings:
    """Where the AWS environment's services are (all from Terraform outputs)."""

    region: str
    kafka_bootstrap: str  # MSK Serverless SASL/IAM brokers, port 9098
    kafka_topic_prefix: str  # the IAM grants of the code location cover topics with this prefix
    schema_registry_url: str
    warehouse: str  # s3://bucket/prefix
    checkpoint_root: str  # s3://bucket/prefix, read and written by the EMR Serverless jobs
    artifacts_bucket: str  # EMR job code, jars and logs; Dagster compute logs
    glue_database_bronze: str
    glue_database_silver: str
    glue_database_gold: str
    emr_application_id: str
    emr_job_role_arn: str
    glue_session_role_arn: str
    s3_endpoint: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> AwsSettings:
        """Read every setting; name all the missing or malformed ones in one error."""
        values = {f.name: (environ.get(SETTING_NAMES[f.name]) or "").strip() for f in fields(cls)}
        missing = [SETTING_NAMES[name] for name, value in values.items() if not value and name not in OPTIONAL]
        if missing:
            raise ValueError(
                f"SHOP_ENV=aws needs {', '.join(missing)}: set them from the Terraform output "
                "code_location_settings (deploy/README.md, Settings)"
            )
        for name in ("warehouse", "checkpoint_root"):
            if not values[name].startswith("s3://"):
                raise ValueError(
                    f"{SETTING_NAMES[name]}={values[name]!r} is not an S3 location: "
                    "on AWS it is s3://<bucket>/<prefix> (Terraform output code_location_settings)"
                )
        if values["artifacts_bucket"].startswith("s3://"):
            raise ValueError(
                f"SHOP_ARTIFACTS_BUCKET={values['artifacts_bucket']!r} is a location: give the bucket name only"
            )
        return cls(**{name: (value or None) if name in OPTIONAL else value for name, value in values.items()})

    @property
    def glue_databases(self) -> dict[str, str]:
        """Glue database of each layer (bronze, silver, gold)."""
        return {
            "bronze": self.glue_database_bronze,
            "silver": self.glue_database_silver,
            "gold": self.glue_database_gold,
        }
