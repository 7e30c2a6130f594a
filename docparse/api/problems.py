"""RFC 9457 problem details: every error leaves the API as ``application/problem+json``.

Routes raise :class:`ProblemError` (or a Starlette ``HTTPException``); FastAPI's request
validation errors become ``422`` problems listing the invalid fields; anything unexpected is
logged here with its traceback and answered with a bare ``500`` problem (no details leak).
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from docparse.api.models import Problem

log = logging.getLogger("docparse.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://docparse.dev/problems/"


class ProblemError(Exception):
    """An error answered as a problem: ``status``, a short ``detail``, optional extra members
    (``errors`` ...) and headers (``WWW-Authenticate`` ...). ``kind`` names the problem type."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.title = title
        self.headers = headers
        self.extra = extra


def problem(
    status: int, detail: str | None, *, instance: str, kind: str | None = None, title: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The problem-details body (a plain dict, for per-file entries of a multi-file upload too)."""
    phrase = _phrase(status)
    body = Problem(
        type=TYPE_BASE + (kind or phrase.lower().replace(" ", "-").replace("'", "")),
        title=title or phrase,
        status=status,
        detail=detail,
        instance=instance,
    ).model_dump()
    body.update(extra)
    return body


def problem_responses(*entries: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for problem answers: ``(status, description)`` -> the problem schema
    under ``application/problem+json`` (the content type these responses really have)."""
    return {
        status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": text} for status, text in entries
    }


def problem_response(
    request: Request, status: int, detail: str | None, *, headers: dict[str, str] | None = None, **kw: Any
) -> JSONResponse:
    """A problem-details response for ``request``."""
    return JSONResponse(
        problem(status, detail, instance=request.url.path, **kw),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _problem_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request, exc.status, exc.detail, headers=exc.headers, kind=exc.kind, title=exc.title, **exc.extra
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
        headers = {**(headers or {}), "Allow": allowed_methods(request, (headers or {}).get("Allow", ""))}
    return problem_response(request, exc.status_code, detail, headers=headers)


def allowed_methods(request: Request, fallback: str = "") -> str:
    """Every method the OpenAPI document gives this path (``Allow`` of a 405, RFC 9110), so the
    header and the document agree. Starlette's own header names only the methods of the first
    route that matched the path, not those of the other routes at the same path."""
    patterns: list[tuple[re.Pattern[str], set[str]]] | None = getattr(request.app.state, "allow_patterns", None)
    if patterns is None:
        patterns = []
        for template, operations in request.app.openapi().get("paths", {}).items():
            regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            methods = {m.upper() for m in operations if m in ("get", "put", "post", "delete", "patch")}
            patterns.append((re.compile(regex + "$"), methods | ({"HEAD"} if "GET" in methods else set())))
        request.app.state.allow_patterns = patterns
    path = request.scope.get("path", "")
    found = set().union(*(methods for pattern, methods in patterns if pattern.match(path)))
    return ", ".join(sorted(found)) if found else fallback


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [str(part) for part in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        for err in exc.errors()
    ]
    where = ", ".join(".".join(e["loc"]) for e in errors[:5]) or "the request"
    return problem_response(
        request, 422, f"invalid request: {where}", kind="validation-error", title="Invalid request", errors=errors
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, "an unexpected error occurred; it has been logged")


def no_nul_characters(request: Request) -> None:
    """A dependency of every route. Nothing docparse stores holds a NUL character (NULs are
    replaced on the way in), and PostgreSQL refuses one in a text comparison — unchecked, a filter
    like ``?batch=%00`` was a 500. So a path parameter holding one names nothing (404), and a query
    parameter holding one is invalid (422; the OpenAPI document says so with a ``pattern``)."""
    if any(isinstance(v, str) and "\x00" in v for v in request.path_params.values()):
        raise ProblemError(404, "no such resource (a path parameter holds a NUL character)")
    errors = [
        {"loc": ["query", name], "msg": "must not contain NUL characters", "type": "value_error"}
        for name, value in request.query_params.multi_items()
        if "\x00" in value
    ]
    if errors:
        raise RequestValidationError(errors)


def install(app: FastAPI) -> None:
    """Register the problem handlers on ``app``."""
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
