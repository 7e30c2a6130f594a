"""``GET /metrics``: Prometheus text format, read from the database at scrape time.

A custom collector (:class:`DatabaseCollector`) queries the database on every scrape — so the
numbers are those of the whole deployment (every API process and worker), not of this process —
with a few grouped, read-only queries over storage's tables (storage has no aggregate reader;
these are the API's only direct table reads):

* ``docparse_documents{status}`` and ``docparse_pages{status}`` — gauges, every status listed;
* ``docparse_page_attempt_latency_seconds`` — a histogram of stored attempts' latency;
* ``docparse_tokens_total{kind="prompt"|"completion"}`` — token counters;
* ``docparse_page_attempts_total`` and ``docparse_page_retries_total`` (attempts beyond the
  first of each page).

Each app owns its registry, so several apps in one process (tests) do not collide.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import get_args

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from starlette.concurrency import run_in_threadpool

from schemas import DocumentStatus, PageStatus
from storage import Database
from storage.tables import AttemptRow, DocumentRow, PageRow

router = APIRouter(tags=["operations"])
BUCKETS: tuple[float, ...] = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class DatabaseCollector(Collector):
    """Collects docparse's gauges and counters from ``db`` when scraped."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        with self.db.session() as session:
            by_document = select(DocumentRow.status, func.count()).group_by(DocumentRow.status)
            documents = {str(status): int(n) for status, n in session.execute(by_document)}
            by_page = select(PageRow.status, func.count()).group_by(PageRow.status)
            pages = {str(status): int(n) for status, n in session.execute(by_page)}
            latency = AttemptRow.latency_s
            tried = (
                select(AttemptRow.document_id, AttemptRow.page_number)
                .group_by(AttemptRow.document_id, AttemptRow.page_number)
                .subquery()
            )
            pages_tried = int(session.execute(select(func.count()).select_from(tried)).scalar_one())
            row = session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(latency), 0.0),
                    func.count(latency),
                    func.coalesce(func.sum(AttemptRow.prompt_tokens), 0),
                    func.coalesce(func.sum(AttemptRow.completion_tokens), 0),
                    *(func.sum(case((latency <= bound, 1), else_=0)) for bound in BUCKETS),
                )
            ).one()
        attempts, latency_sum, timed, prompt, completion = (row[i] for i in range(5))
        bucket_counts = [int(v or 0) for v in row[5:]]

        gauge = GaugeMetricFamily("docparse_documents", "Documents by status", labels=["status"])
        for status in get_args(DocumentStatus):
            gauge.add_metric([status], float(documents.get(status, 0)))
        yield gauge
        gauge = GaugeMetricFamily("docparse_pages", "Pages by status", labels=["status"])
        for status in get_args(PageStatus):
            gauge.add_metric([status], float(pages.get(status, 0)))
        yield gauge

        histogram = HistogramMetricFamily(
            "docparse_page_attempt_latency_seconds", "Latency of stored page attempts (inference)"
        )
        buckets = [(_le(bound), float(n)) for bound, n in zip(BUCKETS, bucket_counts, strict=True)]
        histogram.add_metric([], [*buckets, ("+Inf", float(timed))], sum_value=float(latency_sum))
        yield histogram

        tokens = CounterMetricFamily("docparse_tokens", "Model tokens over stored attempts", labels=["kind"])
        tokens.add_metric(["prompt"], float(prompt))
        tokens.add_metric(["completion"], float(completion))
        yield tokens
        yield CounterMetricFamily("docparse_page_attempts", "Stored page attempts", value=float(attempts))
        yield CounterMetricFamily(
            "docparse_page_retries", "Page attempts beyond the first of each page", value=float(attempts - pages_tried)
        )


def _le(bound: float) -> str:
    return str(float(bound))


def registry_for(db: Database) -> CollectorRegistry:
    """A registry with only docparse's database collector (no process metrics: they would be
    this API process's, which says little about the deployment)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(db))
    return registry


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}},
)
async def metrics(request: Request) -> Response:
    """Prometheus text exposition; no API key needed (protect it at the network edge)."""
    state = request.app.state
    registry: CollectorRegistry | None = getattr(state, "metrics_registry", None)
    if registry is None:
        registry = state.metrics_registry = registry_for(state.services.db)
    body = await run_in_threadpool(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
