"""One document, end to end, in process: render -> infer -> parse -> validate.

:func:`parse_document` runs a file through a given engine with explicit options;
:func:`parse_file` (also ``docparse.parse_file``) is the small public API over it that builds
the engine from a name and settings. Workers call :func:`process_pages` for their page batches.

The engine and the options are passed in; nothing here reads settings, touches a
database or a queue. The result is a :class:`schemas.Document` whose pages carry their own
status and reasons: a bad page never fails its document, and a bad *file* (corrupt,
encrypted, not a document) yields a ``failed`` document with the reason rather than an
exception. Every attempt's raw output is kept on its page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from docparse.cancellation import Cancellation, Cancelled
from docparse.document import analyse
from docparse.engines.base import Engine, EngineInfo, reads_packed_pixels
from docparse.engines.factory import create_engine
from docparse.engines.settings import EngineSettings
from docparse.identity import ResolvedSettings, identity_of, resolve
from docparse.page_attempts import PageRun, run_ladder
from docparse.policy import OutputPolicy
from docparse.render import (
    HEAD_BYTES,
    Backend,
    OpenedDocument,
    RenderError,
    RenderLimits,
    open_document,
    sniff_media_type,
)
from schemas import Document, Page, derive_document_status, document_key

log = structlog.get_logger("docparse.pipeline")


class PageSelectionError(ValueError):
    """A ``--pages`` selection that does not fit the document."""


@dataclass(frozen=True)
class ParseOptions:
    """Explicit options of one run. ``pages`` are 1-based page numbers (``None``: all)."""

    pages: Sequence[int] | None = None
    password: str | None = None
    backend: Backend = "pymupdf"
    limits: RenderLimits = field(default_factory=RenderLimits)
    policy: OutputPolicy | None = None  # None: OutputPolicy.for_engine(engine.info)
    chunk_size: int = 8
    keep_page_images: bool = False
    identity: ResolvedSettings | None = None  # the resolved settings, when the caller has them


@dataclass
class ParseOutcome:
    """The document, plus the page images the model saw when ``keep_page_images`` was set."""

    document: Document
    page_images: dict[int, tuple[bytes, str]] = field(default_factory=dict)
    notice: str | None = None


def policy_for(info: EngineInfo, options: ParseOptions) -> OutputPolicy:
    return options.policy if options.policy is not None else OutputPolicy.for_engine(info)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def settings_fingerprint(info: EngineInfo, options: ParseOptions) -> str:
    """The fingerprint of a run: of ``options.identity`` when the caller resolved the settings
    (as :func:`parse_file` and intake do), else of what the engine reports about itself; a
    custom retry ladder enters it too (see :mod:`docparse.identity`)."""
    identity = options.identity or identity_of(info, options.backend)
    ladder = None if options.policy is None else [repr(step) for step in options.policy.ladder]
    return identity.fingerprint(ladder)


def parse_document(
    path: Path,
    engine: Engine,
    options: ParseOptions | None = None,
    *,
    on_page: Callable[[Page], None] | None = None,
    on_open: Callable[[int], None] | None = None,
) -> ParseOutcome:
    """Parse one file with ``engine``. Never raises for bad input; see the module docstring.

    ``on_open`` receives the number of pages that will be processed, ``on_page`` each
    finished page (for progress bars). Raises :class:`PageSelectionError` only for a page
    selection outside the document.
    """
    opts = options or ParseOptions()
    path = Path(path)
    now = datetime.now(UTC)
    sha = sha256_file(path)
    fingerprint = settings_fingerprint(engine.info, opts)
    with path.open("rb") as fh:
        media_type = sniff_media_type(fh.read(HEAD_BYTES)) or "application/octet-stream"
    document_id = document_key(sha, fingerprint)
    base: dict[str, Any] = {
        "id": document_id,
        "sha256": sha,
        "filename": path.name,
        "media_type": media_type,
        "settings_fingerprint": fingerprint,
        "created_at": now,
    }
    try:
        opened = open_document(path, password=opts.password, limits=opts.limits, backend=opts.backend)
    except RenderError as exc:
        log.warning("document.failed", file=str(path), reason=str(exc))
        return ParseOutcome(
            Document(**base, page_count=0, status="failed", error=str(exc), updated_at=datetime.now(UTC))
        )
    with opened:
        numbers = select_pages(opts.pages, opened.page_count)
        if on_open is not None:
            on_open(len(numbers))
        outcome = ParseOutcome(
            Document(**base, page_count=opened.page_count, status="running", updated_at=now),
        )
        for page, image in process_pages(opened, numbers, engine, opts, document_id):
            outcome.document.pages.append(page)
            if image is not None:
                outcome.page_images[page.number] = image
            log.info("page.done", file=path.name, page=page.number, status=page.status, blocks=len(page.blocks))
            if on_page is not None:
                on_page(page)
    doc = outcome.document
    doc.status = derive_document_status(p.status for p in doc.pages)
    doc.structure = analyse(doc)  # the document-level pass, once every page is done
    doc.updated_at = datetime.now(UTC)
    return outcome


def select_pages(pages: Sequence[int] | None, page_count: int) -> list[int]:
    """Validate a 1-based page selection against the document (``None``: every page)."""
    if pages is None:
        return list(range(1, page_count + 1))
    bad = [p for p in pages if not 1 <= p <= page_count]
    if bad:
        raise PageSelectionError(f"page(s) {', '.join(map(str, bad))} outside the document (1-{page_count})")
    return sorted(set(pages))


def parse_page_ranges(spec: str) -> list[int]:
    """``"1-3,7"`` -> ``[1, 2, 3, 7]``; raises :class:`PageSelectionError` on bad syntax."""
    numbers: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            start, end = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise PageSelectionError(f"bad page range {part!r}: use e.g. 1-3,7") from None
        if start < 1 or end < start:
            raise PageSelectionError(f"bad page range {part!r}: pages start at 1 and ranges go upwards")
        numbers.update(range(start, end + 1))
    if not numbers:
        raise PageSelectionError("empty page selection")
    return sorted(numbers)


def process_pages(
    opened: OpenedDocument,
    numbers: Sequence[int],
    engine: Engine,
    opts: ParseOptions,
    document_id: str,
    *,
    cancel: Cancellation | None = None,
) -> Iterator[tuple[Page, tuple[bytes, str] | None]]:
    """Each page of ``numbers`` (1-based) as a finished :class:`Page`, with its image when
    ``opts.keep_page_images``. Pages go in chunks of ``opts.chunk_size`` (bounded memory),
    each chunk through the retry ladder together. Workers call this for their page batches.

    ``cancel`` (:mod:`docparse.cancellation`) stops the work at the next safe point — before
    a page renders, while the render child draws, between ladder attempts, inside an engine
    call that can be interrupted: the pages of the chunk whose ladder had already ended are
    yielded, then :class:`~docparse.cancellation.Cancelled` is raised. An interrupted page is
    never yielded (not even as failed): the caller still holds it, unprocessed.
    """
    size = max(1, opts.chunk_size)
    policy = policy_for(engine.info, opts)
    opened.packed_pages = reads_packed_pixels(engine)  # the layout the engine reads: no pixel copies
    for start in range(0, len(numbers), size):
        chunk: list[PageRun] = []
        try:
            for n in numbers[start : start + size]:
                chunk.append(PageRun.start(opened, n, engine.info, document_id, opts.password, cancel))
            run_ladder(chunk, engine, policy, keep_image=opts.keep_page_images, cancel=cancel)
        except Cancelled:
            for run in chunk:
                if run.done:  # its ladder ended before the interruption: a result like any other
                    yield run.to_page(engine.info), run.image_bytes
            raise
        for run in chunk:
            yield run.to_page(engine.info), run.image_bytes


def parse_file(
    path: str | Path,
    *,
    engine: str | Engine | None = None,
    pages: Sequence[int] | None = None,
    password: str | None = None,
    backend: Backend = "pymupdf",
    keep_page_images: bool = False,
    settings: EngineSettings | None = None,
    on_open: Callable[[int], None] | None = None,
    on_page: Callable[[Page], None] | None = None,
    limits: RenderLimits | None = None,
    **overrides: Any,
) -> ParseOutcome:
    """Parse one PDF or image file into a validated :class:`schemas.Document`.

    ``settings`` defaults to :class:`EngineSettings` read from the environment;
    ``overrides`` replace individual settings (``model=``, ``model_spec=``, ``max_pixels=``,
    ``openai_base_url=`` ...); ``limits`` bound what a page may cost (default
    :class:`RenderLimits`). Raises :class:`~docparse.engines.base.EngineUnavailable` when
    the requested engine cannot start; bad files come back as ``failed`` documents.
    """
    notice = None
    identity = None
    if engine is None or isinstance(engine, str):
        base = settings or EngineSettings()
        updates = {k: v for k, v in {**overrides, "engine": engine}.items() if v is not None}
        identity = resolve(base.model_copy(update=updates), backend)
        choice = create_engine(base.model_copy(update=updates))  # resolves ``auto`` by the same rule
        engine_obj, notice = choice.engine, choice.notice
    else:
        engine_obj = engine
    options = ParseOptions(
        pages=pages,
        password=password,
        backend=backend,
        keep_page_images=keep_page_images,
        identity=identity,
        limits=limits or RenderLimits(),
    )
    outcome = parse_document(Path(path), engine_obj, options, on_open=on_open, on_page=on_page)
    outcome.notice = notice
    return outcome
