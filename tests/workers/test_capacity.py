"""How many processes and pages in flight ``docparse worker`` runs by default, and the settings
that bound recovery."""

from __future__ import annotations

import pytest

from docparse.engines.settings import EngineSettings
from workers.capacity import plan
from workers.celery_app import create_app
from workers.settings import WorkerSettings


def test_an_openai_worker_host_keeps_a_vllm_server_full_across_its_cores() -> None:
    remote = EngineSettings(engine="openai", openai_base_url="http://gpu:8000/v1")
    two_cores = plan(remote, cpus=2)
    # each process caps its requests at its share; twice as many threads render ahead
    assert (two_cores.processes, two_cores.requests_per_process, two_cores.threads, two_cores.in_flight) == (
        2,
        32,
        64,
        64,
    )
    assert plan(remote, cpus=64).processes == 4  # CPU work per page is small: a few processes suffice
    assert plan(remote.model_copy(update={"openai_max_in_flight": 256}), cpus=4).in_flight == 256
    # A task of 8 pages sends them together, but one-page documents are a task each: as many threads
    # as the page budget has pages (workers.page_budget bounds what the tasks of larger ones hold).
    batched = plan(remote, cpus=2)
    assert (batched.processes, batched.threads, batched.in_flight) == (2, 64, 64)
    # more render-ahead: more pages held for the same requests (ceil(2.5 x 32) per process)
    ahead = plan(remote, cpus=2, render_ahead=2.5)
    assert (ahead.threads, ahead.requests_per_process, ahead.in_flight, ahead.render_ahead) == (80, 32, 64, 2.5)


def test_each_worker_process_is_told_its_share_of_the_servers_requests() -> None:
    from workers.supervisor import child_env, children_of

    server = EngineSettings(engine="openai", openai_base_url="http://gpu:8000/v1")
    remote = plan(server, cpus=2)
    env = child_env(remote, "threads")
    assert env is not None and env["DOCPARSE_OPENAI_MAX_IN_FLIGHT"] == "32"
    started = children_of(remote, "render,infer", "INFO", "threads")  # what `docparse worker` starts
    assert [c.env["DOCPARSE_OPENAI_MAX_IN_FLIGHT"] if c.env else None for c in started] == ["32", "32"]
    assert all("--concurrency=64" in c.argv for c in started)
    # --render-ahead reaches the processes, whose page budget it sizes
    ahead = children_of(plan(server, cpus=2, render_ahead=3.0), "infer", "INFO", "threads")
    assert [c.env["DOCPARSE_RENDER_AHEAD"] if c.env else None for c in ahead] == ["3.0", "3.0"]
    assert child_env(plan(EngineSettings(engine="pdf-text"), cpus=2), "threads") is None
    assert child_env(remote, "prefork") is None


def test_an_in_process_model_gets_one_process_and_renders_the_next_batch_ahead() -> None:
    gpu = EngineSettings(engine="transformers", batch_size=8)
    assert plan(gpu, cpus=16) == plan(gpu, processes=1, in_flight=16)
    assert (plan(gpu, cpus=16).processes, plan(gpu, cpus=16).threads) == (1, 16)


def test_cpu_engines_run_a_process_per_core_and_explicit_values_win() -> None:
    text_layer = EngineSettings(engine="pdf-text")
    assert (plan(text_layer, cpus=4).processes, plan(text_layer, cpus=4).threads) == (4, 2)
    chosen = plan(text_layer, processes=3, in_flight=10, cpus=4)
    assert (chosen.processes, chosen.threads) == (3, 4)


def test_recovery_settings_defaults_and_windows() -> None:
    settings = WorkerSettings.model_validate({"broker_url": "redis://127.0.0.1:6379/9"})
    assert 0 < settings.recover_after_s <= 600  # work is never stuck for the 2 h visibility timeout
    assert settings.max_page_deaths == 3
    assert settings.heartbeat_s < settings.recover_after_s / 3  # a live worker renews well before expiry
    small = settings.model_copy(update={"pages_per_task": 4, "document_window_pages": 10})
    assert small.chains_per_document == 3


@pytest.mark.parametrize("url", ["amqp://guest:guest@127.0.0.1:5672//", "pyamqp://h//"])
def test_rabbitmq_gets_publisher_confirms_and_persistent_messages(url: str) -> None:
    conf = create_app(WorkerSettings.model_validate({"broker_url": url})).conf
    assert conf.broker_transport_options == {"confirm_publish": True}
    assert conf.task_default_delivery_mode == "persistent"
    assert conf.task_acks_late is True and conf.task_reject_on_worker_lost is True


def test_a_remote_engines_task_sends_its_pages_together_unless_told_otherwise() -> None:
    from workers.page_job import infer_batch

    defaults = WorkerSettings()
    assert defaults.pages_per_task == 16
    assert (infer_batch(defaults, remote=True), infer_batch(defaults, remote=False)) == (16, 1)
    assert infer_batch(WorkerSettings(infer_batch_pages=2), remote=True) == 2
