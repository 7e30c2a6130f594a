"""docker-compose.yml is valid (Debian's docker-compose, no engine needed) and every docparse
command in it runs by hand."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.paths import REPO_ROOT

pytestmark = pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
DOCPARSE = str(Path(sys.executable).with_name("docparse"))
SECRETS = {"POSTGRES_PASSWORD": "secret", "DOCPARSE_API_KEYS": "alice:k1", "MINIO_ROOT_PASSWORD": "minio-secret"}


def _compose(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker-compose", "-f", str(REPO_ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        check=False,
    )


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    result = _compose({**os.environ, **SECRETS})
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = yaml.safe_load(result.stdout)["services"]
    return loaded


def test_the_stack_has_every_service_with_healthchecks_and_profiles(services: dict[str, Any]) -> None:
    assert set(services) == {
        "postgres", "redis", "minio", "createbucket", "migrate", "api", "worker", "worker-gpu", "vllm",
        "worker-vllm", "flower", "ingest", "parse",
    }  # fmt: skip
    for name in ("postgres", "redis", "minio", "vllm"):
        assert "healthcheck" in services[name], name
    assert services["worker-gpu"]["profiles"] == ["gpu"]
    assert services["vllm"]["profiles"] == services["worker-vllm"]["profiles"] == ["vllm"]
    for name in ("worker-gpu", "vllm"):
        devices = services[name]["deploy"]["resources"]["reservations"]["devices"]
        assert devices[0]["capabilities"] == ["gpu"], name
    assert services["worker-gpu"]["environment"]["DOCPARSE_ENGINE"] == "transformers"
    vllm_env = services["worker-vllm"]["environment"]
    assert vllm_env["DOCPARSE_ENGINE"] == "openai"
    assert vllm_env["DOCPARSE_OPENAI_BASE_URL"] == "http://vllm:8000/v1"
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert (
        services["api"]["command"][0] == "serve" and services["api"]["environment"]["DOCPARSE_API_KEYS"] == "alice:k1"
    )
    for name in ("api", "worker", "worker-gpu", "worker-vllm", "ingest"):
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert service["environment"]["DOCPARSE_BROKER_URL"] == "redis://redis:6379/0"
        assert service["environment"]["DOCPARSE_DATABASE_URL"].startswith("postgresql://docparse:secret@postgres")
        assert service["depends_on"]["createbucket"]["condition"] == "service_completed_successfully", name
        environment = service["environment"]
        assert environment["DOCPARSE_BLOB_URL"] == "s3://docparse/blobs", name  # blobs in MinIO, not on a disk
        assert environment["AWS_ENDPOINT_URL"] == "http://minio:9000", name
        assert environment["AWS_SECRET_ACCESS_KEY"] == services["minio"]["environment"]["MINIO_ROOT_PASSWORD"]
    bucket = services["createbucket"]
    assert bucket["environment"]["DOCPARSE_S3_BUCKET"] == "docparse" and "mc mb" in " ".join(bucket["command"])
    assert bucket["depends_on"]["minio"]["condition"] == "service_healthy"


def _volumes(service: dict[str, Any]) -> set[str]:
    """Named volumes and bind-mounted host paths of a service."""
    mounts = [v if isinstance(v, str) else str(v.get("source", "")) for v in service.get("volumes", [])]
    return {m.split(":", 1)[0] for m in mounts}


def test_the_api_and_the_workers_share_no_volume(services: dict[str, Any]) -> None:
    assert _volumes(services["api"]) == set()
    for name in ("worker", "worker-gpu", "worker-vllm", "ingest", "migrate"):
        assert "blobs" not in _volumes(services[name]), name  # no shared blob folder anywhere


@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_compose_refuses_to_run_without_its_secrets(secret: str) -> None:
    env = {**os.environ, **SECRETS}
    del env[secret]
    result = _compose(env)
    assert result.returncode != 0
    assert secret in result.stderr


def test_every_docparse_command_in_the_stack_is_a_real_command(services: dict[str, Any], tmp_path: Path) -> None:
    """The image's entrypoint is `docparse`; each service's arguments must parse with our CLI."""
    checked = 0
    for name, service in services.items():
        if service.get("image") != "docparse:latest" or name == "parse":
            continue
        args = list(service["command"])
        result = subprocess.run([DOCPARSE, *args, "--help"], capture_output=True, text=True, check=False)
        assert result.returncode == 0, (name, result.stderr)
        checked += 1
    assert checked == 6
    upgrade = subprocess.run(
        [DOCPARSE, *services["migrate"]["command"]],
        capture_output=True,
        text=True,
        env={**os.environ, "DOCPARSE_DATA_DIR": str(tmp_path), "DOCPARSE_DATABASE_URL": ""},
        check=False,
    )
    assert upgrade.returncode == 0, upgrade.stderr


def test_the_parse_service_command_runs_by_hand(services: dict[str, Any], tmp_path: Path) -> None:
    service = services["parse"]
    entrypoint, command = service["entrypoint"], service["command"]
    assert entrypoint[0] == "docparse"
    args = [a.replace("out/", f"{tmp_path}/") for a in command]
    result = subprocess.run(
        [DOCPARSE, *entrypoint[1:], *args, "--engine", "pdf-text"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "invoice.json").stat().st_size > 0
