"""``run()``: aggregation, JSON output that round-trips, the rich table; and an end-to-end check on a sample."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

import docparse
from docparse.eval import EvalReport, render_table, run
from docparse.eval.text_metrics import normalize_text
from docparse.export.base import ExportOptions
from docparse.export.json_export import JsonExporter
from schemas import Document, TableBlock
from tests.eval.builders import document, formula, grid, para, table
from tests.paths import SAMPLES_DIR

A = (0.1, 0.1, 0.5, 0.2)
B = (0.1, 0.3, 0.5, 0.4)
C = (0.1, 0.5, 0.5, 0.6)


def export(path: Path, doc: Document) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(JsonExporter().stream(doc, ExportOptions())), encoding="utf-8")
    return path


def small_doc(pages: int = 1) -> Document:
    blocks = [para(0, "kitten", A), table(1, grid([["ab", "cd"], ["ef", "gh"]]), B), formula(2, "x^2", C)]
    return document(blocks, pages=pages)


def test_identical_documents_are_perfect(tmp_path: Path) -> None:
    gold = export(tmp_path / "gold.json", small_doc())
    report = run(gold, gold, json_out=None)
    values = {name: metric.value for name, metric in report.overall.items()}
    assert values == {
        "text_ned": 0.0,
        "text_ned_micro": 0.0,
        "table_teds": 1.0,
        "table_teds_struct": 1.0,
        "formula_ned": 0.0,
        "detection_precision": 1.0,
        "detection_recall": 1.0,
        "detection_f1": 1.0,
        "reading_order_ed": 0.0,
        "reading_order_ed_micro": 0.0,
    }
    assert report.per_type["paragraph"]["text_ned"].value == 0.0
    assert report.per_type["table"]["detection_f1"].value == 1.0


def test_json_round_trips_and_table_renders(tmp_path: Path) -> None:
    gold = export(tmp_path / "gold" / "a.pdf.json", small_doc(pages=2))
    pred_doc = small_doc()
    pred_doc.pages[0].blocks[0] = para(0, "sitting", A)
    export(tmp_path / "pred" / "a.pdf.json", pred_doc)
    export(tmp_path / "pred" / "other.pdf.json", document([], name="other.pdf"))
    out = tmp_path / "report" / "eval.json"
    report = run(gold.parent, tmp_path / "pred", json_out=out)
    assert EvalReport.model_validate_json(out.read_text(encoding="utf-8")) == report

    assert report.overall["text_ned"].value == pytest.approx(3 / 7)  # page 2 has no text on either side
    assert report.overall["text_ned"].n == 1
    assert report.counts.documents == 1
    assert report.counts.unpaired_pred_documents == 1
    assert report.counts.missing_pred_pages == 1  # gold page 2 has no predicted page
    assert [p.status for p in report.documents[0].pages] == ["paired", "missing_pred"]

    buffer = io.StringIO()
    render_table(report, Console(file=buffer, width=120))
    text = buffer.getvalue()
    assert "table TEDS" in text
    assert "0.4286" in text
    assert "1 pred document(s)" in text


def test_missing_prediction_scores_worst(tmp_path: Path) -> None:
    export(tmp_path / "gold" / "a.json", small_doc())
    export(tmp_path / "pred" / "b.json", document([], name="b.pdf"))
    report = run(tmp_path / "gold", tmp_path / "pred")
    assert report.counts.unpaired_gold_documents == 1
    assert report.overall["text_ned"].value == 1.0
    assert report.overall["table_teds"].value == 0.0
    assert report.overall["formula_ned"].value == 1.0
    assert report.overall["detection_recall"].value == 0.0
    assert report.overall["reading_order_ed"].value is None


@pytest.fixture(scope="module")
def invoice() -> Document:
    parsed: Document = docparse.parse_file(SAMPLES_DIR / "invoice.pdf", engine="pdf-text").document
    return parsed


def test_end_to_end_invoice_perturbations(invoice: Document, tmp_path: Path) -> None:
    gold = export(tmp_path / "gold" / "invoice.pdf.json", invoice)
    page = invoice.pages[0]
    n_blocks = len(page.blocks)
    tables = [b for b in page.blocks if isinstance(b, TableBlock)]
    paragraphs = [b for b in page.blocks if b.type == "paragraph" and b.text.strip()]
    assert len(tables) == 1
    assert len(paragraphs) >= 2

    perturbed = invoice.model_copy(deep=True)
    pred_page = perturbed.pages[0]
    dropped = paragraphs[1]
    pred_page.blocks = [b for b in pred_page.blocks if b.order != dropped.order]
    pred_table = next(b for b in pred_page.blocks if isinstance(b, TableBlock))
    cell = max(pred_table.cells, key=lambda c: len(normalize_text(c.text)))
    old = normalize_text(cell.text)
    cell.text = old + "X"
    export(tmp_path / "pred" / "invoice.pdf.json", perturbed)

    report = run(gold, tmp_path / "pred")
    result = report.documents[0].pages[0]
    assert report.documents[0].paired_by == "sha256"

    # text: deleting one line (and its newline) of the page text costs exactly its length + 1
    dropped_text = normalize_text(dropped.text)
    assert result.text.edit == len(dropped_text) + 1
    assert result.text.ned == pytest.approx((len(dropped_text) + 1) / result.text.length)

    # table: one td rename costs NED(old, old + "X") = 1 / (len(old) + 1); |T| = 1 + rows + cells
    size = 1 + tables[0].n_rows + len(tables[0].cells)
    (score,) = result.tables
    assert score.teds == pytest.approx(1 - 1 / ((len(old) + 1) * size))
    assert score.teds_struct == 1.0

    # detection: every block matched but the dropped paragraph; nothing spurious
    assert (result.detection.tp, result.detection.fp, result.detection.fn) == (n_blocks - 1, 0, 1)
    assert report.overall["detection_precision"].value == 1.0
    assert report.overall["detection_recall"].value == pytest.approx((n_blocks - 1) / n_blocks)
    assert result.detection_by_type["paragraph"].fn == 1
    assert result.detection_by_type["table"].fn == 0

    # reading order: the remaining blocks keep their relative order
    assert result.reading_order is not None
    assert result.reading_order.edit == 0
    assert report.counts.unmatched_gold_blocks == 1
