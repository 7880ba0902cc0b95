#!/usr/bin/env python3
"""Static validation of deploy/: no Docker engine, Terraform registry or AWS needed.

    python deploy/validate.py                 # every check
    python deploy/validate.py terraform compose --json
    python deploy/validate.py --install-only  # just set up the tool venvs

Checks (each reports passed / failed / skipped and its findings):

  terraform  python-hcl2 parses every .tf file; every var.X, local.X, data.T.N and
             resource reference is declared in its directory; every module call has
             a local source, passes only inputs the module declares and every input
             it requires; every module.M.O names an output that M has; each root under
             envs/ pins the AWS provider, has a backend and calls every module; every
             SHOP_* name is a known setting; ECS sets every variable dagster.yaml reads.
  checkov    checkov on the Terraform tree. Without a Prisma API key checkov reports no
             severities, so the policy is: fail on ANY failed check, unless it is
             skipped inline with `#checkov:skip=CKV_...:<written reason>`; a skip with
             no reason fails too. (If severities are present, failed HIGH/CRITICAL
             checks fail and lower ones are reported.)
  hadolint   hadolint on the Dockerfile, failing on any finding; every
             `# hadolint ignore=` must sit under a comment that starts with "Reason".
  compose    PyYAML parse of the compose file: published ports bound to 127.0.0.1,
             a healthcheck on every long-running service, dependencies that wait for
             health, pinned upstream images, SHOP_* settings known and pointing at the
             right services, Slack credentials only passed through, workspace.yaml
             pointing at the code location, dagster.yaml's variables set everywhere.
  fmt        `terraform fmt -check` when a terraform binary is on PATH (offline);
             skipped otherwise.

The tools live in two venvs under .platform/tools/ (the project's git-ignored state
folder), created on first use from deploy/requirements-validate.txt and
deploy/requirements-checkov.txt and rebuilt when those files change. This script runs
under any Python 3.11; it re-executes itself inside the tools venv.

Exit status: 0 when no check failed, 1 when one did, 2 when the tools could not be set up.
"""

from __future__ import annotations

import argparse
import dataclasses
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DEPLOY_DIR = Path(__file__).resolve().parent
REPO_ROOT = DEPLOY_DIR.parent
TOOLS_DIR = Path(os.environ.get("DEPLOY_TOOLS_DIR", REPO_ROOT / ".platform" / "tools"))
DEPLOY_VENV = TOOLS_DIR / "deploy-venv"
CHECKOV_VENV = TOOLS_DIR / "checkov-venv"
REQUIREMENTS = {
    DEPLOY_VENV: DEPLOY_DIR / "requirements-validate.txt",
    CHECKOV_VENV: DEPLOY_DIR / "requirements-checkov.txt",
}
IN_TOOLS_VENV = "_DEPLOY_VALIDATE_IN_TOOLS_VENV"

DEFAULT_TERRAFORM_DIR = DEPLOY_DIR / "terraform"
DEFAULT_DOCKERFILE = DEPLOY_DIR / "docker" / "Dockerfile"
DEFAULT_COMPOSE = DEPLOY_DIR / "docker" / "compose.yaml"

ALL_CHECKS = ("terraform", "checkov", "hadolint", "compose", "fmt")

# The code location's settings contract. SHOP_ENV chooses the environment; then the
# embedded platform's own fields (shop_analytics.platform.settings.PlatformSettings, read
# as SHOP_<FIELD>; a test keeps this list in step with it); then the endpoints the
# compose stack and AWS point at; then what Terraform feeds the ECS task on AWS
# (envs/*/main.tf, local.code_location_settings). deploy/README.md lists them.
KNOWN_SETTINGS: dict[str, str] = {
    "SHOP_ENV": "local | aws: which resources the code location wires",
    "SHOP_HOST": "host the embedded services listen on (local)",
    "SHOP_KAFKA_PORT": "embedded Kafka broker port (local)",
    "SHOP_KAFKA_CONTROLLER_PORT": "embedded KRaft controller port (local)",
    "SHOP_REGISTRY_PORT": "embedded schema registry port (local)",
    "SHOP_SPARK_CONNECT": "true (default) | false: start the long-lived Spark Connect server that bronze ingest runs use (local)",
    "SHOP_SPARK_CONNECT_PORT": "embedded Spark Connect server port (local)",
    "SHOP_SPARK_CONNECT_MEMORY": "embedded Spark Connect server driver memory (local)",
    "SHOP_SPARK_CONNECT_WARM_UP": "true (default) | false: run one record through the bronze ingest when up starts the Connect server (local)",
    "SHOP_STATE_DIR": "runtime state folder: local catalog, warehouse, checkpoints (local)",
    "SHOP_CACHE_DIR": "jar cache resolved from Maven Central",
    "SHOP_JAVA": "java executable",
    "SHOP_MVN": "mvn executable",
    "SHOP_KAFKA_HEAP": "embedded broker heap (local)",
    "SHOP_REGISTRY_HEAP": "embedded registry heap (local)",
    "SHOP_START_TIMEOUT_S": "how long the embedded services may take to start (local)",
    "SHOP_KAFKA_BOOTSTRAP": "Kafka bootstrap servers (local 127.0.0.1:9092, MSK SASL/IAM on AWS)",
    "SHOP_SCHEMA_REGISTRY_URL": "Confluent-compatible schema registry URL",
    "SHOP_WAREHOUSE": "Iceberg warehouse root (local path or s3://bucket/prefix)",
    "SHOP_SLACK_WEBHOOK_URL": "Slack incoming webhook for alerts (secret, from the environment)",
    "SHOP_SPARK_MASTER": "Spark master of the local environment: local[2] (default) or spark://host:port (local)",
    "SHOP_S3_ENDPOINT": "S3 API endpoint of an S3-compatible store (compose: MinIO); unset on AWS",
    "SHOP_AWS_REGION": "AWS region of the environment",
    "SHOP_KAFKA_TOPIC_PREFIX": "prefix of the platform's topics (IAM grants are scoped to it)",
    "SHOP_CHECKPOINT_ROOT": "root of the Spark Structured Streaming checkpoints",
    "SHOP_ARTIFACTS_BUCKET": "bucket for EMR job code, jars and logs",
    "SHOP_GLUE_DATABASE_BRONZE": "Glue database of the bronze layer",
    "SHOP_GLUE_DATABASE_SILVER": "Glue database of the silver layer",
    "SHOP_GLUE_DATABASE_GOLD": "Glue database of the gold layer",
    "SHOP_EMR_APPLICATION_ID": "EMR Serverless application for Spark jobs",
    "SHOP_EMR_JOB_ROLE_ARN": "runtime role passed to EMR Serverless job runs",
    "SHOP_GLUE_SESSION_ROLE_ARN": "role of dbt-glue's interactive sessions",
}
SHOP_ENV_VALUES = {"local", "aws"}
# Credentials that may only be passed through from the environment, never written down.
SECRET_SETTINGS = {"SHOP_SLACK_WEBHOOK_URL", "SLACK_BOT_TOKEN"}
# Host ports of the local embedded platform that the compose stack must keep.
EXPECTED_HOST_PORTS = {"kafka": 9092, "schema-registry": 8081, "webserver": 3000}
LOOPBACK = "127.0.0.1"

TERRAFORM_META_ARGUMENTS = {"source", "version", "providers", "depends_on", "count", "for_each"}
RESOURCE_PREFIXES = ("aws", "random", "tls", "null", "time", "archive", "local")
MIN_SKIP_REASON_LENGTH = 10
CHECKOV_PLACEHOLDER_REASON = "No comment provided"


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclasses.dataclass
class Finding:
    code: str
    message: str
    path: str = ""
    line: int | None = None
    severity: str = "error"  # "error" fails the check, "warning" is reported only

    def render(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"  [{self.severity}] {self.code}: {where + ': ' if where else ''}{self.message}"


@dataclasses.dataclass
class CheckResult:
    name: str
    status: str = "passed"  # passed | failed | skipped
    findings: list[Finding] = dataclasses.field(default_factory=list)
    summary: dict[str, Any] = dataclasses.field(default_factory=dict)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def finish(self) -> CheckResult:
        if self.status != "skipped" and any(f.severity == "error" for f in self.findings):
            self.status = "failed"
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "summary": self.summary,
            "findings": [dataclasses.asdict(f) for f in self.findings],
        }


class ToolSetupError(RuntimeError):
    """A tool venv could not be created or installed."""


# --------------------------------------------------------------------------------------
# Tool venvs
# --------------------------------------------------------------------------------------


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _requirements_digest(requirements: Path) -> str:
    return hashlib.sha256(requirements.read_bytes()).hexdigest()


def ensure_venv(venv: Path, requirements: Path) -> Path:
    """Create `venv` and install `requirements` into it unless it is already current."""
    stamp = venv / ".requirements.sha256"
    digest = _requirements_digest(requirements)

    def current() -> bool:
        return _venv_python(venv).exists() and stamp.exists() and stamp.read_text().strip() == digest

    if current():
        return venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    # One installer at a time (parallel test workers); the others wait, then find it done.
    with (venv.parent / f".{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not current():
            _install_venv(venv, requirements, stamp, digest)
    return venv


def _install_venv(venv: Path, requirements: Path, stamp: Path, digest: str) -> None:
    print(f"validate: installing {requirements.name} into {venv} (once)", file=sys.stderr)
    base_python = getattr(sys, "_base_executable", None) or sys.executable
    steps = [
        [base_python, "-m", "venv", "--clear", str(venv)],
        [
            str(_venv_python(venv)),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
            str(requirements),
        ],
    ]
    for step in steps:
        proc = subprocess.run(step, capture_output=True, text=True, timeout=1200)
        if proc.returncode != 0:
            raise ToolSetupError(
                f"`{' '.join(step)}` failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n"
                f"Check network access to PyPI, or delete {venv} and retry."
            )
    stamp.write_text(digest + "\n")


def ensure_tools() -> None:
    for venv, requirements in REQUIREMENTS.items():
        ensure_venv(venv, requirements)


def reexec_in_tools_venv() -> None:
    """Run this script again with the deploy venv's Python, which has hcl2 and yaml."""
    if os.environ.get(IN_TOOLS_VENV) == "1":
        return
    ensure_venv(DEPLOY_VENV, REQUIREMENTS[DEPLOY_VENV])
    python = str(_venv_python(DEPLOY_VENV))
    env = dict(os.environ, **{IN_TOOLS_VENV: "1"})
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(python, [python, str(Path(__file__).resolve()), *sys.argv[1:]], env)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------
# Terraform: python-hcl2 consistency checks
# --------------------------------------------------------------------------------------

_REF_PATTERNS = {
    "var": re.compile(r"(?<![\w.])var\.([A-Za-z_][\w-]*)"),
    "local": re.compile(r"(?<![\w.])local\.([A-Za-z_][\w-]*)"),
    "module": re.compile(r"(?<![\w.])module\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?(?:\.([A-Za-z_][\w-]*))?"),
    "data": re.compile(r"(?<![\w.])data\.([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)"),
    "resource": re.compile(r"(?<![\w.\"'/:-])((?:" + "|".join(RESOURCE_PREFIXES) + r")_[a-z0-9_]+)\.([A-Za-z_][\w-]*)"),
}
_SETTING_NAME = re.compile(r"\bSHOP_[A-Z0-9_]+\b")


def _unquote(label: str) -> str:
    if len(label) >= 2 and label[0] == label[-1] == '"':
        return label[1:-1]
    return label


def _interpolations(text: str) -> Iterator[str]:
    """The expression parts of a python-hcl2 value string."""
    if text.startswith("${") and text.endswith("}"):
        yield text[2:-1]
        return
    start = text.find("${")
    while start != -1:
        depth, pos = 0, start + 1
        while pos < len(text):
            if text[pos] == "{":
                depth += 1
            elif text[pos] == "}":
                depth -= 1
                if depth == 0:
                    break
            pos += 1
        yield text[start + 2 : pos]
        start = text.find("${", pos + 1)


def _walk_strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.startswith("__") and key.endswith("__"):
                continue
            yield from _walk_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_strings(item)


def _references(node: Any) -> Iterator[tuple[str, tuple[str, ...]]]:
    for text in _walk_strings(node):
        for expr in _interpolations(text):
            for kind, pattern in _REF_PATTERNS.items():
                for match in pattern.finditer(expr):
                    yield kind, tuple(g for g in match.groups() if g is not None)


def _blocks(data: dict[str, Any], kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (label, body) for one-label blocks such as variable, output, module."""
    for entry in data.get(kind, []) or []:
        for label, body in entry.items():
            yield _unquote(label), body


def _two_label_blocks(data: dict[str, Any], kind: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for entry in data.get(kind, []) or []:
        for type_label, named in entry.items():
            for name, body in named.items():
                yield _unquote(type_label), _unquote(name), body


@dataclasses.dataclass
class TfDirectory:
    path: Path
    files: dict[Path, dict[str, Any]] = dataclasses.field(default_factory=dict)
    variables: dict[str, bool] = dataclasses.field(default_factory=dict)  # name -> required
    locals: set[str] = dataclasses.field(default_factory=set)
    outputs: set[str] = dataclasses.field(default_factory=set)
    modules: dict[str, tuple[Path, dict[str, Any]]] = dataclasses.field(default_factory=dict)
    resources: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    data_sources: set[tuple[str, str]] = dataclasses.field(default_factory=set)


def _load_tf_directory(directory: Path, root: Path, result: CheckResult) -> TfDirectory:
    import hcl2  # only in the tools venv

    tf = TfDirectory(directory)
    for path in sorted(directory.glob("*.tf")):
        rel = _relative(path, root)
        try:
            with path.open() as handle:
                data = hcl2.load(handle)
        except Exception as exc:  # python-hcl2 raises lark errors of several kinds
            result.add(Finding("parse-error", f"{type(exc).__name__}: {exc}".splitlines()[0], rel))
            continue
        tf.files[path] = data
        for name, body in _blocks(data, "variable"):
            if name in tf.variables:
                result.add(Finding("duplicate-variable", f"variable {name!r} declared twice", rel))
            tf.variables[name] = "default" not in body
        for entry in data.get("locals", []) or []:
            tf.locals.update(k for k in entry if not k.startswith("__"))
        for name, _body in _blocks(data, "output"):
            if name in tf.outputs:
                result.add(Finding("duplicate-output", f"output {name!r} declared twice", rel))
            tf.outputs.add(name)
        for name, body in _blocks(data, "module"):
            tf.modules[name] = (path, body)
        for type_, name, _body in _two_label_blocks(data, "resource"):
            tf.resources.add((type_, name))
        for type_, name, _body in _two_label_blocks(data, "data"):
            tf.data_sources.add((type_, name))
    return tf


def _find_tf_directories(root: Path) -> list[Path]:
    return sorted({p.parent for p in root.rglob("*.tf") if ".terraform" not in p.parts})


def _check_references(tf: TfDirectory, root: Path, directories: dict[Path, TfDirectory], result: CheckResult) -> int:
    count = 0
    used_variables: set[str] = set()
    for path, data in tf.files.items():
        rel = _relative(path, root)
        for kind, groups in _references(data):
            count += 1
            if kind == "var":
                used_variables.add(groups[0])
                if groups[0] not in tf.variables:
                    result.add(
                        Finding(
                            "undeclared-variable",
                            f"var.{groups[0]} is used but no variable {groups[0]!r} is declared",
                            rel,
                        )
                    )
            elif kind == "local" and groups[0] not in tf.locals:
                result.add(Finding("undeclared-local", f"local.{groups[0]} is used but not defined", rel))
            elif kind == "data" and (groups[0], groups[1]) not in tf.data_sources:
                result.add(Finding("undeclared-data-source", f"data.{groups[0]}.{groups[1]} is not declared", rel))
            elif kind == "resource" and (groups[0], groups[1]) not in tf.resources:
                result.add(Finding("undeclared-resource", f"{groups[0]}.{groups[1]} is not declared", rel))
            elif kind == "module":
                name = groups[0]
                if name not in tf.modules:
                    result.add(Finding("unknown-module", f"module.{name} is referenced but never called", rel))
                    continue
                if len(groups) < 2:
                    continue
                target = _module_target(tf, name)
                callee = directories.get(target) if target else None
                if callee is not None and groups[1] not in callee.outputs:
                    result.add(
                        Finding(
                            "unknown-module-output",
                            f"module.{name}.{groups[1]}: {_relative(target, root)} has no output "
                            f"{groups[1]!r} (it has: {', '.join(sorted(callee.outputs)) or 'none'})",
                            rel,
                        )
                    )
    for name in sorted(set(tf.variables) - used_variables):
        result.add(
            Finding(
                "unused-variable",
                f"variable {name!r} is declared but never used",
                _relative(tf.path, root),
                severity="warning",
            )
        )
    return count


def _module_target(tf: TfDirectory, name: str) -> Path | None:
    _path, body = tf.modules[name]
    source = _unquote(str(body.get("source", "")))
    if not source.startswith(("./", "../")):
        return None
    return (tf.path / source).resolve()


def _check_module_calls(tf: TfDirectory, root: Path, directories: dict[Path, TfDirectory], result: CheckResult) -> int:
    for name, (path, body) in sorted(tf.modules.items()):
        rel = _relative(path, root)
        source = _unquote(str(body.get("source", "")))
        target = _module_target(tf, name)
        if target is None:
            result.add(
                Finding(
                    "non-local-module-source",
                    f"module {name!r} uses {source!r}; only local modules can be checked offline",
                    rel,
                )
            )
            continue
        callee = directories.get(target)
        if callee is None:
            result.add(Finding("missing-module-source", f"module {name!r}: {source} has no .tf files", rel))
            continue
        given = {k for k in body if not k.startswith("__")} - TERRAFORM_META_ARGUMENTS
        for arg in sorted(given - set(callee.variables)):
            result.add(
                Finding(
                    "unknown-module-input",
                    f"module {name!r} passes {arg!r}, which {_relative(target, root)} does not declare",
                    rel,
                )
            )
        for var in sorted(v for v, required in callee.variables.items() if required and v not in given):
            result.add(
                Finding(
                    "missing-module-input",
                    f"module {name!r} does not pass the required variable {var!r} of {_relative(target, root)}",
                    rel,
                )
            )
    return len(tf.modules)


def _check_root(tf: TfDirectory, root: Path, module_dirs: list[Path], result: CheckResult) -> None:
    rel = _relative(tf.path, root)
    pinned = backend = False
    for data in tf.files.values():
        for block in data.get("terraform", []) or []:
            for providers in block.get("required_providers", []) or []:
                aws = providers.get("aws")
                if isinstance(aws, dict) and aws.get("version"):
                    pinned = True
            if block.get("backend"):
                backend = True
    if not pinned:
        result.add(Finding("root-without-pinned-provider", "no required_providers.aws with a version", rel))
    if not backend:
        result.add(Finding("root-without-backend", "no backend block: state would stay on one laptop", rel))
    called = {_module_target(tf, name) for name in tf.modules}
    for module_dir in module_dirs:
        if module_dir.resolve() not in called:
            result.add(
                Finding(
                    "env-missing-module",
                    f"does not call {_relative(module_dir, root)} (every environment composes every module)",
                    rel,
                )
            )


def _check_setting_names(directory: Path, root: Path, result: CheckResult) -> set[str]:
    seen: set[str] = set()
    for path in sorted(directory.rglob("*.tf")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for name in _SETTING_NAME.findall(line):
                seen.add(name)
                if name not in KNOWN_SETTINGS:
                    result.add(
                        Finding(
                            "unknown-setting",
                            f"{name} is not a setting the code location knows "
                            f"(known: see KNOWN_SETTINGS in deploy/validate.py)",
                            _relative(path, root),
                            number,
                        )
                    )
    return seen


def _dagster_yaml_env_names(dagster_yaml: Path) -> set[str]:
    import yaml  # only in the tools venv

    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if set(node) == {"env"} and isinstance(node["env"], str):
                names.add(node["env"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(dagster_yaml.read_text()))
    return names


def _check_ecs_sets_dagster_env(root: Path, dagster_yaml: Path, result: CheckResult) -> None:
    ecs_main = root / "modules" / "ecs_dagster" / "main.tf"
    if not ecs_main.exists() or not dagster_yaml.exists():
        return
    text = ecs_main.read_text()
    for name in sorted(_dagster_yaml_env_names(dagster_yaml)):
        if not re.search(rf"^\s*{re.escape(name)}\s*=", text, re.M):
            result.add(
                Finding(
                    "dagster-env-missing-in-ecs",
                    f"{_relative(dagster_yaml, REPO_ROOT)} reads {name}, which the ECS task definitions never set",
                    _relative(ecs_main, root),
                )
            )


def check_terraform(root: Path, dagster_yaml: Path) -> CheckResult:
    result = CheckResult("terraform")
    if not root.is_dir():
        result.add(Finding("missing-directory", f"{root} does not exist"))
        return result.finish()
    directories = {d.resolve(): _load_tf_directory(d, root, result) for d in _find_tf_directories(root)}
    modules_root = (root / "modules").resolve()
    envs_root = (root / "envs").resolve()
    module_dirs = sorted(d for d in directories if d.parent == modules_root)
    references = module_calls = 0
    for directory, tf in sorted(directories.items()):
        references += _check_references(tf, root, directories, result)
        module_calls += _check_module_calls(tf, root, directories, result)
        if directory.parent == envs_root:
            _check_root(tf, root, module_dirs, result)
    settings = _check_setting_names(root, root, result)
    _check_ecs_sets_dagster_env(root, dagster_yaml, result)
    result.summary = {
        "directories": len(directories),
        "files": sum(len(tf.files) for tf in directories.values()),
        "modules": [d.name for d in module_dirs],
        "environments": sorted(d.name for d in directories if d.parent == envs_root),
        "references_checked": references,
        "module_calls_checked": module_calls,
        "settings_used": sorted(settings),
    }
    return result.finish()


# --------------------------------------------------------------------------------------
# checkov
# --------------------------------------------------------------------------------------


def check_checkov(root: Path) -> CheckResult:
    result = CheckResult("checkov")
    ensure_venv(CHECKOV_VENV, REQUIREMENTS[CHECKOV_VENV])
    checkov = CHECKOV_VENV / "bin" / "checkov"
    command = [
        str(checkov),
        "--directory",
        str(root),
        "--framework",
        "terraform",
        "--output",
        "json",
        "--skip-download",
        "--download-external-modules",
        "false",
    ]
    env = {k: v for k, v in os.environ.items() if k not in {"BC_API_KEY", "PRISMA_API_URL"}}
    env["LOG_LEVEL"] = "ERROR"
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    try:
        reports = json.loads(proc.stdout)
    except json.JSONDecodeError:
        result.add(Finding("checkov-error", f"exit {proc.returncode}, no JSON report: {proc.stderr.strip()[-2000:]}"))
        return result.finish()
    if isinstance(reports, dict) and "results" not in reports:
        # checkov prints a bare summary object when it found nothing to scan.
        result.add(Finding("checkov-nothing-scanned", f"checkov scanned no Terraform in {root}: {reports}"))
        return result.finish()
    reports = reports if isinstance(reports, list) else [reports]
    totals = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0}
    skips: list[dict[str, str]] = []
    failed_checks: list[dict[str, Any]] = []
    severities_known = False
    for report in reports:
        summary = report.get("summary", {})
        for key in totals:
            totals[key] += int(summary.get(key, 0) or 0)
        results = report.get("results", {})
        all_checks = [
            *results.get("passed_checks", []),
            *results.get("failed_checks", []),
            *results.get("skipped_checks", []),
        ]
        severities_known |= any(c.get("severity") for c in all_checks)
        failed_checks.extend(results.get("failed_checks", []))
        for check in results.get("skipped_checks", []):
            reason = (check.get("check_result", {}).get("suppress_comment") or "").strip()
            skips.append(
                {
                    "check_id": check["check_id"],
                    "resource": check.get("resource", ""),
                    "file": check.get("file_path", ""),
                    "reason": reason,
                }
            )
            if reason == CHECKOV_PLACEHOLDER_REASON or len(reason) < MIN_SKIP_REASON_LENGTH:
                result.add(
                    Finding(
                        "skip-without-reason",
                        f"{check['check_id']} is skipped on {check.get('resource')} without a written "
                        f"reason: write #checkov:skip={check['check_id']}:<why>",
                        check.get("file_path", ""),
                        (check.get("file_line_range") or [None])[0],
                    )
                )
    blocking = {"HIGH", "CRITICAL"}
    for check in failed_checks:
        severity = check.get("severity")
        fails = (not severities_known) or (str(severity).upper() in blocking)
        result.add(
            Finding(
                "failed-check",
                f"{check['check_id']} ({severity or 'no severity'}) {check.get('check_name')} "
                f"on {check.get('resource')}",
                check.get("file_path", ""),
                (check.get("file_line_range") or [None])[0],
                severity="error" if fails else "warning",
            )
        )
    if totals["parsing_errors"]:
        result.add(Finding("parsing-errors", f"checkov could not parse {totals['parsing_errors']} file(s)"))
    # Each distinct (check, reason) once: module resources are evaluated once per environment.
    distinct = sorted({(s["check_id"], s["reason"]) for s in skips})
    result.summary = {
        **totals,
        "checkov_version": reports[0].get("summary", {}).get("checkov_version"),
        "severities_available": severities_known,
        "policy": (
            "fail on failed HIGH/CRITICAL checks"
            if severities_known
            else "no severities without an API key: fail on any failed check not skipped with a written reason"
        ),
        "skip_reasons": [{"check_id": c, "reason": r} for c, r in distinct],
    }
    return result.finish()


# --------------------------------------------------------------------------------------
# hadolint
# --------------------------------------------------------------------------------------


def _check_ignore_reasons(dockerfile: Path, result: CheckResult) -> None:
    lines = dockerfile.read_text().splitlines()
    for index, line in enumerate(lines):
        if not re.match(r"\s*#\s*hadolint\s+ignore=", line):
            continue
        above = index - 1
        reasons = False
        while above >= 0 and lines[above].lstrip().startswith("#"):
            if re.match(r"\s*#\s*Reason", lines[above]):
                reasons = True
            above -= 1
        if not reasons:
            result.add(
                Finding(
                    "ignore-without-reason",
                    f"{line.strip()!r} needs a '# Reason ...' comment above it",
                    _relative(dockerfile, REPO_ROOT),
                    index + 1,
                )
            )


def _check_dockerfile_shape(dockerfile: Path, result: CheckResult) -> None:
    stages = [line for line in dockerfile.read_text().splitlines() if re.match(r"\s*FROM\s", line, re.I)]
    rel = _relative(dockerfile, REPO_ROOT)
    if len(stages) < 2:
        result.add(Finding("single-stage", "build and runtime should be separate stages", rel))
    final = dockerfile.read_text().split(stages[-1])[-1] if stages else ""
    users = re.findall(r"^\s*USER\s+(\S+)", final, re.M | re.I)
    if not users or users[-1].split(":")[0] in {"root", "0"}:
        result.add(Finding("runs-as-root", "the final stage must switch to a non-root USER", rel))


def check_hadolint(dockerfile: Path) -> CheckResult:
    result = CheckResult("hadolint")
    hadolint = DEPLOY_VENV / "bin" / "hadolint"
    if not dockerfile.exists():
        result.add(Finding("missing-dockerfile", f"{dockerfile} does not exist"))
        return result.finish()
    proc = subprocess.run(
        [str(hadolint), "--format", "json", "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=120
    )
    try:
        findings = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        findings = None
    if findings is None or (proc.returncode != 0 and not findings):
        result.add(Finding("hadolint-error", f"exit {proc.returncode}: {proc.stderr.strip() or proc.stdout.strip()}"))
        return result.finish()
    for item in findings:
        result.add(
            Finding(
                item.get("code", "?"),
                f"{item.get('level')}: {item.get('message')}",
                _relative(dockerfile, REPO_ROOT),
                item.get("line"),
            )
        )
    _check_ignore_reasons(dockerfile, result)
    _check_dockerfile_shape(dockerfile, result)
    version = subprocess.run([str(hadolint), "--version"], capture_output=True, text=True).stdout.strip()
    result.summary = {"hadolint_version": version, "hadolint_findings": len(findings)}
    return result.finish()


# --------------------------------------------------------------------------------------
# compose
# --------------------------------------------------------------------------------------


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) for item in env)
        return {p[0]: (p[1] if len(p) > 1 else "") for p in pairs}
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _published_ports(port: Any) -> tuple[str | None, int | None, str]:
    """(host_ip, host_port, text) of a compose port entry."""
    if isinstance(port, dict):
        published = port.get("published")
        return port.get("host_ip"), int(published) if published else None, json.dumps(port)
    text = str(port)
    parts = text.split(":")
    if len(parts) == 3:
        return parts[0], int(parts[1].split("-")[0]), text
    if len(parts) == 2:
        return None, int(parts[0].split("-")[0]), text
    return None, None, text


def _container_ports(service: dict[str, Any]) -> set[int]:
    ports: set[int] = set()
    # Listener lists such as KAFKA_LISTENERS=INTERNAL://:19092,... or SCHEMA_REGISTRY_LISTENERS.
    for key, value in _environment(service).items():
        if key.endswith("LISTENERS"):
            ports.update(int(p) for p in re.findall(r"[A-Za-z_]*://[^:,/]*:(\d+)", value))
    for port in service.get("ports") or []:
        text = str(port.get("target") if isinstance(port, dict) else port)
        ports.add(int(text.split(":")[-1].split("/")[0]))
    command = service.get("command") or []
    if isinstance(command, list) and "-p" in command:
        ports.add(int(command[command.index("-p") + 1]))
    return ports


def _one_shot(name: str, services: dict[str, Any]) -> bool:
    """A job other services wait on to complete (it has nothing to be healthy about)."""
    if str(services[name].get("restart", "")).strip('"') != "no":
        return False
    for other in services.values():
        deps = other.get("depends_on") or {}
        if isinstance(deps, dict) and deps.get(name, {}).get("condition") == "service_completed_successfully":
            return True
    return False


def _check_setting_values(
    name: str, env: dict[str, str], services: dict[str, Any], rel: str, result: CheckResult
) -> None:
    for key, value in env.items():
        if key.startswith("SHOP_") and key not in KNOWN_SETTINGS:
            result.add(
                Finding("unknown-setting", f"service {name!r} sets {key}, which the code location does not know", rel)
            )
        if key in SECRET_SETTINGS and value and not re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*(:?-[^}]*)?\}", value):
            result.add(
                Finding(
                    "secret-literal", f"service {name!r} writes {key} into the file; pass it through as ${{{key}}}", rel
                )
            )
    shop_env = env.get("SHOP_ENV")
    if shop_env is not None and shop_env not in SHOP_ENV_VALUES:
        result.add(
            Finding(
                "bad-setting-value",
                f"service {name!r}: SHOP_ENV={shop_env!r} is not one of {sorted(SHOP_ENV_VALUES)}",
                rel,
            )
        )
    bootstrap = env.get("SHOP_KAFKA_BOOTSTRAP")
    if bootstrap:
        for server in bootstrap.split(","):
            host, _, port = server.strip().rpartition(":")
            if host not in services or not port.isdigit() or int(port) not in _container_ports(services[host]):
                result.add(
                    Finding(
                        "bad-setting-value",
                        f"service {name!r}: SHOP_KAFKA_BOOTSTRAP={server!r} is not a listener of a "
                        f"service in this file",
                        rel,
                    )
                )
    registry = env.get("SHOP_SCHEMA_REGISTRY_URL")
    if registry:
        match = re.fullmatch(r"https?://([^:/]+):(\d+)(/.*)?", registry)
        if (
            not match
            or match.group(1) not in services
            or int(match.group(2)) not in _container_ports(services[match.group(1)])
        ):
            result.add(
                Finding(
                    "bad-setting-value",
                    f"service {name!r}: SHOP_SCHEMA_REGISTRY_URL={registry!r} does not point at a "
                    f"registry service's listener in this file",
                    rel,
                )
            )


def _check_workspace(workspace: Path, services: dict[str, Any], result: CheckResult) -> None:
    import yaml

    if not workspace.exists():
        result.add(Finding("missing-workspace", f"{workspace} does not exist"))
        return
    rel = _relative(workspace, REPO_ROOT)
    for entry in (yaml.safe_load(workspace.read_text()) or {}).get("load_from", []):
        server = entry.get("grpc_server")
        if not server:
            continue
        host, port = server.get("host"), server.get("port")
        service = services.get(host)
        if service is None:
            result.add(Finding("workspace-host-unknown", f"grpc_server host {host!r} is not a compose service", rel))
            continue
        command = service.get("command") or []
        served = int(command[command.index("-p") + 1]) if isinstance(command, list) and "-p" in command else None
        if served != port:
            result.add(
                Finding(
                    "workspace-port-mismatch", f"grpc_server {host}:{port}, but the service serves on {served}", rel
                )
            )


def check_compose(compose: Path) -> CheckResult:
    import yaml

    result = CheckResult("compose")
    rel = _relative(compose, REPO_ROOT)
    try:
        document = yaml.safe_load(compose.read_text())
    except (OSError, yaml.YAMLError) as exc:
        result.add(Finding("parse-error", str(exc).splitlines()[0], rel))
        return result.finish()
    services: dict[str, Any] = (document or {}).get("services") or {}
    if not services:
        result.add(Finding("no-services", "the file defines no services", rel))
        return result.finish()
    published: dict[str, set[int]] = {}
    for name, service in services.items():
        for port in service.get("ports") or []:
            host_ip, host_port, text = _published_ports(port)
            if host_port is not None:
                published.setdefault(name, set()).add(host_port)
            if host_ip != LOOPBACK:
                result.add(
                    Finding(
                        "port-not-loopback",
                        f"service {name!r} publishes {text}; bind it as {LOOPBACK}:HOST:CONTAINER",
                        rel,
                    )
                )
        healthcheck = service.get("healthcheck")
        if not _one_shot(name, services) and (not healthcheck or healthcheck.get("disable")):
            result.add(Finding("missing-healthcheck", f"service {name!r} has no healthcheck", rel))
        image = str(service.get("image", ""))
        local_image = "build" in service or service.get("pull_policy") == "never"
        if image and not local_image:
            tag = image.rsplit("/", 1)[-1]
            if "@sha256:" not in image and (":" not in tag or tag.endswith(":latest")):
                result.add(Finding("unpinned-image", f"service {name!r} uses {image!r}; pin a release tag", rel))
        deps = service.get("depends_on") or {}
        if isinstance(deps, list):
            result.add(
                Finding(
                    "depends-on-without-condition",
                    f"service {name!r} lists depends_on without conditions; wait for service_healthy",
                    rel,
                )
            )
        else:
            for dep, spec in deps.items():
                if dep not in services:
                    result.add(Finding("unknown-dependency", f"service {name!r} depends on unknown {dep!r}", rel))
                elif services[dep].get("healthcheck") and (spec or {}).get("condition") != "service_healthy":
                    result.add(
                        Finding(
                            "depends-on-without-condition", f"service {name!r} starts before {dep!r} is healthy", rel
                        )
                    )
        _check_setting_values(name, _environment(service), services, rel, result)
    for name, port in EXPECTED_HOST_PORTS.items():
        if port not in published.get(name, set()):
            result.add(
                Finding(
                    "host-port-mismatch",
                    f"service {name!r} should publish {LOOPBACK}:{port} like the local platform",
                    rel,
                )
            )
    _check_workspace(compose.parent / "workspace.yaml", services, result)
    dagster_yaml = compose.parent / "dagster.yaml"
    if dagster_yaml.exists():
        needed = _dagster_yaml_env_names(dagster_yaml)
        for name, service in services.items():
            command = service.get("command") or []
            first = command[0] if isinstance(command, list) and command else str(command).split(" ")[0]
            if not str(first).startswith("dagster"):
                continue
            missing = sorted(needed - set(_environment(service)))
            if missing:
                result.add(
                    Finding(
                        "dagster-env-missing",
                        f"service {name!r} runs Dagster without {', '.join(missing)} (read by dagster.yaml)",
                        rel,
                    )
                )
    result.summary = {
        "services": sorted(services),
        "published_ports": {k: sorted(v) for k, v in sorted(published.items())},
    }
    return result.finish()


# --------------------------------------------------------------------------------------
# terraform fmt (only where a terraform binary exists; it needs no network)
# --------------------------------------------------------------------------------------


def check_fmt(root: Path) -> CheckResult:
    result = CheckResult("fmt")
    terraform = shutil.which("terraform")
    if terraform is None:
        result.status = "skipped"
        result.summary = {"reason": "no terraform binary on PATH"}
        return result
    proc = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-list=true", str(root)], capture_output=True, text=True, timeout=120
    )
    for line in proc.stdout.splitlines():
        if line.strip():
            result.add(Finding("unformatted", "run `terraform fmt -recursive deploy/terraform`", line.strip()))
    if proc.returncode not in (0, 3) or (proc.returncode == 3 and not result.findings):
        result.add(Finding("fmt-error", proc.stderr.strip()[-1000:]))
    result.summary = {"terraform": terraform}
    return result.finish()


# --------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------


def run(checks: list[str], terraform_dir: Path, dockerfile: Path, compose: Path) -> dict[str, CheckResult]:
    dagster_yaml = compose.parent / "dagster.yaml"
    runners = {
        "terraform": lambda: check_terraform(terraform_dir, dagster_yaml),
        "checkov": lambda: check_checkov(terraform_dir),
        "hadolint": lambda: check_hadolint(dockerfile),
        "compose": lambda: check_compose(compose),
        "fmt": lambda: check_fmt(terraform_dir),
    }
    return {name: runners[name]() for name in checks}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "checks", nargs="*", metavar="CHECK", help=f"checks to run: {', '.join(ALL_CHECKS)} (default: all)"
    )
    parser.add_argument("--terraform-dir", type=Path, default=DEFAULT_TERRAFORM_DIR)
    parser.add_argument("--dockerfile", type=Path, default=DEFAULT_DOCKERFILE)
    parser.add_argument("--compose", type=Path, default=DEFAULT_COMPOSE)
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    parser.add_argument("--install-only", action="store_true", help="create the tool venvs and exit")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.checks) - set(ALL_CHECKS))
    if unknown:
        parser.error(f"unknown check(s) {', '.join(unknown)}; choose from {', '.join(ALL_CHECKS)}")

    try:
        if args.install_only:
            ensure_tools()
            return 0
        reexec_in_tools_venv()
        results = run(
            list(args.checks or ALL_CHECKS),
            args.terraform_dir.resolve(),
            args.dockerfile.resolve(),
            args.compose.resolve(),
        )
    except ToolSetupError as exc:
        print(f"validate: {exc}", file=sys.stderr)
        return 2

    failed = any(r.status == "failed" for r in results.values())
    if args.json:
        print(json.dumps({"ok": not failed, "checks": {k: v.to_json() for k, v in results.items()}}, indent=2))
    else:
        for name, res in results.items():
            print(f"{name}: {res.status.upper()}  {json.dumps(res.summary, default=str)}")
            for finding in res.findings:
                print(finding.render())
        print("deploy validation " + ("FAILED" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
