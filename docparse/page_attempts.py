"""Running the retry ladder over a chunk of pages and keeping every attempt.

:class:`PageRun` holds one page's render and attempts; :func:`run_ladder` sends each
ladder step's still-unfinished pages to the engine together (one ``infer`` call per step,
so batching engines and HTTP engines see many pages at once). The decisions come from
:mod:`docparse.policy`; this module only carries them out and records the evidence.

Cancellation (:mod:`docparse.cancellation`): a page's render and every ladder step take the
caller's token; a set token stops the ladder before the next step (and the render child or
the engine call in progress, where they can be interrupted) with
:class:`~docparse.cancellation.Cancelled`. The interrupted step records nothing, so an
interrupted page never carries a half attempt; pages whose ladder had already ended keep
their result (``done``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog

from docparse.cancellation import Cancellation, Cancelled, check
from docparse.engines.base import Engine, EngineInfo, EngineOutput, GenerationOptions, PageInput, infer_pages
from docparse.policy import LadderStep, OutputPolicy, Verdict, best_attempt
from docparse.qwenvl import ParseResult, parse_qwenvl_html
from docparse.render import OpenedDocument, RenderedPage, RenderError, encode_image
from schemas import Attempt, Issue, Page, PageGeometry

log = structlog.get_logger("docparse.pipeline")


@dataclass
class _Record:
    attempt: Attempt
    verdict: Verdict
    parsed: ParseResult | None
    geometry: PageGeometry


@dataclass
class PageRun:
    """One page on its way through the ladder."""

    number: int
    document_id: str
    opened: OpenedDocument
    rendered: RenderedPage | None = None
    render_error: str | None = None
    records: list[_Record] = field(default_factory=list)
    done: bool = False
    image_bytes: tuple[bytes, str] | None = None
    password: str | None = None
    cancel: Cancellation | None = None
    """Stops a render in progress (the render child is killed): :class:`Cancelled` propagates."""

    @classmethod
    def start(
        cls,
        opened: OpenedDocument,
        number: int,
        info: EngineInfo,
        document_id: str,
        password: str | None = None,
        cancel: Cancellation | None = None,
    ) -> PageRun:
        """Render the page for ``info``'s pixel budget; raises :class:`Cancelled` when ``cancel``
        is set before or while it renders."""
        check(cancel)
        run = cls(number=number, document_id=document_id, opened=opened, password=password, cancel=cancel)
        run._render(info.min_pixels, info.max_pixels, info.patch_factor)
        return run

    def _render(self, min_pixels: int, max_pixels: int, factor: int) -> None:
        try:
            self.rendered = self.opened.render_page(
                self.number - 1, min_pixels=min_pixels, max_pixels=max_pixels, factor=factor, cancel=self.cancel
            )
        except RenderError as exc:
            self.rendered, self.render_error, self.done = None, str(exc), True
            log.warning("page.render_failed", page=self.number, reason=str(exc))

    def prepare(self, step: LadderStep, info: EngineInfo) -> None:
        """Re-render at a lower pixel budget when the step asks for one."""
        if step.max_pixels is None or self.rendered is None:
            return
        budget = max(info.min_pixels, min(step.max_pixels, info.max_pixels))
        geometry = self.rendered.geometry
        if geometry.model_width * geometry.model_height > budget:
            self._render(info.min_pixels, budget, info.patch_factor)

    def page_input(self) -> PageInput:
        assert self.rendered is not None
        r = self.rendered
        return PageInput(
            image=r.image,
            model_width=r.geometry.model_width,
            model_height=r.geometry.model_height,
            pdf_path=r.pdf_path,
            pdf_page_index=r.pdf_page_index,
            pdf_password=self.password,
        )

    def keep_image(self, sent: tuple[bytes, str] | None = None) -> None:
        """Keep the page image (once, the first step's): the exact bytes the engine sent to the
        model when it encoded the page (``sent``), else a JPEG (q85) of the rendered page."""
        if self.image_bytes is None and sent is not None:
            self.image_bytes = sent
        elif self.image_bytes is None and self.rendered is not None:
            self.image_bytes = (encode_image(self.rendered.image, "jpeg", quality=85), "image/jpeg")

    def record(
        self, index: int, step: LadderStep, output: EngineOutput, info: EngineInfo, policy: OutputPolicy
    ) -> None:
        assert self.rendered is not None
        geometry = self.rendered.geometry
        parsed = None
        if output.text.strip():
            parsed = parse_qwenvl_html(
                output.text, geometry, info.convention, page=self.number, document_id=self.document_id
            )
        verdict = policy.judge(output, parsed)
        attempt = Attempt(
            index=index,
            engine=info.name,
            model=info.model,
            model_revision=info.model_revision,
            spec=info.spec,
            prompt_version=info.prompt_version,
            convention=info.convention,
            model_width=geometry.model_width,
            model_height=geometry.model_height,
            settings={"step": step.name, **step.options.as_settings()},
            output=output.text,
            stop_reason=output.stop_reason,
            error=output.error,
            prompt_tokens=output.prompt_tokens,
            completion_tokens=output.completion_tokens,
            latency_s=output.latency_s,
        )
        self.records.append(_Record(attempt, verdict, parsed, geometry))
        self.done = not policy.should_retry(verdict, index)

    def to_page(self, info: EngineInfo) -> Page:
        """The page with the best attempt's blocks, status and reasons, and every attempt."""
        if not self.records:
            message = self.render_error or "the page was not processed"
            issue = Issue(code="render_error", severity="error", message=message)
            return Page(number=self.number, status="failed", engine=info.name, model=info.model, issues=[issue])
        chosen = best_attempt([r.verdict for r in self.records])
        attempts = [r.attempt.model_copy(update={"chosen": i == chosen}) for i, r in enumerate(self.records)]
        best = self.records[chosen]
        issues = list(best.verdict.issues)
        if len(self.records) > 1:
            step = attempts[chosen].settings["step"]
            message = f"{len(self.records)} attempts; kept attempt {chosen} ({step})"
            issues.append(Issue(code="retry", severity="info", message=message))
        return Page(
            number=self.number,
            geometry=best.geometry,
            status=best.verdict.status,
            engine=info.name,
            model=info.model,
            issues=issues,
            blocks=list(best.parsed.blocks) if best.parsed is not None else [],
            attempts=attempts,
        )


def run_ladder(
    chunk: list[PageRun],
    engine: Engine,
    policy: OutputPolicy,
    *,
    keep_image: bool = False,
    cancel: Cancellation | None = None,
) -> None:
    """Run every ladder step over the pages of ``chunk`` that still need an attempt.

    Raises :class:`Cancelled` once ``cancel`` is set: before a step starts, during its
    re-render, or after an engine call that returned with the token set (that call's
    outputs are dropped, never recorded). Pages already ``done`` keep their result."""
    info = engine.info
    for index, step in enumerate(policy.ladder):
        active = [run for run in chunk if not run.done and run.rendered is not None]
        if not active:
            break
        check(cancel)  # a safe point: between two attempts, nothing half recorded
        for run in active:
            run.prepare(step, info)
        active = [run for run in active if run.rendered is not None]
        outputs = _infer(engine, [run.page_input() for run in active], step.options, cancel)
        for run, output in zip(active, outputs, strict=True):
            if keep_image:
                run.keep_image(output.image)  # before record(): the image the model saw at this step
            run.record(index, step, output, info, policy)


def _infer(
    engine: Engine, inputs: list[PageInput], options: GenerationOptions, cancel: Cancellation | None = None
) -> list[EngineOutput]:
    """The engine's outputs; an engine that breaks its no-raise contract fails only these pages.
    :class:`Cancelled` (the token was set during the call) propagates."""
    if not inputs:
        return []
    try:
        outputs = infer_pages(engine, inputs, options, cancel)
    except Cancelled:
        raise
    except Exception as exc:
        log.exception("engine.raised", engine=engine.info.name)
        return [EngineOutput(text="", stop_reason="error", error=f"{type(exc).__name__}: {exc}") for _ in inputs]
    if len(outputs) != len(inputs):
        error = f"engine returned {len(outputs)} outputs for {len(inputs)} pages"
        return [EngineOutput(text="", stop_reason="error", error=error) for _ in inputs]
    return outputs
