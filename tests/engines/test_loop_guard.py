"""The loop guard on token sequences (pure) and as a per-row stopping criterion."""

from __future__ import annotations

import pytest

from docparse.engines.loop_guard import LoopGuard, LoopGuardConfig, repeating_period

SMALL = LoopGuardConfig(max_period=8, min_repeats=4, min_span=16)


def test_detects_a_repeating_tail_with_its_period() -> None:
    tokens = [1, 2, 3, 4, 5] + [7, 8, 9] * 6
    assert repeating_period(tokens, SMALL) == 3


def test_single_token_runs_need_min_span() -> None:
    assert repeating_period([5] * 15, SMALL) is None
    assert repeating_period([5] * 16, SMALL) == 1


def test_long_period_needs_min_repeats() -> None:
    block = list(range(100, 108))  # period 8 = max_period
    assert repeating_period(block * 3, SMALL) is None
    assert repeating_period(block * 4, SMALL) == 8


def test_period_above_max_is_ignored() -> None:
    block = list(range(100, 109))  # period 9 > max_period 8
    assert repeating_period(block * 10, SMALL) is None


def test_non_repeating_and_broken_tails() -> None:
    assert repeating_period(list(range(200)), SMALL) is None
    looping_then_new = [7, 8, 9] * 10 + [1]
    assert repeating_period(looping_then_new, SMALL) is None


def test_default_config_tolerates_legitimate_table_repetition() -> None:
    cell = list(range(20))  # e.g. one empty-cell row of a table, repeated a few times
    assert repeating_period(cell * 10, LoopGuardConfig()) is None
    assert repeating_period(cell * 13, LoopGuardConfig()) == 20


def test_guard_answers_per_row_and_records_when_it_fired() -> None:
    torch = pytest.importorskip("torch")
    prompt = [50, 51, 52]
    loop_row = prompt + [7, 8] * 10
    free_row = prompt + list(range(60, 80))
    guard = LoopGuard(prompt_length=3, config=SMALL, finished_ids={0})
    done = guard(torch.tensor([loop_row, free_row]), None)
    assert done.dtype == torch.bool
    assert done.tolist() == [True, False]
    assert guard.fired == {0: 20}
    # once stopped, a row stays stopped (its later tokens are padding)
    done = guard(torch.tensor([[*loop_row, 0], [*free_row, 81]]), None)
    assert done.tolist() == [True, False]
    assert guard.fired == {0: 20}


def test_guard_ignores_prompt_and_finished_rows() -> None:
    torch = pytest.importorskip("torch")
    prompt = [7, 8] * 20  # a repetitive prompt is not a loop
    guard = LoopGuard(prompt_length=len(prompt), config=SMALL, finished_ids={0})
    assert guard(torch.tensor([[*prompt, *range(60, 76)]]), None).tolist() == [False]
    # a finished row is filled with pad/EOS: not a loop
    guard = LoopGuard(prompt_length=2, config=SMALL, finished_ids={0})
    assert guard(torch.tensor([[1, 2, 3, 4] + [0] * 20]), None).tolist() == [False]
    assert guard.fired == {}


def test_disabled_guard_never_fires() -> None:
    torch = pytest.importorskip("torch")
    guard = LoopGuard(prompt_length=0, config=LoopGuardConfig(enabled=False))
    assert guard(torch.tensor([[3] * 600]), None).tolist() == [False]
