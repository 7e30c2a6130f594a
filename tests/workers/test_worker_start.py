"""A worker whose engine cannot run refuses to start, loudly; workers never fall back silently."""

from __future__ import annotations

import socket

import pytest

from tests.workers.conftest import Stack

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_worker_with_missing_model_directory_exits_nonzero_with_the_message(stack: Stack) -> None:
    stack.configure()
    missing = stack.tmp / "no-such-model"
    proc = stack.start_worker("transformers", DOCPARSE_MODEL=str(missing))
    code = proc.wait(timeout=90)
    log = stack.logs()
    assert code == 3, log
    assert "docparse worker: engine unavailable" in log
    assert f"Looked for a checkpoint directory (config.json + *.safetensors) at: {missing}" in log
    assert "ready." not in log  # it never consumed anything


def test_worker_whose_server_does_not_answer_exits_nonzero_with_the_message(stack: Stack) -> None:
    stack.configure()
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    proc = stack.start_worker("openai", DOCPARSE_OPENAI_BASE_URL=url, DOCPARSE_OPENAI_TIMEOUT_S="5")
    code = proc.wait(timeout=90)
    log = stack.logs()
    assert code == 3, log
    assert "docparse worker: engine unavailable" in log
    assert "127.0.0.1" in log
    assert "ready." not in log
