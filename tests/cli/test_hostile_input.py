"""The command line never prints a traceback for input (issue 13): a PDF whose page tree lies
about its page count fails with its reason; pixel options over the operator's cap or against
each other are usage errors (exit 2) naming the option and the limit; a CSV export neutralizes
formulas unless ``--keep-formulas``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pymupdf

from tests.cli.conftest import Run
from tests.render.helpers import lying_page_count_pdf

ATTACK = "=cmd|' /C calc'!A0"


def _lying(tmp_path: Path) -> Path:
    path = tmp_path / "lying.pdf"
    path.write_bytes(lying_page_count_pdf())
    return path


def test_parse_of_a_lying_page_count_fails_with_its_reason(docparse: Run, tmp_path: Path) -> None:
    result = docparse("parse", str(_lying(tmp_path)), "--engine", "pdf-text")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "claims 1000000000 pages" in " ".join(result.stderr.split())


def test_ingest_of_a_lying_page_count_reports_it_and_takes_the_rest(docparse: Run, tmp_path: Path) -> None:
    good = tmp_path / "good.pdf"
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "a good page")
    doc.save(good)
    env = {"DOCPARSE_DATA_DIR": str(tmp_path / "data"), "DOCPARSE_ENGINE": "pdf-text"}
    result = docparse("ingest", str(_lying(tmp_path)), str(good), env=env)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == 1  # something was refused
    listing = docparse("status", env=env)
    assert "good.pdf" in listing.stdout and "done" in listing.stdout


def test_pixel_options_are_checked_against_each_other_and_the_operator_cap(docparse: Run, tmp_path: Path) -> None:
    lying = str(_lying(tmp_path))
    inverted = docparse("parse", lying, "--engine", "pdf-text", "--min-pixels", "3000000", "--max-pixels", "1000000")
    assert inverted.returncode == 2 and "min_pixels <= max_pixels" in " ".join(inverted.stderr.split())
    huge = docparse("parse", lying, "--engine", "pdf-text", "--max-pixels", "400000000")
    assert huge.returncode == 2 and "DOCPARSE_MAX_MODEL_PIXELS" in " ".join(huge.stderr.split())
    capped = docparse("parse", lying, "--engine", "pdf-text", env={"DOCPARSE_MAX_MODEL_PIXELS": "1000000"})
    assert capped.returncode == 2  # the preset's 1605632 is over this operator's cap
    assert "max_pixels=1605632" in " ".join(capped.stderr.split())
    for result in (inverted, huge, capped):
        assert "Traceback" not in result.stderr


def test_csv_neutralizes_formulas_unless_keep_formulas(docparse: Run, tmp_path: Path) -> None:
    pdf = tmp_path / "formula.pdf"
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), ATTACK, fontsize=14)
    doc.save(pdf)

    def texts(*flags: str) -> list[str]:
        result = docparse("parse", str(pdf), "--engine", "pdf-text", "--format", "csv", *flags)
        assert result.returncode == 0, result.stderr
        return [row["text"] for row in csv.DictReader(io.StringIO(result.stdout, newline=""))]

    assert texts() == ["'" + ATTACK]
    assert texts("--keep-formulas") == [ATTACK]
