"""Where the deploy files name the code location's settings, read without their tools."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = REPO_ROOT / "deploy"
TERRAFORM_ENVS = ("dev", "prod")


def known_settings() -> dict[str, str]:
    """deploy/validate.py's KNOWN_SETTINGS, read from its source (a literal dict)."""
    tree = ast.parse((DEPLOY_DIR / "validate.py").read_text())
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id == "KNOWN_SETTINGS" and node.value is not None:
            return ast.literal_eval(node.value)
    raise AssertionError("deploy/validate.py has no KNOWN_SETTINGS literal")


def terraform_code_location_settings(env: str) -> set[str]:
    """Keys of ``local.code_location_settings`` in deploy/terraform/envs/<env>/main.tf."""
    text = (DEPLOY_DIR / "terraform" / "envs" / env / "main.tf").read_text()
    block = re.search(r"code_location_settings\s*=\s*\{(.*?)\n\s*\}", text, re.S)
    assert block, f"no code_location_settings map in envs/{env}/main.tf"
    return set(re.findall(r"^\s*(SHOP_[A-Z0-9_]+)\s*=", block.group(1), re.M))


def terraform_variable_default(env: str, name: str) -> str:
    text = (DEPLOY_DIR / "terraform" / "envs" / env / "variables.tf").read_text()
    block = re.search(rf'variable\s+"{name}"\s*\{{(.*?)\n\}}', text, re.S)
    assert block, f"no variable {name} in envs/{env}/variables.tf"
    default = re.search(r'default\s*=\s*"([^"]*)"', block.group(1))
    assert default, f"variable {name} has no string default"
    return default.group(1)


def compose_service_environment(service: str) -> dict[str, str]:
    import yaml

    compose = yaml.safe_load((DEPLOY_DIR / "docker" / "compose.yaml").read_text())
    return {str(k): str(v) for k, v in compose["services"][service].get("environment", {}).items()}


def dbt_profile_env_vars(target: str) -> set[str]:
    """Names of ``env_var('…')`` in one output of dbt_models/profiles.yml."""
    import yaml

    profiles = yaml.safe_load((REPO_ROOT / "dbt_models" / "profiles.yml").read_text())
    output = profiles["shop_analytics"]["outputs"][target]
    return set(re.findall(r"env_var\('([A-Z0-9_]+)'", repr(output)))
