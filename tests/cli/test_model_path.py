"""The whole model path from the command line, on a tiny random Qwen2.5-VL built by the CLI itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas import Document
from tests.cli.conftest import Run
from tests.paths import SAMPLES_DIR

pytest.importorskip("transformers")
pytest.importorskip("torch")


@pytest.mark.slow
def test_tiny_model_then_parse_a_scan_with_the_transformers_engine(docparse: Run, tmp_path: Path) -> None:
    model_dir = tmp_path / "tiny"
    built = docparse("dev", "tiny-model", str(model_dir))
    assert built.returncode == 0, built.stderr
    assert (model_dir / "config.json").exists()
    result = docparse(
        "parse",
        str(SAMPLES_DIR / "scan.png"),
        "--engine",
        "transformers",
        "--model",
        str(model_dir),
        "--max-pixels",
        str(128 * 28 * 28),
        "--min-pixels",
        str(16 * 28 * 28),
        "--max-new-tokens",
        "24",
    )
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    doc = Document.model_validate_json(result.stdout)
    page = doc.pages[0]
    assert page.engine == "transformers" and page.model == str(model_dir)
    assert page.attempts, "every attempt is recorded"
    for attempt in page.attempts:
        assert attempt.stop_reason in {"stop", "length", "loop"}
        assert attempt.prompt_tokens and attempt.prompt_tokens > (attempt.model_width * attempt.model_height) // (
            28 * 28
        )
        assert attempt.completion_tokens is not None and 0 < attempt.completion_tokens <= 24
        assert attempt.latency_s is not None and attempt.latency_s > 0
        assert attempt.model_width * attempt.model_height <= 128 * 28 * 28
        assert attempt.spec == "qwen2.5-vl-3b" and attempt.prompt_version
    assert page.status in {"ok", "partial", "failed"}
    assert sum(a.chosen for a in page.attempts) == 1
