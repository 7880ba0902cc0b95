"""The code, the compose stack, Terraform, validate.py and dbt name the same settings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from shop_analytics.platform.settings import ENV_PREFIX, PlatformSettings
from shop_analytics.resources.aws_settings import OPTIONAL, SETTING_NAMES
from shop_analytics.resources.environments import ENV_VAR, LocalOverrides, build_resources
from shop_analytics.schemas.topics import TOPICS
from shop_analytics_tests.aws import settings_sources as sources

LOCAL_OVERRIDE_NAMES = {
    "SHOP_KAFKA_BOOTSTRAP",
    "SHOP_SCHEMA_REGISTRY_URL",
    "SHOP_WAREHOUSE",
    "SHOP_S3_ENDPOINT",
    "SHOP_CHECKPOINT_ROOT",
    "SHOP_AWS_REGION",
}
PLATFORM_NAMES = {ENV_PREFIX + field.upper() for field in PlatformSettings.__dataclass_fields__}


def test_every_setting_the_code_reads_is_known_to_validate() -> None:
    known = set(sources.known_settings())
    assert set(SETTING_NAMES.values()) <= known
    assert LOCAL_OVERRIDE_NAMES <= known
    assert PLATFORM_NAMES <= known
    assert ENV_VAR in known


def test_local_overrides_read_exactly_the_documented_names() -> None:
    environ = {name: f"value-of-{name}" for name in LOCAL_OVERRIDE_NAMES}
    overrides = LocalOverrides.from_env(environ)
    assert {value for value in vars(overrides).values()} == set(environ.values())


@pytest.mark.parametrize("env", sources.TERRAFORM_ENVS)
def test_terraform_code_location_settings_are_what_the_aws_environment_reads(env: str) -> None:
    required = {name for field, name in SETTING_NAMES.items() if field not in OPTIONAL}
    assert sources.terraform_code_location_settings(env) == {ENV_VAR} | required


@pytest.mark.parametrize("env", sources.TERRAFORM_ENVS)
def test_every_topic_is_inside_the_terraform_topic_prefix(env: str) -> None:
    prefix = sources.terraform_variable_default(env, "kafka_topic_prefix")
    assert [spec.name for spec in TOPICS if not spec.name.startswith(prefix)] == []


def test_compose_code_location_settings_are_read_by_the_local_environment(tmp_path) -> None:
    environment = sources.compose_service_environment("code-location")
    shop = {name: value for name, value in environment.items() if name.startswith(ENV_PREFIX)}
    unread = set(shop) - LOCAL_OVERRIDE_NAMES - PLATFORM_NAMES - {ENV_VAR, "SHOP_SLACK_WEBHOOK_URL"}
    assert unread == set()
    assert shop[ENV_VAR] == "local"
    # Substitute compose's ${VAR:-default} forms and build the resources the container gets.
    environ = {name: re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value) for name, value in shop.items()}
    resources = build_resources({**environ, "SHOP_STATE_DIR": str(tmp_path)})
    assert resources["kafka"].bootstrap_servers == environment["SHOP_KAFKA_BOOTSTRAP"]
    assert resources["iceberg"].properties["warehouse"] == environment["SHOP_WAREHOUSE"]
    assert resources["iceberg"].properties["s3.endpoint"] == environment["SHOP_S3_ENDPOINT"]
    assert resources["iceberg"].properties["s3.region"] == environment["AWS_REGION"]


def test_dbt_aws_target_reads_only_known_settings() -> None:
    names = sources.dbt_profile_env_vars("aws")
    assert names, "the aws output reads its locations from the environment"
    assert names <= set(sources.known_settings())


def test_spark_aws_pom_uses_the_iceberg_version_of_the_spark_pom() -> None:
    from importlib import resources

    def iceberg_version(pom: str) -> str:
        text = resources.files("shop_analytics.platform").joinpath("poms", pom).read_text()
        found = re.search(r"<iceberg.version>([^<]+)</iceberg.version>", text)
        assert found, pom
        return found.group(1)

    assert iceberg_version("spark-aws.xml") == iceberg_version("spark.xml")


def test_dbt_aws_target_renders_from_the_aws_settings() -> None:
    """dbt's own profile loader renders the aws output into dbt-glue credentials (no AWS call).

    In a separate process: dbt keeps its flags and invocation context in globals.
    """
    from shop_analytics_tests.aws.test_environments import AWS_ENVIRON

    script = (
        "import json, os\n"
        "from argparse import Namespace\n"
        "from dbt.config.profile import Profile, read_profile\n"
        "from dbt.config.renderer import ProfileRenderer\n"
        "from dbt.flags import set_from_args\n"
        "from dbt_common.context import set_invocation_context\n"
        "set_from_args(Namespace(), None)\n"
        "set_invocation_context(dict(os.environ))\n"
        "profile = Profile.from_raw_profiles(read_profile('dbt_models'), 'shop_analytics', ProfileRenderer({}), target_override='aws')\n"
        "c = profile.credentials\n"
        "print(json.dumps({'type': c.type, 'role_arn': c.role_arn, 'region': c.region, 'schema': c.schema,\n"
        "                  'location': c.location, 'conf': c.conf, 'formats': c.datalake_formats}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=sources.REPO_ROOT,
        env={**os.environ, **AWS_ENVIRON},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    credentials = json.loads(result.stdout.strip().splitlines()[-1])
    assert credentials["type"] == "glue"
    assert credentials["role_arn"] == AWS_ENVIRON["SHOP_GLUE_SESSION_ROLE_ARN"]
    assert credentials["region"] == AWS_ENVIRON["SHOP_AWS_REGION"]
    assert credentials["schema"] == AWS_ENVIRON["SHOP_GLUE_DATABASE_GOLD"]
    assert credentials["location"] == AWS_ENVIRON["SHOP_WAREHOUSE"]
    assert credentials["formats"] == "iceberg"
    assert f"spark.sql.catalog.glue_catalog.warehouse={AWS_ENVIRON['SHOP_WAREHOUSE']}" in credentials["conf"]
    assert "org.apache.iceberg.aws.glue.GlueCatalog" in credentials["conf"]
