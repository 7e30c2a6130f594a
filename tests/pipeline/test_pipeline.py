"""One document end to end in process: statuses, reasons, retries, raw outputs kept."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pymupdf
import pytest

from docparse.engines.base import EngineOutput, GenerationOptions, PageInput
from docparse.engines.pdf_text import PdfTextEngine
from docparse.pipeline import PageSelectionError, ParseOptions, parse_document, parse_page_ranges
from docparse.render import RenderLimits
from schemas import TableBlock
from schemas.generate import SCHEMA_DIR
from tests.paths import SAMPLES_DIR
from tests.pipeline.conftest import ScriptedModel, box_html


def test_invoice_with_the_text_layer_is_done_and_its_table_is_a_grid() -> None:
    outcome = parse_document(SAMPLES_DIR / "invoice.pdf", PdfTextEngine())
    doc = outcome.document
    assert doc.status == "done", [i.message for p in doc.pages for i in p.issues]
    assert doc.media_type == "application/pdf"
    tables = [b for p in doc.pages for b in p.blocks if isinstance(b, TableBlock)]
    assert tables, "the invoice's line items must come back as a table"
    grid = tables[0].grid()
    assert [c.strip() for c in grid[0]][:4] == ["Description", "Qty", "Unit price", "Amount"]
    assert len(grid) >= 4
    schema = json.loads((SCHEMA_DIR / "document.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(doc.model_dump_json()), schema)
    page = doc.pages[0]
    assert page.geometry is not None and page.geometry.unit == "pt"
    for block in page.blocks:
        assert block.bbox is not None and block.bbox_norm is not None
        assert 0 <= block.bbox.x0 <= block.bbox.x1 <= page.geometry.width
        assert 0 <= block.bbox_norm.y0 <= block.bbox_norm.y1 <= 1
    assert page.attempts[0].output.startswith("<html>") and page.attempts[0].chosen


def test_a_scan_with_the_text_layer_engine_waits_for_a_model() -> None:
    doc = parse_document(SAMPLES_DIR / "scan.png", PdfTextEngine()).document
    assert doc.status == "partial"
    assert [p.status for p in doc.pages] == ["pending"]
    assert doc.pages[0].issues[0].code == "needs_vlm"
    assert "vision-language model" in doc.pages[0].issues[0].message
    assert doc.pages[0].blocks == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n%garbage that is not a pdf at all\n", ""),
        (b"just some text, not a document\n" * 10, "not a supported document"),
    ],
)
def test_a_bad_file_fails_with_a_reason_instead_of_raising(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    doc = parse_document(path, PdfTextEngine()).document
    assert doc.status == "failed"
    assert doc.error and reason in doc.error.lower()
    assert doc.pages == []


def test_an_encrypted_pdf_needs_its_password(tmp_path: Path) -> None:
    pdf = pymupdf.open()
    pdf.new_page().insert_text((72, 72), "secret text", fontsize=12)
    path = tmp_path / "locked.pdf"
    pdf.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="pw", owner_pw="owner")
    locked = parse_document(path, PdfTextEngine()).document
    assert locked.status == "failed" and locked.error and "password" in locked.error.lower()
    opened = parse_document(path, PdfTextEngine(), ParseOptions(password="pw")).document
    assert opened.status == "done"
    assert "secret text" in opened.pages[0].blocks[0].text


def test_page_selection(three_page_pdf: Path) -> None:
    doc = parse_document(three_page_pdf, PdfTextEngine(), ParseOptions(pages=[3, 1])).document
    assert [p.number for p in doc.pages] == [1, 3]
    assert doc.page_count == 3
    assert "Page 3" in doc.pages[1].blocks[0].text
    with pytest.raises(PageSelectionError, match="outside the document"):
        parse_document(three_page_pdf, PdfTextEngine(), ParseOptions(pages=[4]))
    assert parse_page_ranges("1-3,7, 9") == [1, 2, 3, 7, 9]
    for bad in ("3-1", "x", "0", ","):
        with pytest.raises(PageSelectionError):
            parse_page_ranges(bad)


def test_a_bad_page_never_fails_its_document(three_page_pdf: Path) -> None:
    def script(call: int, page: PageInput, options: GenerationOptions) -> EngineOutput:
        if page.pdf_page_index == 1:
            return EngineOutput(text="", stop_reason="error", error="CUDA error: an illegal memory access")
        return EngineOutput(text=box_html(page, "fine"), stop_reason="stop")

    doc = parse_document(three_page_pdf, ScriptedModel(script)).document
    assert doc.status == "partial"
    assert [p.status for p in doc.pages] == ["ok", "failed", "ok"]
    failed = doc.pages[1]
    assert len(failed.attempts) == 3, "an engine error is retried up the whole ladder"
    assert failed.issues[0].code == "engine_error" and "illegal memory access" in failed.issues[0].message


def test_an_engine_that_raises_fails_its_pages_not_the_run(three_page_pdf: Path) -> None:
    def script(call: int, page: PageInput, options: GenerationOptions) -> EngineOutput:
        raise RuntimeError("GPU fell off the bus")

    doc = parse_document(three_page_pdf, ScriptedModel(script)).document
    assert doc.status == "failed"
    assert all(p.status == "failed" for p in doc.pages)
    assert "GPU fell off the bus" in doc.pages[0].issues[0].message


def test_the_ladder_retries_a_truncated_page_and_keeps_the_best_attempt(three_page_pdf: Path) -> None:
    def script(call: int, page: PageInput, options: GenerationOptions) -> EngineOutput:
        if options.repetition_penalty is None:  # first attempt: cut at the token limit
            return EngineOutput(text='<html><body>\n<p data-bbox="10 10 200 40">Cut he', stop_reason="length")
        return EngineOutput(text=box_html(page, "complete"), stop_reason="stop", completion_tokens=12)

    model = ScriptedModel(script)
    doc = parse_document(three_page_pdf, model, ParseOptions(pages=[1])).document
    page = doc.pages[0]
    assert page.status == "ok"
    assert [a.stop_reason for a in page.attempts] == ["length", "stop"]
    assert [a.chosen for a in page.attempts] == [False, True]
    assert page.attempts[0].output.endswith("Cut he"), "the raw output of every attempt is kept"
    assert page.attempts[1].settings["step"] == "repetition-penalty"
    assert page.blocks[0].text == "complete"
    assert any(i.code == "retry" for i in page.issues)


def test_the_last_rung_lowers_the_pixel_budget_and_a_hopeless_page_keeps_its_best_attempt(
    three_page_pdf: Path,
) -> None:
    def script(call: int, page: PageInput, options: GenerationOptions) -> EngineOutput:
        text = box_html(page, "looping " * (3 - call))
        return EngineOutput(text=text, stop_reason="loop")

    model = ScriptedModel(script, min_pixels=64 * 28 * 28, max_pixels=2048 * 28 * 28)
    doc = parse_document(three_page_pdf, model, ParseOptions(pages=[2])).document
    page = doc.pages[0]
    assert len(page.attempts) == 3
    sizes = [a.model_width * a.model_height for a in page.attempts]
    assert sizes[2] < sizes[0] and sizes[2] <= 1024 * 28 * 28
    assert sizes[0] == sizes[1]
    assert page.status == "partial"
    assert page.attempts[0].chosen, "the attempt with the most text wins among equals"
    assert {"stop_loop", "retry"} <= {i.code for i in page.issues}
    assert doc.status == "partial"


def test_render_failures_are_page_failures_not_document_failures(tmp_path: Path) -> None:
    image = pymupdf.open()
    image.new_page(width=200, height=200)
    path = tmp_path / "tiny.pdf"
    image.save(path)
    limits = RenderLimits(max_pages=0)
    doc = parse_document(path, PdfTextEngine(), ParseOptions(limits=limits)).document
    assert doc.status == "failed" and doc.error and "page" in doc.error.lower()


def test_settings_fingerprint_changes_with_the_budget(three_page_pdf: Path) -> None:
    ok = ScriptedModel(lambda c, p, o: EngineOutput(text=box_html(p, "x"), stop_reason="stop"))
    small = ScriptedModel(ok.script, max_pixels=128 * 28 * 28)
    a = parse_document(three_page_pdf, ok, ParseOptions(pages=[1])).document
    b = parse_document(three_page_pdf, small, ParseOptions(pages=[1])).document
    assert a.sha256 == b.sha256
    assert a.id != b.id, "the same bytes parsed with other settings are another document"
    assert a.settings_fingerprint != b.settings_fingerprint


def test_a_custom_ladder_drives_the_attempts(three_page_pdf: Path) -> None:
    """The ladder is a value: its steps, in order, are exactly the attempts a failing page gets."""
    from docparse.engines.base import GenerationOptions as Options
    from docparse.policy import LadderStep, OutputPolicy

    ladder = (LadderStep("first"), LadderStep("hotter", Options(temperature=0.7), max_pixels=100 * 28 * 28))
    model = ScriptedModel(lambda c, p, o: EngineOutput(text="", stop_reason="error", error="down"))
    doc = parse_document(three_page_pdf, model, ParseOptions(pages=[1], policy=OutputPolicy(ladder=ladder))).document
    attempts = doc.pages[0].attempts
    assert [a.settings["step"] for a in attempts] == ["first", "hotter"]
    assert attempts[1].settings["temperature"] == 0.7
    assert model.calls[1][2].temperature == 0.7, "the step's options reach the engine"
    assert (
        attempts[1].model_width * attempts[1].model_height
        <= 100 * 28 * 28
        < attempts[0].model_width * attempts[0].model_height
    )
