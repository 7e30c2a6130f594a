"""The FastAPI application: ``create_app(services, settings)``.

Dependencies are injected (:mod:`docparse.api.auth`'s ``get_services`` / ``get_settings`` read
``app.state``), so tests build apps on their own database and broker. The app never loads a
model: uploads are queued by id and processed by workers; it imports no engine runtime, no
torch, no ``docparse.pipeline``.

Routes: ``/v1/documents`` (upload, list, status, pages, page images, export, tables as data,
reprocess, cancel, delete), ``/v1/review`` and the review routes of pages (:mod:`docparse.api.routes_review`),
``/healthz``, ``/readyz``, ``/metrics`` — and the viewer, when
:mod:`docparse.api.viewer` is installed.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from docparse.api import problems
from docparse.api.models import Problem
from docparse.api.openapi import refine
from docparse.api.settings import ApiSettings
from docparse.services import Services

log = logging.getLogger("docparse.api")
API_PREFIX = "/v1"
_PROBLEM = {"model": Problem, "content": {problems.PROBLEM_MEDIA_TYPE: {}}}
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {**_PROBLEM, "description": text}
    for status, text in (
        (401, "missing or invalid API key"),
        (404, "no such document (or not yours)"),
        (422, "invalid request"),
    )
}


def create_app(services: Services | None = None, settings: ApiSettings | None = None) -> FastAPI:
    """The API app over ``services`` (default: :meth:`Services.from_env`) and ``settings``
    (default: :class:`ApiSettings` from the environment). Nothing connects until a request needs it."""
    settings = settings or ApiSettings()
    services = services or Services.from_env()
    if settings.auth_disabled:
        log.warning("API authentication is DISABLED (DOCPARSE_API_AUTH=disabled): every caller is an admin")
    app = FastAPI(
        title="docparse",
        version="1",
        summary="Document intelligence: PDFs and scans -> typed, validated blocks.",
        responses={500: {**_PROBLEM, "description": "unexpected error (details are logged server side)"}},
        dependencies=[Depends(problems.no_nul_characters)],
    )
    app.state.services = services
    app.state.settings = settings
    problems.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["X-API-Key", "Content-Type", "If-Match"],
            expose_headers=["ETag"],
        )
    from docparse.api import (
        metrics,
        routes_documents,
        routes_exports,
        routes_health,
        routes_pages,
        routes_review,
        routes_tables,
        routes_uploads,
    )

    for module in (routes_uploads, routes_documents, routes_pages, routes_exports, routes_review, routes_tables):
        app.include_router(module.router, prefix=API_PREFIX, responses=ERROR_RESPONSES)
    app.include_router(routes_health.router)
    app.include_router(metrics.router)

    def openapi() -> dict[str, Any]:
        """FastAPI's document, with the operator's limits written into the upload body."""
        if app.openapi_schema is None:
            refine(FastAPI.openapi(app), settings.render_limits())
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
    try:
        from docparse.api.viewer import router as viewer_router
    except ImportError:
        log.debug("docparse.api.viewer not installed: no viewer routes")
    else:
        app.include_router(viewer_router)
    return app
