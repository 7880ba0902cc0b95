"""deploy/terraform: python-hcl2 consistency checks and the checkov policy."""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from shop_analytics.platform.settings import ENV_PREFIX, PlatformSettings

from .conftest import DEPLOY_DIR, TERRAFORM_DIR, edit, run_validate

pytestmark = [pytest.mark.deploy, pytest.mark.usefixtures("deploy_tools")]

MODULES = {
    "vpc",
    "kms",
    "s3_warehouse",
    "glue_catalog",
    "msk_serverless",
    "emr_serverless",
    "ecs_dagster",
    "rds_postgres",
    "secrets",
    "iam",
    "monitoring",
}


def test_terraform_tree_is_consistent() -> None:
    result = run_validate("terraform")

    check = result.check("terraform")
    assert check["status"] == "passed", check["findings"]
    assert result.returncode == 0
    assert set(check["summary"]["modules"]) == MODULES
    assert check["summary"]["environments"] == ["dev", "prod"]
    assert check["summary"]["files"] == len(list(TERRAFORM_DIR.rglob("*.tf")))
    assert check["summary"]["references_checked"] > 500
    assert check["summary"]["module_calls_checked"] == 2 * len(MODULES)


def test_environments_feed_the_code_location_settings() -> None:
    result = run_validate("terraform")

    used = set(result.check("terraform")["summary"]["settings_used"])
    assert {"SHOP_ENV", "SHOP_KAFKA_BOOTSTRAP", "SHOP_SCHEMA_REGISTRY_URL", "SHOP_WAREHOUSE"} <= used
    for env in ("dev", "prod"):
        main = (TERRAFORM_DIR / "envs" / env / "main.tf").read_text()
        outputs = (TERRAFORM_DIR / "envs" / env / "outputs.tf").read_text()
        assert 'SHOP_ENV                   = "aws"' in main
        assert "code_location_environment = local.code_location_settings" in main
        assert "value       = local.code_location_settings" in outputs


def test_undeclared_variable_in_a_module_fails(terraform_copy: Path) -> None:
    edit(
        terraform_copy / "modules" / "s3_warehouse" / "main.tf",
        "kms_master_key_id = var.kms_key_arn",
        "kms_master_key_id = var.warehouse_kms_key",
    )

    result = run_validate("terraform", "--terraform-dir", terraform_copy)

    assert result.returncode == 1
    assert result.check("terraform")["status"] == "failed"
    [finding] = result.findings("terraform", "undeclared-variable")
    assert "var.warehouse_kms_key" in finding["message"]
    assert finding["path"] == "modules/s3_warehouse/main.tf"


def test_module_input_the_module_does_not_declare_fails(terraform_copy: Path) -> None:
    edit(
        terraform_copy / "envs" / "prod" / "main.tf",
        '  database_prefix           = "shop_${var.environment}"\n',
        '  database_prefix           = "shop_${var.environment}"\n  database_suffix = "x"\n',
    )

    result = run_validate("terraform", "--terraform-dir", terraform_copy)

    [finding] = result.findings("terraform", "unknown-module-input")
    assert "'glue_catalog' passes 'database_suffix'" in finding["message"]
    assert finding["path"] == "envs/prod/main.tf"


def test_missing_required_module_input_fails(terraform_copy: Path) -> None:
    edit(terraform_copy / "envs" / "dev" / "main.tf", "  certificate_arn           = var.certificate_arn\n", "")

    result = run_validate("terraform", "--terraform-dir", terraform_copy)

    [finding] = result.findings("terraform", "missing-module-input")
    assert "required variable 'certificate_arn'" in finding["message"]
    assert "modules/ecs_dagster" in finding["message"]


def test_reference_to_a_missing_module_output_fails(terraform_copy: Path) -> None:
    edit(
        terraform_copy / "envs" / "dev" / "main.tf",
        "rds_instance_id              = module.rds_postgres.instance_id",
        "rds_instance_id              = module.rds_postgres.instance_identifier",
    )

    result = run_validate("terraform", "--terraform-dir", terraform_copy)

    [finding] = result.findings("terraform", "unknown-module-output")
    assert "module.rds_postgres.instance_identifier" in finding["message"]


def test_reference_to_an_undeclared_resource_fails(terraform_copy: Path) -> None:
    edit(
        terraform_copy / "modules" / "ecs_dagster" / "outputs.tf",
        "aws_ecs_cluster.this.name",
        "aws_ecs_cluster.main.name",
    )

    result = run_validate("terraform", "--terraform-dir", terraform_copy)

    [finding] = result.findings("terraform", "undeclared-resource")
    assert "aws_ecs_cluster.main" in finding["message"]


def test_unparseable_file_is_reported(terraform_copy: Path) -> None:
    (terraform_copy / "modules" / "kms" / "broken.tf").write_text('resource "aws_kms_key" "x" {\n  description = \n')

    result = run_validate("terraform", "--terraform-dir", terraform_copy)

    [finding] = result.findings("terraform", "parse-error")
    assert finding["path"] == "modules/kms/broken.tf"


def test_setting_name_the_code_location_does_not_know_fails(terraform_copy: Path) -> None:
    edit(terraform_copy / "envs" / "dev" / "main.tf", "SHOP_KAFKA_BOOTSTRAP ", "SHOP_KAFKA_BROKERS   ")

    result = run_validate("terraform", "--terraform-dir", terraform_copy)

    [finding] = result.findings("terraform", "unknown-setting")
    assert "SHOP_KAFKA_BROKERS" in finding["message"]


def test_environment_that_skips_a_module_fails(terraform_copy: Path) -> None:
    main = terraform_copy / "envs" / "prod" / "main.tf"
    text = main.read_text()
    start = text.index('module "monitoring" {')
    main.write_text(text[:start])

    result = run_validate("terraform", "--terraform-dir", terraform_copy)

    [finding] = result.findings("terraform", "env-missing-module")
    assert finding["path"] == "envs/prod" and "modules/monitoring" in finding["message"]


def test_checkov_passes_with_every_skip_explained() -> None:
    result = run_validate("checkov")

    check = result.check("checkov")
    summary = check["summary"]
    assert check["status"] == "passed", check["findings"]
    assert summary["failed"] == 0
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 300
    assert summary["resource_count"] > 100
    assert summary["skip_reasons"], "expected the documented skips to be reported"
    for skip in summary["skip_reasons"]:
        assert skip["reason"] != "No comment provided" and len(skip["reason"]) >= 10, skip


def _single_module_tree(tmp_path: Path, module: str) -> Path:
    root = tmp_path / "tf"
    shutil.copytree(TERRAFORM_DIR / "modules" / module, root / "modules" / module)
    return root


def test_checkov_fails_on_a_real_misconfiguration(tmp_path: Path) -> None:
    root = _single_module_tree(tmp_path, "rds_postgres")
    edit(root / "modules" / "rds_postgres" / "main.tf", "storage_encrypted     = true", "storage_encrypted     = false")

    result = run_validate("checkov", "--terraform-dir", root)

    assert result.returncode == 1
    failed = result.findings("checkov", "failed-check")
    assert any("CKV_AWS_16" in f["message"] for f in failed), failed  # RDS storage not encrypted


def test_checkov_skip_without_a_reason_fails(tmp_path: Path) -> None:
    root = _single_module_tree(tmp_path, "secrets")
    main = root / "modules" / "secrets" / "main.tf"
    text = main.read_text()
    start = text.index("#checkov:skip=CKV2_AWS_57:")
    main.write_text(text[:start] + "#checkov:skip=CKV2_AWS_57\n" + text[text.index("\n", start) + 1 :])

    result = run_validate("checkov", "--terraform-dir", root)

    assert result.returncode == 1
    [finding] = result.findings("checkov", "skip-without-reason")
    assert "CKV2_AWS_57" in finding["message"]


@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary on PATH")
def test_terraform_files_are_formatted() -> None:
    result = run_validate("fmt")

    assert result.check("fmt")["status"] == "passed", result.check("fmt")["findings"]


def test_known_settings_cover_the_platform_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every SHOP_<FIELD> the embedded platform reads is a setting validate.py accepts."""
    spec = importlib.util.spec_from_file_location("deploy_validate", DEPLOY_DIR / "validate.py")
    assert spec is not None and spec.loader is not None
    validate = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, validate)  # dataclasses look their module up there
    spec.loader.exec_module(validate)

    platform_names = {ENV_PREFIX + f.name.upper() for f in dataclasses.fields(PlatformSettings)}
    assert platform_names <= set(validate.KNOWN_SETTINGS), platform_names - set(validate.KNOWN_SETTINGS)
    readme = (DEPLOY_DIR / "README.md").read_text()
    assert [name for name in validate.KNOWN_SETTINGS if name not in readme] == []
