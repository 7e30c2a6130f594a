"""Worker and queue settings (``DOCPARSE_`` prefix, ``.env``), validated at start; no heavy imports.

``DOCPARSE_BROKER_URL`` unset means **embedded** mode: tasks run in the calling process,
eagerly, one after the other (no broker, no worker). Set it (``redis://host:6379/0``) to send
tasks to ``celery -A workers.worker worker`` processes.
"""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

RENDER_AHEAD = 2.0
"""The default of ``DOCPARSE_RENDER_AHEAD`` (:attr:`WorkerSettings.render_ahead`): pages held per
process for a remote engine (its page budget, :mod:`workers.page_budget`), as a multiple of its
request share. A task's pages go to the server together once all are rendered and leave it
together once all are parsed and saved, so a task's pages spend a third of its cycle away from
the server at 8 pages per task; holding 1.5x as many pages as requests kept the server's slots
0.76 full on 2 cores (``make bench``, capacity scenario), 2x 0.91-0.96; 2.5x gave 0.97-1.0 with
2 processes but about 5% more CPU per page (8% with 1 process), from more threads taking turns
at the GIL."""


class WorkerSettings(BaseSettings):
    """Broker, task sizing, time limits and retries of the document workers.

    Redis redelivers a task that was not acknowledged within ``visibility_timeout_s``; tasks
    are acknowledged late (after they finish), so the timeout must exceed the longest task —
    otherwise a slow but healthy task would run twice. The validator enforces
    ``task_soft_time_limit_s < task_time_limit_s < visibility_timeout_s``.
    """

    model_config = SettingsConfigDict(env_prefix="DOCPARSE_", env_file=".env", extra="ignore")

    broker_url: str | None = Field(default=None, description="unset: embedded mode (tasks run in process)")
    pages_per_task: int = Field(
        default=16,
        ge=1,
        description="pages one infer task claims and runs: the claim, the queue message and the checks around them "
        "are paid once per task (cancel still stops each page); 8 rather than 4 cut the worker's CPU per page by "
        "about 15% in make bench, 16 rather than 8 by another 10-15% (fewer tasks at once in a process: fewer "
        "threads taking turns at the GIL, about half the context switches per page)",
    )
    render_ahead: float = Field(
        default=RENDER_AHEAD,
        ge=1.0,
        le=8.0,
        description="remote engines (openai): pages a worker process holds at once (its page budget: claimed, "
        "rendered, at the server, being parsed or saved; as many task threads) as a multiple of its share of the "
        "server's requests, so that pages render, parse and persist while others are at the server (docparse "
        "worker --render-ahead). A rendered page takes about 6 MB; see RENDER_AHEAD for what more costs and gives",
    )
    render_runs_first_step: bool = Field(
        default=True,
        description="a worker process that consumes the infer queue too runs a document's first chain step in its "
        "render step instead of queueing it: one task fewer per document (a one-page upload's pages/s on a "
        "CPU-bound worker host rose by about 15%); the other chains are queued as before. false: every step is queued",
    )
    document_window_pages: int = Field(
        default=128,
        ge=1,
        description="at most this many pages of one document queued or in flight at once (in tasks of "
        "pages_per_task): other documents' tasks come between, so a small document never waits behind a big one",
    )
    recover_after_s: float = Field(
        default=300.0,
        gt=0,
        description="a page a worker holds is leased for this long (the worker's heartbeat renews it); work "
        "nobody holds and nobody advanced for this long is re-enqueued by the reconciler. The heartbeat (heartbeat_s) "
        "also interrupts pages of cancelled or deleted documents: it sets how fast a cancel stops work in flight",
    )
    max_page_deaths: int = Field(
        default=3, ge=1, description="a page whose processing killed this many workers fails with the reason"
    )
    infer_batch_pages: int | None = Field(
        default=None,
        ge=1,
        description="pages of a task inferred together (an engine batch, or concurrent requests to a server); "
        "cancellation is checked between them. Default: all the pages of a task for remote engines (openai: "
        "concurrent requests), 1 otherwise (the in-process model batches pages across tasks)",
    )
    save_group_pages: int = Field(
        default=32,
        ge=1,
        description="finished pages one transaction may store together: pages that finish while a commit is "
        "under way share the next one (group commit; nobody waits for a group to fill). 1: a transaction per page",
    )
    save_within_s: float = Field(
        default=1.0,
        ge=0,
        description="a task's finished page may wait this long for the task's next pages, to share their "
        "transaction: pages finished within this time of each other are stored together (a page is held only "
        "while the last one took less than what is left of it, so a slow engine's pages are stored one by one). "
        "Pages of one chunk (an openai task's requests) are always stored together. 0: each chunk as it finishes",
    )
    pass_cache_pages: int = Field(
        default=128,
        ge=0,
        description="pages whose blocks a worker process keeps after writing them, so that the document pass "
        "run when a document's last page lands need not read them back (a dense page's blocks take about 0.3 MB); "
        "a remote engine's worker process keeps at least twice its page budget (see render_ahead). A page written "
        "since by anyone else is read again. 0: the pass reads every page",
    )
    task_time_limit_s: int = Field(default=3600, gt=0, description="hard limit: the task's process is killed")
    task_soft_time_limit_s: int | None = Field(
        default=None, gt=0, description="soft limit (default: hard limit minus 5%, at least 1 s less)"
    )
    visibility_timeout_s: int = Field(default=7200, gt=0, description="Redis redelivers unacked tasks after this")
    restore_interval_s: int | None = Field(
        default=None,
        gt=0,
        description="how often a worker re-queues tasks left unacknowledged by a dead worker for longer than the "
        "visibility timeout (default: a tenth of the timeout, between 1 and 60 s)",
    )
    max_retries: int = Field(default=5, ge=0, description="retries of a task after a transient fault")
    retry_backoff_s: float = Field(default=2.0, gt=0, description="first retry delay; doubles per retry, jittered")
    retry_backoff_max_s: float = Field(default=300.0, gt=0)
    keep_page_images: bool = Field(default=True, description="store the page image the model saw in the blob store")
    render_queue: str = Field(default="render", min_length=1, description="CPU queue: open and count pages")
    infer_queue: str = Field(default="infer", min_length=1, description="GPU queue: infer, parse, persist pages")

    @model_validator(mode="after")
    def _check_limits(self) -> WorkerSettings:
        if self.task_soft_time_limit_s is None:
            soft = max(1, min(self.task_time_limit_s - 1, int(self.task_time_limit_s * 0.95)))
            object.__setattr__(self, "task_soft_time_limit_s", soft)
        assert self.task_soft_time_limit_s is not None
        if self.task_soft_time_limit_s >= self.task_time_limit_s and self.task_time_limit_s > 1:
            raise ValueError(
                f"task_soft_time_limit_s ({self.task_soft_time_limit_s}) must be below "
                f"task_time_limit_s ({self.task_time_limit_s})"
            )
        if self.visibility_timeout_s <= self.task_time_limit_s:
            raise ValueError(
                f"visibility_timeout_s ({self.visibility_timeout_s}) must exceed task_time_limit_s "
                f"({self.task_time_limit_s}): Redis would redeliver a task that is still running"
            )
        if self.restore_interval_s is None:
            object.__setattr__(self, "restore_interval_s", max(1, min(60, self.visibility_timeout_s // 10)))
        if self.render_queue == self.infer_queue:
            raise ValueError("render_queue and infer_queue must differ (CPU and GPU work scale apart)")
        return self

    @property
    def chains_per_document(self) -> int:
        """Tasks of one document queued or running at once: ``document_window_pages / pages_per_task``."""
        return max(1, -(-self.document_window_pages // self.pages_per_task))

    @property
    def heartbeat_s(self) -> float:
        """How often a worker renews its leases, interrupts pages of cancelled or deleted documents
        (the latency of a cancel for a page in flight) and the reconciler looks for lost work."""
        return max(0.2, min(30.0, self.recover_after_s / 4))

    @property
    def embedded(self) -> bool:
        """No broker: tasks run eagerly in the calling process."""
        return not self.broker_url
