"""The engine contract: page images + prompt in, text + stop reason + token usage out.

An engine never sees pages as documents, blocks, storage or queues. Heavy imports (torch,
transformers, httpx clients) happen lazily inside the runtime modules, never here.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from docparse.cancellation import Cancellation, Cancelled
from schemas import CoordinateConvention, StopReason

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image


@dataclass(frozen=True)
class PageInput:
    """One page as an engine receives it.

    ``image`` is RGB at exactly ``model_width`` x ``model_height`` (the ``smart_resize``
    size: the model's processor must not resample it again). For PDF pages ``pdf_path`` and
    ``pdf_page_index`` (0-based) let a text-layer engine read the source page; the page's
    displayed box (after /Rotate and the crop box) maps linearly onto the image.
    """

    image: Image.Image | None
    model_width: int
    model_height: int
    pdf_path: Path | None = None
    pdf_page_index: int | None = None
    pdf_password: str | None = None


@dataclass(frozen=True)
class GenerationOptions:
    """Per-attempt overrides of a spec's decoding settings (a retry-ladder step sets these)."""

    max_new_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    repetition_penalty: float | None = None

    def as_settings(self) -> dict[str, float | int | None]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class EngineOutput:
    """What an engine returns for one page. ``text`` is the raw model output, never altered."""

    text: str
    stop_reason: StopReason
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float = 0.0
    error: str | None = None
    image: tuple[bytes, str] | None = field(default=None, repr=False, compare=False)
    """The page image as the engine encoded it for the model (bytes, media type), when it
    encodes one (HTTP engines): the pipeline keeps these exact bytes as the page image."""


@dataclass(frozen=True)
class EngineInfo:
    """What produced a result: recorded on every attempt.

    ``min_pixels``/``max_pixels``/``patch_factor`` are the budget and rounding of the model
    input size (``smart_resize``) the pipeline renders pages to for this engine.
    ``deterministic`` engines (the text layer) give the same output on every attempt, so the
    output policy does not retry them.
    """

    name: str
    model: str | None
    convention: CoordinateConvention
    min_pixels: int
    max_pixels: int
    model_revision: str | None = None
    spec: str | None = None
    prompt_version: str | None = None
    patch_factor: int = 28
    deterministic: bool = False
    extra: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Engine(Protocol):
    """A runtime that turns page images into QwenVL HTML (or an equivalent text)."""

    @property
    def info(self) -> EngineInfo: ...

    def infer(self, pages: Sequence[PageInput], options: GenerationOptions | None = None) -> list[EngineOutput]:
        """One output per input page, in order. Failures of one page are an ``error`` output, not a raise.

        An engine that can be interrupted also takes a keyword-only ``cancel:
        Cancellation | None = None`` (see :func:`infer_pages`): once the token is set it
        returns as soon as it can, or raises :class:`~docparse.cancellation.Cancelled`;
        whatever it returns from such a call is discarded by the caller."""
        ...


def reads_packed_pixels(engine: Engine) -> bool:
    """Whether ``engine`` reads its page images as packed RGB (an optional ``reads_packed_pixels``
    attribute; the ``openai`` engine's ``png`` encoding does), so pages are rendered in that
    layout (:attr:`docparse.render.OpenedDocument.packed_pages`); else in Pillow's."""
    return bool(getattr(engine, "reads_packed_pixels", False))


_ACCEPTS_CANCEL: dict[type, bool] = {}


def accepts_cancel(engine: Engine) -> bool:
    """Whether ``engine.infer`` takes the ``cancel`` keyword (checked once per engine class)."""
    kind = type(engine)
    known = _ACCEPTS_CANCEL.get(kind)
    if known is None:
        try:
            known = "cancel" in inspect.signature(engine.infer).parameters
        except (TypeError, ValueError):  # no signature to read: call it the plain way
            known = False
        _ACCEPTS_CANCEL[kind] = known
    return known


def infer_pages(
    engine: Engine,
    pages: Sequence[PageInput],
    options: GenerationOptions | None = None,
    cancel: Cancellation | None = None,
) -> list[EngineOutput]:
    """``engine.infer(pages, options)``, handing it ``cancel`` when it takes one (engines
    written before cancellation existed keep working: they just run each call to its end).

    Raises :class:`~docparse.cancellation.Cancelled` when ``cancel`` was set by the time the
    call returned: its outputs may be cut short by the interruption and are never used."""
    if cancel is not None and accepts_cancel(engine):
        outputs = engine.infer(pages, options, cancel=cancel)  # type: ignore[call-arg]
    else:
        outputs = engine.infer(pages, options)
    if cancel is not None and cancel.is_set():
        raise Cancelled(cancel.reason or "cancelled")
    return outputs


class EngineUnavailable(RuntimeError):
    """The engine cannot start (weights missing, server unreachable, package missing).

    The message is meant for the user: what is missing, where it was looked for, how to fix it.
    """
