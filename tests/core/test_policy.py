"""The output policy: judging attempts, the retry ladder as a value, choosing the best attempt."""

from __future__ import annotations

import pytest

from docparse.engines.base import EngineInfo, EngineOutput
from docparse.policy import LadderStep, OutputPolicy, best_attempt
from docparse.qwenvl import ParseResult
from schemas import Issue, ParagraphBlock


def _parsed(*codes: str, blocks: int = 1) -> ParseResult:
    return ParseResult(
        blocks=[ParagraphBlock(id=f"d:p1:b{i}", page=1, order=i, text="text") for i in range(blocks)],
        issues=[Issue(code=c, message=c) for c in codes],  # type: ignore[arg-type]
    )


POLICY = OutputPolicy()


def test_clean_output_is_ok_and_not_retried() -> None:
    verdict = POLICY.judge(EngineOutput(text="<p>x</p>", stop_reason="stop"), _parsed())
    assert (verdict.status, verdict.retry) == ("ok", False)


def test_cosmetic_repairs_keep_a_page_ok() -> None:
    verdict = POLICY.judge(EngineOutput(text="x", stop_reason="stop"), _parsed("fence_stripped", "element_empty"))
    assert verdict.status == "ok"
    assert {i.code for i in verdict.issues} == {"fence_stripped", "element_empty"}


def test_box_repairs_make_a_page_partial_without_retry() -> None:
    verdict = POLICY.judge(EngineOutput(text="x", stop_reason="stop"), _parsed("bbox_swapped"))
    assert (verdict.status, verdict.retry) == ("partial", False)


@pytest.mark.parametrize("stop", ["length", "loop"])
def test_truncated_or_looping_generation_is_partial_and_retried(stop: str) -> None:
    verdict = POLICY.judge(EngineOutput(text="x", stop_reason=stop), _parsed())  # type: ignore[arg-type]
    assert (verdict.status, verdict.retry) == ("partial", True)
    assert f"stop_{stop}" in {i.code for i in verdict.issues}


def test_engine_error_fails_the_page_and_is_retried() -> None:
    verdict = POLICY.judge(EngineOutput(text="", stop_reason="error", error="CUDA OOM"), None)
    assert (verdict.status, verdict.retry) == ("failed", True)
    assert verdict.issues[0].message == "CUDA OOM"


def test_unsupported_page_is_pending_and_never_retried() -> None:
    verdict = POLICY.judge(
        EngineOutput(text="", stop_reason="unsupported", error="needs a vision-language model"), None
    )
    assert (verdict.status, verdict.retry) == ("pending", False)
    assert verdict.issues[0].code == "needs_vlm"


def test_empty_output_fails() -> None:
    verdict = POLICY.judge(EngineOutput(text="   ", stop_reason="stop"), None)
    assert verdict.status == "failed"
    assert "empty_output" in {i.code for i in verdict.issues}


def test_retry_stops_at_the_end_of_the_ladder() -> None:
    verdict = POLICY.judge(EngineOutput(text="x", stop_reason="length"), _parsed())
    assert POLICY.should_retry(verdict, 0)
    assert not POLICY.should_retry(verdict, len(POLICY.ladder) - 1)
    assert not OutputPolicy.single().should_retry(verdict, 0)


def test_deterministic_engines_get_a_single_attempt() -> None:
    model = EngineInfo(name="x", model="m", convention="qwen2.5-absolute", min_pixels=1, max_pixels=2)
    assert len(OutputPolicy.for_engine(model).ladder) == 3
    info = EngineInfo(
        name="t", model=None, convention="qwen2.5-absolute", min_pixels=1, max_pixels=2, deterministic=True
    )
    assert len(OutputPolicy.for_engine(info).ladder) == 1


def test_best_attempt_prefers_status_then_fewer_costly_issues_then_more_text() -> None:
    failed = POLICY.judge(EngineOutput(text="", stop_reason="error"), None)
    partial = POLICY.judge(EngineOutput(text="x", stop_reason="length"), _parsed(blocks=3))
    ok = POLICY.judge(EngineOutput(text="x", stop_reason="stop"), _parsed(blocks=1))
    assert best_attempt([failed, partial, ok]) == 2
    assert best_attempt([failed, partial]) == 1
    more_text = POLICY.judge(EngineOutput(text="x", stop_reason="length"), _parsed(blocks=5))
    assert best_attempt([partial, more_text]) == 1
    assert best_attempt([ok, ok]) == 0
    with pytest.raises(ValueError, match="no attempts"):
        best_attempt([])


def test_a_ladder_is_a_value() -> None:
    policy = OutputPolicy(ladder=(LadderStep("a"), LadderStep("b", max_pixels=100)))
    assert [s.name for s in policy.ladder] == ["a", "b"]
    assert policy.ladder[1].max_pixels == 100
