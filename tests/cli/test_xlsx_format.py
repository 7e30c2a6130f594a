"""``--format xlsx`` on ``docparse parse`` and ``docparse export``, and ``--furniture``, on the
3-page report sample (pdf-text engine; embedded database for export)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl

from tests.cli.conftest import DOCPARSE, Run
from tests.document.conftest import report_layout
from tests.paths import REPO_ROOT, SAMPLES_DIR

REPORT = SAMPLES_DIR / "report.pdf"


def typed() -> list[list[str]]:
    layout = report_layout()
    return [layout.REPORT_HEADER, *layout.REPORT_ROWS]


def sheet_rows(data: bytes, name: str) -> list[list[object]]:
    return [list(row) for row in openpyxl.load_workbook(io.BytesIO(data))[name].iter_rows(values_only=True)]


def test_parse_format_xlsx_to_a_file_and_to_stdout(docparse: Run, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    done = docparse("parse", str(REPORT), "--engine", "pdf-text", "--format", "xlsx", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(out).sheetnames == ["Table 1", "Blocks"]
    assert sheet_rows(out.read_bytes(), "Table 1") == typed()
    args = [DOCPARSE, "parse", str(REPORT), "--engine", "pdf-text", "--format", "xlsx"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")}
    piped = subprocess.run(args, capture_output=True, check=False, timeout=300, cwd=REPO_ROOT, env=env)  # a pipe
    assert piped.returncode == 0, piped.stderr
    assert sheet_rows(piped.stdout, "Table 1") == typed()


def test_markdown_drops_running_furniture_unless_asked(docparse: Run) -> None:
    plain = docparse("parse", str(REPORT), "--engine", "pdf-text", "--format", "md")
    assert plain.returncode == 0, plain.stderr
    assert "Page 2 of 3" not in plain.stdout and "| Valley | Q4 2024 | 1,559.05 | 322 | 9.3 |" in plain.stdout
    kept = docparse("parse", str(REPORT), "--engine", "pdf-text", "--format", "md", "--furniture")
    assert kept.returncode == 0 and kept.stdout.count("Page 2 of 3") == 1


def test_export_format_xlsx_of_a_stored_document(docparse: Run, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(REPORT, inbox / "report.pdf")
    env = {"DOCPARSE_DATA_DIR": str(tmp_path / "data"), "DOCPARSE_ENGINE": "pdf-text"}
    ingested = docparse("ingest", str(inbox), env=env)
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    out = tmp_path / "out" / "report.xlsx"
    exported = docparse("export", "--all", "--format", "xlsx", "-o", str(out), env=env)
    assert exported.returncode == 0, exported.stderr
    assert sheet_rows(out.read_bytes(), "Table 1") == typed()
