"""docker-compose.yml is valid (Debian's docker-compose, no engine needed) and its docparse commands run by hand."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.paths import REPO_ROOT

pytestmark = pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")


def _config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker-compose", "-f", str(REPO_ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=REPO_ROOT,
        check=False,
    )


def test_compose_config_is_valid_and_services_are_healthchecked() -> None:
    result = _config({"POSTGRES_PASSWORD": "secret"})
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert {"parse", "postgres", "redis"} <= set(services)
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name], name


def test_compose_refuses_to_run_without_a_database_password() -> None:
    env = {k: v for k, v in os.environ.items() if k != "POSTGRES_PASSWORD"}
    result = subprocess.run(
        ["docker-compose", "-f", str(REPO_ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        check=False,
    )
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_the_parse_service_command_runs_by_hand(tmp_path: Path) -> None:
    config = yaml.safe_load(_config({"POSTGRES_PASSWORD": "secret"}).stdout)
    service = config["services"]["parse"]
    entrypoint, command = service["entrypoint"], service["command"]
    assert entrypoint[0] == "docparse"
    args = [a.replace("out/", f"{tmp_path}/") for a in command]
    docparse = str(Path(sys.executable).with_name("docparse"))
    result = subprocess.run(
        [docparse, *entrypoint[1:], *args, "--engine", "pdf-text"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "invoice.json").stat().st_size > 0
