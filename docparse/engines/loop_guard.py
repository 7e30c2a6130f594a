"""Stop a generated sequence whose tail repeats itself (the "same line until the token limit" failure).

:func:`repeating_period` is the pure test on a token sequence. :class:`LoopGuard` applies it to
every row of a batch at each decoding step; ``transformers`` calls it as a stopping criterion
and it answers with one bool per row (supported since transformers 4.39), so one looping page
ends while the others in its batch go on. It records which rows it stopped and after how many
generated tokens, which the engine turns into the stop reason ``loop``.

Heavy imports (torch, numpy) happen inside the call, never at import time.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LoopGuardConfig:
    """When a tail counts as a loop.

    The last ``span`` tokens form a loop when they are ``period``-periodic for some
    ``period <= max_period``, where ``span = max(min_repeats * period, min_span)``: a long
    period must repeat ``min_repeats`` times; a short one must also cover ``min_span`` tokens
    (so 30 legitimate empty table cells or a run of spaces do not count). ``enabled=False``
    turns the guard off.
    """

    max_period: int = 128
    min_repeats: int = 4
    min_span: int = 256
    enabled: bool = True

    def span(self, period: int) -> int:
        return max(self.min_repeats * period, self.min_span)

    @property
    def window(self) -> int:
        """How many trailing tokens the longest check looks at."""
        return self.span(self.max_period)


def repeating_period(tokens: Sequence[int], config: LoopGuardConfig | None = None) -> int | None:
    """The smallest period with which the tail of ``tokens`` loops under ``config``, else ``None``."""
    import numpy as np

    cfg = config or LoopGuardConfig()
    tail = np.asarray(tokens[-cfg.window :], dtype=np.int64)[::-1]  # most recent first
    n = tail.shape[0]
    if n < cfg.span(1):
        return None
    # Candidate periods p have tail[p] == tail[0]; only those need the full comparison.
    upper = min(cfg.max_period, n - 1)
    candidates = np.flatnonzero(tail[1 : upper + 1] == tail[0]) + 1
    for p in candidates.tolist():
        need = cfg.span(p)
        if need > n:
            break
        if np.array_equal(tail[p:need], tail[: need - p]):
            return int(p)
    return None


@dataclass
class LoopGuard:
    """A per-row stopping criterion for ``model.generate(stopping_criteria=[guard])``.

    ``prompt_length`` is the (padded) prompt width: only tokens after it are checked.
    ``finished_ids`` (EOS and pad ids) mark rows generation has already finished, whose pad
    filling must not be mistaken for a loop. After generation ``fired`` maps each stopped row to
    the number of generated tokens at which it was stopped (the repeating tail included).
    """

    prompt_length: int
    config: LoopGuardConfig = field(default_factory=LoopGuardConfig)
    finished_ids: Collection[int] = ()
    fired: dict[int, int] = field(default_factory=dict)

    def __call__(self, input_ids: Any, scores: Any = None, **kwargs: Any) -> Any:
        import torch

        batch = input_ids.shape[0]
        done = torch.zeros(batch, dtype=torch.bool, device=input_ids.device)
        generated = input_ids.shape[1] - self.prompt_length
        if not self.config.enabled or generated < self.config.span(1):
            return done
        tails = input_ids[:, -min(generated, self.config.window) :].tolist()
        for row, tail in enumerate(tails):
            if row in self.fired:
                done[row] = True
                continue
            if tail[-1] in self.finished_ids:
                continue
            if repeating_period(tail, self.config) is not None:
                self.fired[row] = generated
                done[row] = True
        return done
