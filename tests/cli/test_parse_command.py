"""`docparse parse` and `docparse parse-html` as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from lxml import html as lxml_html

from schemas import Document
from schemas.generate import SCHEMA_DIR
from tests.cli.conftest import Run
from tests.paths import CORPUS_DIR, SAMPLES_DIR

INVOICE = str(SAMPLES_DIR / "invoice.pdf")


def test_invoice_json_validates_and_the_table_is_a_cell_grid(docparse: Run) -> None:
    result = docparse("parse", INVOICE, "--engine", "pdf-text", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    schema = json.loads((SCHEMA_DIR / "document.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    doc = Document.model_validate(data)
    tables = [b for p in doc.pages for b in p.blocks if b.type == "table"]
    assert tables and tables[0].grid()[0][0].strip() == "Description"  # type: ignore[union-attr]
    assert "invoice.pdf: done" in result.stderr


def test_invoice_csv_to_stdout_and_to_a_directory_with_the_table(docparse: Run, tmp_path: Path) -> None:
    result = docparse("parse", INVOICE, "--engine", "pdf-text", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "table" in {r["type"] for r in rows}
    assert all(r["unit"] == "pt" for r in rows)
    out = tmp_path / "invoice-csv"
    assert docparse("parse", INVOICE, "--engine", "pdf-text", "--format", "csv", "-o", str(out)).returncode == 0
    tables = sorted((out / "tables").glob("*.csv"))
    assert tables, list(out.rglob("*"))
    with tables[0].open(encoding="utf-8", newline="") as fh:
        grid = list(csv.reader(fh))
    assert grid[0][:4] == ["Description", "Qty", "Unit price", "Amount"]


def test_invoice_html_overlay_draws_every_box(docparse: Run, tmp_path: Path) -> None:
    out = tmp_path / "invoice.html"
    result = docparse("parse", INVOICE, "--engine", "pdf-text", "--format", "html", "--overlay", "-o", str(out))
    assert result.returncode == 0, result.stderr
    tree = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    drawn = tree.xpath("//*[@data-block-id and @data-type]")
    json_doc = Document.model_validate_json(
        docparse("parse", INVOICE, "--engine", "pdf-text", "--format", "json").stdout
    )
    boxed = [b for p in json_doc.pages for b in p.blocks if b.bbox is not None]
    assert len({d.get("data-block-id") for d in drawn}) == len(boxed) > 0
    assert any(img.get("src", "").startswith("data:image/") for img in tree.xpath("//img"))


def test_markdown_and_page_selection(docparse: Run) -> None:
    result = docparse("parse", str(SAMPLES_DIR / "article.pdf"), "--engine", "pdf-text", "--pages", "2", "-f", "md")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    bad = docparse("parse", str(SAMPLES_DIR / "article.pdf"), "--engine", "pdf-text", "--pages", "9")
    assert bad.returncode == 2 and "outside the document" in bad.stderr


def test_a_corrupt_file_exits_1_with_a_reason_and_no_traceback(docparse: Run, tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj <<>> garbage")
    result = docparse("parse", str(bad), "--engine", "pdf-text")
    assert result.returncode == 1
    assert "broken.pdf" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_auto_without_a_model_falls_back_to_the_text_layer_and_says_so(docparse: Run) -> None:
    result = docparse("parse", str(SAMPLES_DIR / "scan.png"), env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "No vision-language model available" in result.stderr
    doc = Document.model_validate_json(result.stdout)
    assert doc.pages[0].status == "pending" and doc.pages[0].engine == "pdf-text"


def test_missing_weights_is_a_clear_error(docparse: Run, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    result = docparse("parse", INVOICE, "--engine", "transformers", "--model", str(missing))
    assert result.returncode == 3
    assert str(missing) in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr


def test_parse_html_maps_a_saved_output_onto_the_page_image_size(docparse: Run) -> None:
    sample = CORPUS_DIR / "010_qwen25vl72b-modelscope-diffcl-page01.html"
    meta = json.loads(sample.with_suffix(".json").read_text(encoding="utf-8"))
    result = docparse("parse-html", str(sample), "--image-size", "1000x1400")
    assert result.returncode == 0, result.stderr
    doc = Document.model_validate_json(result.stdout)
    page = doc.pages[0]
    assert page.geometry is not None and (page.geometry.width, page.geometry.height) == (1000, 1400)
    assert len(page.blocks) > 5
    for block in page.blocks:
        if block.bbox is not None:
            assert block.bbox.x1 <= 1000 and block.bbox.y1 <= 1400
    assert meta["stats"]["n_bbox"] > 0
    # Qwen2.5 boxes are pixels of the model input: on a model input twice as large the same
    # pixels land at the same place and at half the normalized position.
    doubled = Document.model_validate_json(docparse("parse-html", str(sample), "--image-size", "2000x2800").stdout)
    compared = 0
    for small, large in zip(page.blocks, doubled.pages[0].blocks, strict=True):
        if small.bbox is not None and small.bbox.x1 < 1000 and small.bbox.y1 < 1400:  # not clamped
            assert large.bbox == small.bbox and large.bbox_norm is not None and small.bbox_norm is not None
            assert large.bbox_norm.as_tuple() == pytest.approx(
                tuple(v / 2 for v in small.bbox_norm.as_tuple()), abs=1e-6
            )
            compared += 1
    assert compared > 5
    usage = docparse("parse-html", str(sample))
    assert usage.returncode == 2


def test_parse_html_with_the_page_image_and_qwen3_convention(docparse: Run, tmp_path: Path) -> None:
    saved = tmp_path / "out.html"
    saved.write_text('<div class="text" data-bbox="100 200 900 300">Hello</div>', encoding="utf-8")
    result = docparse(
        "parse-html", str(saved), "--image", str(SAMPLES_DIR / "scan.png"), "--convention", "qwen3", "-f", "json"
    )
    assert result.returncode == 0, result.stderr
    doc = Document.model_validate_json(result.stdout)
    page = doc.pages[0]
    assert page.geometry is not None and page.geometry.unit == "px"
    block = page.blocks[0]
    assert block.text == "Hello" and block.bbox is not None
    assert abs(block.bbox.x0 - 0.1 * page.geometry.width) < 1
    assert abs(block.bbox.y1 - 0.3 * page.geometry.height) < 1
    # the input size comes from the Qwen3-VL preset: sides are multiples of its 32-pixel patches
    assert page.geometry.model_width % 32 == 0 and page.geometry.model_height % 32 == 0
    spec = docparse(
        "parse-html", str(saved), "--image", str(SAMPLES_DIR / "scan.png"), "--model-spec", "qwen3-vl-8b", "-f", "json"
    )
    assert Document.model_validate_json(spec.stdout).pages[0].geometry == page.geometry
