"""A real S3-compatible server for tests: moto's standalone server (``moto[server]``) started on a
free loopback port, like the throwaway PostgreSQL databases of :mod:`tests.postgres`.

Each test gets its own bucket (:meth:`S3Server.new_bucket`), so nothing is shared between
tests; the server process is stopped at the end of the session.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.waiting import poll

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ACCESS_KEY = "docparse-test"
SECRET_KEY = "docparse-test-secret"
REGION = "us-east-1"


@dataclass
class S3Server:
    """A running S3-compatible server on loopback."""

    endpoint: str
    log: Path
    _clients: dict[str, S3Client] = field(default_factory=dict, repr=False)

    def env(self) -> dict[str, str]:
        """The standard AWS variables that point boto3 (and docparse) at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
        }

    def client(self, access_key: str = ACCESS_KEY) -> S3Client:
        """A client of this server (made once per key: making boto3 clients is slow)."""
        if access_key not in self._clients:
            self._clients[access_key] = self._make_client(access_key)
        return self._clients[access_key]

    def _make_client(self, access_key: str) -> S3Client:
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=access_key,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def new_bucket(self) -> str:
        """A new, empty bucket of a unique name."""
        name = f"test-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str, prefix: str = "") -> list[str]:
        """The names of every object in ``bucket`` under ``prefix``."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(endpoint: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def running_s3_server(tmp: Path, *, authenticate: bool = False) -> Iterator[S3Server]:
    """moto's server on a free port for the block. ``authenticate``: it checks credentials (every
    key is then unknown to it), for testing how bad credentials are reported."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if authenticate:
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
    port = free_port()
    log = tmp / f"moto-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        try:
            poll(lambda: proc.poll() is not None or _answers(endpoint), timeout_s=60, what="moto's S3 server")
        except AssertionError:
            pytest.fail(f"moto's S3 server did not start: {log.read_text(errors='replace')[-2000:]}", False)
        if proc.poll() is not None:
            pytest.fail(f"moto's S3 server exited: {log.read_text(errors='replace')[-2000:]}", False)
        yield S3Server(endpoint, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def session_s3_server(factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """For a session fixture: ``yield from session_s3_server(tmp_path_factory)``."""
    with running_s3_server(factory.mktemp("s3")) as server:
        yield server
