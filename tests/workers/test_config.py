"""The Celery configuration and the worker settings' validation."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from workers.names import INFER_TASK, RENDER_TASK
from workers.settings import WorkerSettings
from workers.worker import create_app


def _settings(**values: object) -> WorkerSettings:
    return WorkerSettings.model_validate({"broker_url": "redis://127.0.0.1:6379/9", **values})


def test_json_only_late_acks_requeue_on_worker_loss_prefetch_one() -> None:
    conf = create_app(_settings()).conf
    assert conf.task_serializer == "json" and conf.result_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_always_eager is False


def test_time_limits_below_the_visibility_timeout() -> None:
    settings = _settings()
    conf = create_app(settings).conf
    assert conf.task_time_limit == 3600
    assert conf.task_soft_time_limit is not None and conf.task_soft_time_limit < conf.task_time_limit
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility == 7200 and visibility > conf.task_time_limit
    assert 1 <= conf.broker_transport_options["unacked_restore_interval"] <= 60


def test_routes_render_and_infer_to_their_queues() -> None:
    conf = create_app(_settings(render_queue="cpu", infer_queue="gpu")).conf
    assert conf.task_routes == {RENDER_TASK: {"queue": "cpu"}, INFER_TASK: {"queue": "gpu"}}


def test_no_broker_means_embedded_eager_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCPARSE_BROKER_URL", raising=False)
    settings = WorkerSettings()
    assert settings.embedded
    conf = create_app(settings).conf
    assert conf.task_always_eager is True and conf.task_eager_propagates is True


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"visibility_timeout_s": 3600}, "must exceed task_time_limit_s"),
        ({"task_time_limit_s": 100, "task_soft_time_limit_s": 100}, "must be below"),
        ({"render_queue": "q", "infer_queue": "q"}, "must differ"),
        ({"pages_per_task": 0}, "greater than or equal to 1"),
    ],
)
def test_settings_refuse_unsafe_values(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _settings(**values)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPARSE_BROKER_URL", "redis://broker:6379/0")
    monkeypatch.setenv("DOCPARSE_PAGES_PER_TASK", "8")
    monkeypatch.setenv("DOCPARSE_KEEP_PAGE_IMAGES", "false")
    settings = WorkerSettings()
    assert (settings.broker_url, settings.pages_per_task, settings.keep_page_images) == (
        "redis://broker:6379/0",
        8,
        False,
    )
    assert not settings.embedded


@pytest.mark.parametrize(("loglevel", "quieted"), [("INFO", True), (logging.WARNING, True), ("DEBUG", False)])
def test_per_task_and_per_request_loggers_are_quiet_unless_debugging(loglevel: str | int, quieted: bool) -> None:
    from workers.worker import CHATTY_LOGGERS, _quiet_chatty_loggers

    assert {"httpx", "httpcore", "celery.app.trace", "celery.worker.strategy"} <= set(CHATTY_LOGGERS)
    loggers = [logging.getLogger(name) for name in CHATTY_LOGGERS]
    before = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.NOTSET)
        _quiet_chatty_loggers(loglevel=loglevel)
        expected = logging.WARNING if quieted else logging.NOTSET
        assert [logger.level for logger in loggers] == [expected] * len(loggers)
    finally:
        for logger, level in zip(loggers, before, strict=True):
            logger.setLevel(level)
