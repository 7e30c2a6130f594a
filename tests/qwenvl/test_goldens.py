"""Golden tests: every element kind of the QwenVL HTML format, input under cases/, expected JSON under goldens/.

Cases named ``qwen3_*`` use the ``qwen3-relative`` convention, the others ``qwen2.5-absolute``;
all are parsed on a US-letter page (612x792 pt) whose model input was 1092x1428 px.
Regenerate with ``--update-goldens`` (or ``DOCPARSE_UPDATE_GOLDENS=1``) and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.qwenvl.helpers import parse

CASES = Path(__file__).parent / "cases"
GOLDENS = Path(__file__).parent / "goldens"
CASE_NAMES = sorted(path.stem for path in CASES.glob("*.html"))


def render(name: str) -> dict[str, object]:
    text = (CASES / f"{name}.html").read_text(encoding="utf-8")
    convention = "qwen3-relative" if name.startswith("qwen3") else "qwen2.5-absolute"
    result = parse(text, convention)
    return {
        "convention": convention,
        "blocks": [block.model_dump(mode="json") for block in result.blocks],
        "issues": [issue.model_dump(mode="json") for issue in result.issues],
    }


def test_every_case_has_a_golden() -> None:
    assert CASE_NAMES, "no golden cases found"
    assert sorted(path.stem for path in GOLDENS.glob("*.json")) == CASE_NAMES


@pytest.mark.parametrize("name", CASE_NAMES)
def test_golden(name: str, update_goldens: bool) -> None:
    actual = render(name)
    golden = GOLDENS / f"{name}.json"
    if update_goldens:
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert actual == expected
