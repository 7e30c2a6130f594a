"""The output policy: how far model output is trusted, as values rather than scattered ifs.

Each attempt on a page is judged from the engine output *and* its parse. A retry ladder
(a tuple of :class:`LadderStep`) says what the next attempt changes; after the last step
the best attempt is kept and the page is marked with the status and reasons of that
attempt. Nothing here does I/O: the pipeline runs the ladder, this module decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from docparse.engines.base import EngineInfo, EngineOutput, GenerationOptions
from docparse.qwenvl import ParseResult
from schemas import Issue, IssueCode, PageStatus

Effect = Literal["ignore", "partial", "retry"]
"""What a parse issue does to a page: nothing (cosmetic repair), makes it ``partial`` (usable
with a recorded repair or loss), or makes it ``partial`` and worth another attempt."""

DEFAULT_EFFECTS: Mapping[IssueCode, Effect] = {
    "fence_stripped": "ignore",
    "prose_stripped": "ignore",
    "root_missing": "ignore",
    "element_empty": "ignore",
    "text_unwrapped": "ignore",
    "retry": "ignore",
    "bbox_missing": "partial",
    "bbox_malformed": "partial",
    "bbox_swapped": "partial",
    "bbox_clamped": "partial",
    "bbox_degenerate": "partial",
    "element_unknown": "partial",
    "table_normalized": "partial",
    "mixed_content": "partial",
    "parse_error": "retry",
    "no_boxes": "retry",
    "no_html": "retry",
    "truncated": "retry",
    "repetition_loop": "retry",
    "stop_length": "retry",
    "stop_loop": "retry",
    "empty_output": "retry",
    "engine_error": "retry",
    "needs_vlm": "ignore",
    "render_error": "ignore",
}

_STATUS_RANK: Mapping[PageStatus, int] = {"ok": 3, "partial": 2, "pending": 1, "failed": 0}


@dataclass(frozen=True)
class LadderStep:
    """One attempt's settings: decoding overrides and, optionally, a lower pixel budget."""

    name: str
    options: GenerationOptions = field(default_factory=GenerationOptions)
    max_pixels: int | None = None


@dataclass(frozen=True)
class Verdict:
    """The judgement of one attempt: page status, the reasons, whether another attempt may help."""

    status: PageStatus
    issues: tuple[Issue, ...]
    retry: bool
    score: tuple[int, int, int]


@dataclass(frozen=True)
class OutputPolicy:
    """The retry ladder and the effect of each issue code. ``ladder[0]`` is the first attempt."""

    ladder: tuple[LadderStep, ...] = (
        LadderStep("default"),
        LadderStep("repetition-penalty", GenerationOptions(repetition_penalty=1.15, temperature=0.0)),
        LadderStep("lower-resolution", GenerationOptions(repetition_penalty=1.1), max_pixels=1024 * 28 * 28),
    )
    effects: Mapping[IssueCode, Effect] = field(default_factory=lambda: dict(DEFAULT_EFFECTS))

    @classmethod
    def single(cls) -> OutputPolicy:
        """One attempt only: for deterministic engines (the text layer), where a retry cannot help."""
        return cls(ladder=(LadderStep("default"),))

    @classmethod
    def for_engine(cls, info: EngineInfo) -> OutputPolicy:
        """The default policy, with a single attempt for deterministic engines."""
        return cls.single() if info.deterministic else cls()

    def judge(self, output: EngineOutput, parsed: ParseResult | None) -> Verdict:
        """Judge one attempt from its engine output and (when there was output) its parse."""
        issues = list(_engine_issues(output))
        if parsed is not None:
            issues.extend(parsed.issues)
        n_blocks = len(parsed.blocks) if parsed is not None else 0
        text_chars = sum(len(b.text) for b in parsed.blocks) if parsed is not None else 0
        effects = {self.effects.get(i.code, "partial") for i in issues}
        status: PageStatus
        if output.stop_reason == "unsupported":
            status = "pending"
        elif n_blocks == 0:
            status = "failed"
        elif effects & {"partial", "retry"}:
            status = "partial"
        else:
            status = "ok"
        retry = output.stop_reason != "unsupported" and (status == "failed" or "retry" in effects)
        n_costly = sum(1 for i in issues if self.effects.get(i.code, "partial") != "ignore")
        return Verdict(status, tuple(issues), retry, (_STATUS_RANK[status], -n_costly, text_chars))

    def should_retry(self, verdict: Verdict, attempt_index: int) -> bool:
        return verdict.retry and attempt_index + 1 < len(self.ladder)


def best_attempt(verdicts: Sequence[Verdict]) -> int:
    """The index of the best judged attempt (highest score; the earliest on ties)."""
    if not verdicts:
        raise ValueError("no attempts to choose from")
    return max(range(len(verdicts)), key=lambda i: (verdicts[i].score, -i))


def _engine_issues(output: EngineOutput) -> list[Issue]:
    if output.stop_reason == "unsupported":
        return [Issue(code="needs_vlm", severity="info", message=output.error or "needs a vision-language model")]
    if output.stop_reason == "error":
        return [Issue(code="engine_error", severity="error", message=output.error or "engine failed")]
    issues: list[Issue] = []
    if output.stop_reason == "length":
        issues.append(Issue(code="stop_length", message="generation hit the token limit; output is truncated"))
    elif output.stop_reason == "loop":
        issues.append(Issue(code="stop_loop", message="generation stopped by the loop guard (repeating output)"))
    if not output.text.strip():
        issues.append(Issue(code="empty_output", severity="error", message="the engine returned no text"))
    return issues
