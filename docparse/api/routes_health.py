"""``/healthz`` (the process answers) and ``/readyz`` (database, broker and blob store reachable). No API key."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from docparse.api.auth import CurrentServices
from docparse.api.models import Health
from docparse.api.problems import PROBLEM_MEDIA_TYPE, problem
from docparse.services import Services

router = APIRouter(tags=["operations"])
BROKER_TIMEOUT_S = 3.0


def check_database(services: Services) -> str | None:
    """``None`` when ``SELECT 1`` works, else why not (no secrets: the error's class and message)."""
    try:
        with services.db.session() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        return f"database unreachable: {type(exc).__name__}"
    return None


def check_broker(services: Services) -> str | None:
    """``None`` when the broker accepts a connection (or none is configured), else why not."""
    if services.embedded:
        return None
    try:
        with services.app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_S)
    except Exception as exc:
        return f"broker unreachable: {type(exc).__name__}"
    return None


def check_blobs(services: Services) -> str | None:
    """``None`` when the blob store can be used (its folder, or its bucket answering), else why not."""
    try:
        services.blobs.check()
    except Exception as exc:
        return f"blob store unusable: {type(exc).__name__}"
    return None


@router.get("/healthz", response_model=Health, summary="Liveness")
def healthz() -> Health:
    """The process is alive (checks nothing else)."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="Readiness",
    responses={503: {"description": "the database, broker or blob store is unusable (problem details with reasons)"}},
)
async def readyz(services: CurrentServices) -> Health | JSONResponse:
    """Ready when the database answers, the blob store can be used and, with a broker configured,
    the broker accepts a connection."""
    checks_run = [await run_in_threadpool(check, services) for check in (check_database, check_broker, check_blobs)]
    reasons = [r for r in checks_run if r]
    if reasons:
        body = problem(503, "; ".join(reasons), instance="/readyz", kind="not-ready", reasons=reasons)
        return JSONResponse(body, status_code=503, media_type=PROBLEM_MEDIA_TYPE)
    checks = {"database": "ok", "broker": "embedded (none)" if services.embedded else "ok", "blobs": "ok"}
    return Health(status="ok", checks=checks)
