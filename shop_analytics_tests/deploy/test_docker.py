"""deploy/docker: the Dockerfile under hadolint, the compose stack, dagster.yaml and workspace.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .conftest import DOCKER_DIR, edit, run_validate

pytestmark = [pytest.mark.deploy, pytest.mark.usefixtures("deploy_tools")]


def test_dockerfile_passes_hadolint() -> None:
    result = run_validate("hadolint")

    check = result.check("hadolint")
    assert check["status"] == "passed", check["findings"]
    assert check["summary"]["hadolint_findings"] == 0
    assert check["summary"]["hadolint_version"].startswith("Haskell Dockerfile Linter 2.")


def test_dockerfile_is_multi_stage_non_root_and_resolves_jars_at_build(tmp_path: Path) -> None:
    text = (DOCKER_DIR / "Dockerfile").read_text()
    stages = [line for line in text.splitlines() if line.startswith("FROM ")]
    assert len(stages) == 2 and all(":latest" not in s and ":" in s for s in stages)
    builder, runtime = text.split(stages[1])
    assert "shop-analytics platform jars" in builder
    assert "USER 10001:10001" in runtime and "maven" not in runtime


def test_image_carries_the_spark_aws_jars_for_s3_glue_and_msk() -> None:
    """S3FileIO (compose's MinIO warehouse), the Glue catalog and MSK IAM need the spark-aws group."""
    text = (DOCKER_DIR / "Dockerfile").read_text()
    stages = [line for line in text.splitlines() if line.startswith("FROM ")]
    builder, runtime = text.split(stages[1])
    assert "jars.resolve(PlatformSettings.from_env(), jars.SPARK_AWS)" in builder
    assert "COPY --from=builder /opt/shop-analytics/cache/jars/spark-aws /opt/shop-analytics/cache/jars/spark-aws" in runtime


def test_bad_instructions_are_flagged_by_hadolint(docker_copy: Path) -> None:
    dockerfile = docker_copy / "Dockerfile"
    dockerfile.write_text(
        "FROM python:latest\n"
        "RUN apt-get update && apt-get install curl\n"
        "RUN cd /tmp && pip install requests\n"
        "USER root\n"
    )

    result = run_validate("hadolint", "--dockerfile", dockerfile)

    assert result.returncode == 1
    codes = set(result.codes("hadolint"))
    assert {"DL3007", "DL3008", "DL3003", "DL3013", "DL3042", "DL3002"} <= codes
    assert {"single-stage", "runs-as-root"} <= codes


def test_hadolint_ignore_needs_a_written_reason(docker_copy: Path) -> None:
    dockerfile = docker_copy / "Dockerfile"
    edit(dockerfile, "# Reason for DL3008: Debian's security updates", "# Debian's security updates")

    result = run_validate("hadolint", "--dockerfile", dockerfile)

    [finding] = result.findings("hadolint", "ignore-without-reason")
    assert "DL3008" in finding["message"]


def test_compose_stack_is_consistent() -> None:
    result = run_validate("compose")

    check = result.check("compose")
    assert check["status"] == "passed", check["findings"]
    assert check["summary"]["published_ports"]["kafka"] == [9092]
    assert check["summary"]["published_ports"]["schema-registry"] == [8081]
    assert check["summary"]["published_ports"]["webserver"] == [3000]
    assert {"kafka", "schema-registry", "postgres", "minio", "code-location", "webserver", "daemon"} <= set(
        check["summary"]["services"]
    )


def test_port_published_on_all_interfaces_fails(docker_copy: Path) -> None:
    edit(docker_copy / "compose.yaml", '"127.0.0.1:3000:3000"', '"3000:3000"')

    result = run_validate("compose", "--compose", docker_copy / "compose.yaml")

    [finding] = result.findings("compose", "port-not-loopback")
    assert "'webserver'" in finding["message"]


def test_service_without_healthcheck_fails(docker_copy: Path) -> None:
    compose = docker_copy / "compose.yaml"
    document = yaml.safe_load(compose.read_text())
    del document["services"]["schema-registry"]["healthcheck"]
    compose.write_text(yaml.safe_dump(document))

    result = run_validate("compose", "--compose", compose)

    codes = result.codes("compose")
    assert "missing-healthcheck" in codes
    # code-location waited for it to be healthy: that no longer means anything either.
    assert all("schema-registry" in f["message"] for f in result.findings("compose", "missing-healthcheck"))


def test_setting_pointing_at_the_wrong_listener_fails(docker_copy: Path) -> None:
    edit(docker_copy / "compose.yaml", "SHOP_KAFKA_BOOTSTRAP: kafka:19092", "SHOP_KAFKA_BOOTSTRAP: kafka:29092")

    result = run_validate("compose", "--compose", docker_copy / "compose.yaml")

    [finding] = result.findings("compose", "bad-setting-value")
    assert "kafka:29092" in finding["message"]


def test_unknown_setting_and_literal_slack_token_fail(docker_copy: Path) -> None:
    compose = docker_copy / "compose.yaml"
    edit(compose, "SHOP_WAREHOUSE: s3://", "SHOP_WAREHOUSE_PATH: s3://")
    edit(compose, "SLACK_BOT_TOKEN: ${SLACK_BOT_TOKEN:-}", "SLACK_BOT_TOKEN: xoxb-1234")

    result = run_validate("compose", "--compose", compose)

    assert {"unknown-setting", "secret-literal"} <= set(result.codes("compose"))


def test_workspace_must_point_at_the_code_location_port(docker_copy: Path) -> None:
    edit(docker_copy / "workspace.yaml", "port: 4000", "port: 4266")

    result = run_validate("compose", "--compose", docker_copy / "compose.yaml")

    [finding] = result.findings("compose", "workspace-port-mismatch")
    assert "code-location:4266" in finding["message"]


def test_dagster_yaml_variable_missing_from_a_dagster_service_fails(docker_copy: Path) -> None:
    edit(
        docker_copy / "dagster.yaml",
        "local_dir: /tmp/dagster-compute-logs",
        "local_dir:\n      env: DAGSTER_COMPUTE_LOG_DIR",
    )

    result = run_validate("compose", "--compose", docker_copy / "compose.yaml")

    missing = result.findings("compose", "dagster-env-missing")
    assert {f["message"].split("'")[1] for f in missing} == {"code-location", "webserver", "daemon"}


# --- Dagster's own schemas (the project's venv has dagster) ------------------------------

INSTANCE_ENV = {
    "DAGSTER_PG_HOST": "postgres",
    "DAGSTER_PG_PORT": "5432",
    "DAGSTER_PG_DB": "dagster",
    "DAGSTER_PG_USER": "dagster",
    "DAGSTER_PG_PASSWORD": "secret",
    "DAGSTER_COMPUTE_LOG_BUCKET": "shop-artifacts",
    "DAGSTER_COMPUTE_LOG_PREFIX": "dagster/compute-logs",
}


def test_dagster_yaml_is_a_valid_postgres_instance_config(monkeypatch: pytest.MonkeyPatch) -> None:
    from dagster._config import process_config
    from dagster._core.instance.config import dagster_instance_config_schema

    for key, value in INSTANCE_ENV.items():
        monkeypatch.setenv(key, value)
    config = yaml.safe_load((DOCKER_DIR / "dagster.yaml").read_text())

    result = process_config(dagster_instance_config_schema(), config)

    assert result.success, result.errors
    postgres = result.value["storage"]["postgres"]["postgres_db"]
    assert (postgres["hostname"], postgres["port"], postgres["password"]) == ("postgres", 5432, "secret")
    assert result.value["compute_logs"]["class"] == "S3ComputeLogManager"
    assert result.value["run_queue"]["max_concurrent_runs"] >= 1


def test_dagster_yaml_without_its_environment_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    from dagster._config import process_config
    from dagster._core.instance.config import dagster_instance_config_schema

    for key in INSTANCE_ENV:
        monkeypatch.delenv(key, raising=False)
    config = yaml.safe_load((DOCKER_DIR / "dagster.yaml").read_text())

    result = process_config(dagster_instance_config_schema(), config)

    assert not result.success
    assert any("DAGSTER_PG_HOST" in str(error.message) for error in result.errors)


def test_compute_log_config_matches_dagster_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    compute_log_manager = pytest.importorskip(
        "dagster_aws.s3.compute_log_manager", reason="dagster-aws (the aws extra) is not installed"
    )
    from dagster._config import process_config

    for key, value in INSTANCE_ENV.items():
        monkeypatch.setenv(key, value)
    config = yaml.safe_load((DOCKER_DIR / "dagster.yaml").read_text())["compute_logs"]["config"]

    result = process_config(compute_log_manager.S3ComputeLogManager.config_type(), config)

    assert result.success, result.errors
    assert result.value["bucket"] == "shop-artifacts"


def test_workspace_yaml_is_valid_for_dagster() -> None:
    from dagster._core.workspace.config_schema import process_workspace_config

    result = process_workspace_config(yaml.safe_load((DOCKER_DIR / "workspace.yaml").read_text()))

    assert result.success, result.errors
    [entry] = result.value["load_from"]
    assert entry["grpc_server"] == {"host": "code-location", "port": 4000, "location_name": "shop_analytics"}
