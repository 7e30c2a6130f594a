"""The small public Python API: ``docparse.parse_file(path) -> ParseOutcome``.

No database, queue or GPU needed: the same render -> engine -> parse -> validate path the
workers run, in process. ``engine`` is a name (``auto``, ``pdf-text``, ``transformers``,
``openai``) or an :class:`~docparse.engines.base.Engine` instance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from docparse.engines.base import Engine
from docparse.engines.factory import create_engine
from docparse.engines.settings import EngineSettings
from docparse.pipeline import Backend, ParseOptions, ParseOutcome
from docparse.pipeline import parse_file as _run
from schemas import Page


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
    **overrides: Any,
) -> ParseOutcome:
    """Parse one PDF or image file into a validated :class:`schemas.Document`.

    ``settings`` defaults to :class:`EngineSettings` read from the environment;
    ``overrides`` replace individual settings (``model=``, ``model_spec=``, ``max_pixels=``,
    ``openai_base_url=`` ...). Raises :class:`~docparse.engines.base.EngineUnavailable` when
    the requested engine cannot start; bad files come back as ``failed`` documents.
    """
    notice = None
    if engine is None or isinstance(engine, str):
        base = settings or EngineSettings()
        updates = {k: v for k, v in {**overrides, "engine": engine}.items() if v is not None}
        choice = create_engine(base.model_copy(update=updates))
        engine_obj, notice = choice.engine, choice.notice
    else:
        engine_obj = engine
    options = ParseOptions(pages=pages, password=password, backend=backend, keep_page_images=keep_page_images)
    outcome = _run(Path(path), engine_obj, options, on_open=on_open, on_page=on_page)
    outcome.notice = notice
    return outcome
