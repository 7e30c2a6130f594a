"""An in-process engine that cannot be built is not built again for every task: its error is
remembered for a while (a missing model can cost a minute of hub retries per attempt)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from docparse.engines import registry
from docparse.engines.base import Engine, EngineUnavailable
from docparse.engines.settings import EngineSettings
from docparse.engines.specs import ModelSpec
from workers import engines
from workers.engines import FAILURE_TTL_S, clear_engines, engine_for

BROKEN = "test-broken-model"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    calls: list[str] = []

    def build(settings: EngineSettings, spec: ModelSpec) -> Engine:
        calls.append(spec.name)
        raise EngineUnavailable(f"weights for {spec.name} are not here (attempt {len(calls)})")

    monkeypatch.setitem(registry._builders, BROKEN, build)
    clear_engines()
    yield calls
    clear_engines()


def test_a_failed_build_is_remembered_then_tried_again(builds: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(engines.time, "monotonic", lambda: clock[0])
    for _ in range(3):  # three tasks of one document: one build, the same error three times
        with pytest.raises(EngineUnavailable, match="attempt 1"):
            engine_for({"engine": BROKEN})
    assert len(builds) == 1
    clock[0] += FAILURE_TTL_S + 1
    with pytest.raises(EngineUnavailable, match="attempt 2"):
        engine_for({"engine": BROKEN})
    assert len(builds) == 2


def test_a_remote_server_is_asked_again_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def failing(settings: EngineSettings) -> object:
        calls.append(1)
        raise EngineUnavailable("the server does not answer")

    monkeypatch.setattr(engines, "create_engine", failing)
    clear_engines()
    for _ in range(2):
        with pytest.raises(EngineUnavailable):
            engine_for({"engine": "openai", "openai_base_url": "http://127.0.0.1:9/v1"})
    assert len(calls) == 2  # a server outage is transient: never remembered


def test_environment_settings_are_read_once_per_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every task asks for the worker's engine settings: they are built once per distinct
    ``DOCPARSE_*`` environment, and a changed variable gives settings that follow it."""
    from workers.engines import document_engine_settings, environment_settings

    monkeypatch.setenv("DOCPARSE_MODEL_SPEC", "qwen2.5-vl-7b")
    first = environment_settings()
    assert environment_settings() is first
    assert first.model_spec == "qwen2.5-vl-7b"
    monkeypatch.setenv("DOCPARSE_MODEL_SPEC", "qwen2.5-vl-3b")
    assert environment_settings().model_spec == "qwen2.5-vl-3b"
    assert document_engine_settings({"model_spec": "qwen2.5-vl-72b"}).model_spec == "qwen2.5-vl-72b"
