"""The page viewer: one self-contained HTML page showing a document's pages with their boxes.

``GET /v1/documents/{document_id}/view`` returns the same static page for every document: it
carries no data and needs no key. Its script reads everything from the API with the user's
key — ``GET /v1/documents/{id}``, ``.../pages/{n}`` and ``.../pages/{n}/image``, addressed
relative to the page's own path so a root path or proxy prefix needs no configuration — and
draws every page image with its blocks' boxes (``position:absolute`` in percent of the page
from ``bbox_norm``), coloured by block type with the palette of the static overlay export
(:data:`docparse.export.html_overlay.TYPE_COLORS`, so viewer and export agree). Selecting a
box (a ``<button>``, so it works from the keyboard) shows its text, table, formula, caption or
list in ``#block-details``.

Reviewing (``static/viewer_edit.js``): every page has a toolbar (Save, Accept, Undo, Draw box,
Flag, History) and a selected block an edit form (text, type, table cells on a grid of inputs,
split, merge, reorder, delete); boxes move and resize by dragging. Pages are read from
``.../pages/{n}/review`` with their ETag and written back with ``If-Match`` (see
:mod:`docparse.api.routes_review`); a conflict keeps the local edits and says so.

The API key flows like this: ``/v1/documents/{id}/view#key=...`` — the fragment never leaves
the browser — is read once, removed from the address bar with ``history.replaceState`` and
kept in ``sessionStorage`` for the tab; every ``fetch`` sends it as ``X-API-Key``; images are
fetched the same way and shown through ``URL.createObjectURL``, so ``<img>`` needs no header
and no key ever appears in a URL. A 401 shows a small key form (and a refused key says so).

The CSS (``static/viewer.css``) and script (``static/viewer.js``) are inlined into
``static/viewer.html``; nothing is loaded from anywhere else. The Content-Security-Policy
(header and ``<meta>``) allows only that: the inline script by its sha256 hash (stricter than
``'unsafe-inline'``), inline styles, ``blob:``/``data:`` images and ``fetch`` to this origin.
Model output is untrusted: the script inserts every value as text, never as HTML.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from docparse.export.html_overlay import TYPE_COLORS

__all__ = ["SCRIPTS", "STATIC_DIR", "ViewerPage", "router", "viewer_page"]

STATIC_DIR = Path(__file__).with_name("static")
"""Where ``viewer.html``, ``viewer.css`` and ``viewer.js`` live."""
SCRIPTS = ("viewer.js", "viewer_edit.js")
"""The script files, inlined in this order into the page's one ``<script>`` (the review editor
of ``viewer_edit.js`` is a function declaration that ``viewer.js`` calls)."""

_META_CSP = (
    "default-src 'none'; img-src blob: data:; style-src 'unsafe-inline'; script-src {script}; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'"
)

router = APIRouter(tags=["viewer"])


@dataclass(frozen=True)
class ViewerPage:
    """The assembled viewer page and the Content-Security-Policy that fits it."""

    html: str
    csp: str
    """The policy for the response header: the ``<meta>`` one plus what only a header can say."""


def _script_json(value: object) -> str:
    """JSON safe inside a ``<script type="application/json">`` element (no ``<``, ``>``, ``&``)."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@cache
def viewer_page() -> ViewerPage:
    """Build the page once: inline the CSS, the script and the palette; hash the script for the CSP."""
    template = (STATIC_DIR / "viewer.html").read_text(encoding="utf-8")
    css = (STATIC_DIR / "viewer.css").read_text(encoding="utf-8")
    parts = [(STATIC_DIR / name).read_text(encoding="utf-8") for name in SCRIPTS]
    script = "\n" + "\n".join(parts) + "\n"
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    meta_csp = _META_CSP.format(script=f"'sha256-{digest}'")
    html = (
        template.replace("@CSP@", meta_csp)
        .replace("@CSS@", css)
        .replace("@CONFIG@", _script_json({"colors": TYPE_COLORS}))
        .replace("\n@JS@\n", script)
    )
    if script not in html:  # pragma: no cover - guards the template against an edited placeholder
        raise RuntimeError("viewer.html lost its @JS@ placeholder line")
    return ViewerPage(html=html, csp=meta_csp + "; frame-ancestors 'none'")


@router.get(
    "/v1/documents/{document_id}/view",
    response_class=HTMLResponse,
    summary="The page viewer of a document (HTML)",
    description=(
        "A self-contained page that shows every page image with its blocks' boxes. It carries no "
        "data and needs no key; its script fetches the document with the key from the URL fragment "
        "(`#key=...`), the tab's session storage or a form, sent as `X-API-Key`."
    ),
)
def view_document(document_id: Annotated[str, PathParam(min_length=1, max_length=256)]) -> HTMLResponse:
    """The viewer page (identical for every document: the script reads the id from its own path)."""
    page = viewer_page()
    return HTMLResponse(
        page.html,
        headers={
            "Content-Security-Policy": page.csp,
            "Cache-Control": "no-cache",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
        },
    )
