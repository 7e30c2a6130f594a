"""``docparse review ...`` and the data-set exports on the embedded default, as a user runs them:
flag, queue, accept, history; OmniDocBench ground truth of corrected pages that scores perfect
against itself with ``docparse eval``; QwenVL HTML fine-tuning pairs that parse back to the
corrected blocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from docparse.api.corrections import human_attempt, normalize_blocks
from docparse.eval.odb.predictions import document_markdown
from docparse.qwenvl import parse_qwenvl_html
from schemas import Document
from tests.cli.conftest import Run
from tests.cli.test_pipeline_commands import _ids
from tests.paths import SAMPLES_DIR

pytestmark = pytest.mark.timeout(300)


def _correct(data_dir: Path, document_id: str, monkeypatch: pytest.MonkeyPatch) -> Document:
    """Correct page 1 in process (as the API does): a paragraph's text and a formula's LaTeX."""
    from docparse.services import Services

    monkeypatch.setenv("DOCPARSE_DATA_DIR", str(data_dir))
    services = Services.from_env()
    db = services.prepare()
    with db.unit_of_work() as uow:
        page, state = uow.reviews.page(document_id, 1)
        assert page.geometry is not None
        blocks = [b.model_copy() for b in page.blocks]
        paragraph = next(i for i, b in enumerate(blocks) if b.type == "paragraph")
        formula = next(i for i, b in enumerate(blocks) if b.type == "formula")
        blocks[paragraph] = blocks[paragraph].model_copy(update={"text": "A corrected paragraph."})
        blocks[formula] = blocks[formula].model_copy(update={"content": r"E = m c^{2}", "text": r"E = m c^{2}"})
        fixed = normalize_blocks(document_id, 1, blocks, page.geometry, "qwen2.5-absolute")
        attempt = human_attempt(fixed, page.geometry, "qwen2.5-absolute", "olivia")
        uow.reviews.correct(document_id, 1, blocks=fixed, attempt=attempt, reviewer="olivia", expected=state.token)
        uow.commit()
        document = uow.documents.load(document_id)
    db.dispose()
    assert document is not None
    return document


def test_review_commands_and_data_sets(docparse: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"DOCPARSE_DATA_DIR": str(tmp_path / "data"), "DOCPARSE_ENGINE": "pdf-text"}
    samples = [str(SAMPLES_DIR / n) for n in ("invoice.pdf", "formula-chart.pdf", "article.pdf")]
    assert docparse("ingest", *samples, env=env).returncode == 0
    ids = _ids(docparse("status", env=env).stdout)

    flagged = docparse("review", "flag", ids["article.pdf"], "2", "references look off", "--as", "olivia", env=env)
    assert flagged.returncode == 0 and "flagged: references look off" in flagged.stdout
    queue = docparse("review", "list", env=env)
    assert queue.returncode == 0 and "references look off" in queue.stdout and ids["article.pdf"] in queue.stdout
    accepted = docparse("review", "accept", ids["invoice.pdf"], "1", "--as", "olivia", env=env)
    assert accepted.returncode == 0 and "reviewed by olivia" in accepted.stdout
    assert docparse("review", "accept", ids["invoice.pdf"], "7", env=env).returncode == 1
    assert "references look off" not in docparse("review", "list", "--document", ids["invoice.pdf"], env=env).stdout

    corrected = _correct(tmp_path / "data", ids["formula-chart.pdf"], monkeypatch)
    history = docparse("review", "history", ids["formula-chart.pdf"], "1", env=env)
    assert history.returncode == 0
    kinds = [line.split("│")[2].strip() for line in history.stdout.splitlines() if line.count("│") > 5]
    assert kinds[-2:] == ["model", "human"] and "olivia" in history.stdout

    # Ground truth of the reviewed pages only, then scored against the corrected pages themselves.
    gold = tmp_path / "gold"
    all_ids = [ids["invoice.pdf"], ids["formula-chart.pdf"], ids["article.pdf"]]
    made = docparse("export", *all_ids, "--format", "omnidocbench", "--reviewed", "-o", str(gold), env=env)
    assert made.returncode == 0, made.stderr
    entries = json.loads((gold / "omnidocbench.json").read_text(encoding="utf-8"))
    assert {(e["page_info"]["page_attribute"]["docparse_document"], e["page_info"]["page_no"]) for e in entries} == {
        (ids["invoice.pdf"], 0),
        (ids["formula-chart.pdf"], 0),
    }
    for entry in entries:
        with Image.open(gold / "images" / entry["page_info"]["image_path"]) as image:
            assert image.size == (entry["page_info"]["width"], entry["page_info"]["height"])
    formula_entry = next(e for e in entries if e["page_info"]["page_attribute"]["docparse_document"] == corrected.id)
    assert any(d.get("latex") == "$$\nE = m c^{2}\n$$" for d in formula_entry["layout_dets"])
    assert any(d.get("text") == "A corrected paragraph." for d in formula_entry["layout_dets"])

    pred = tmp_path / "pred"
    pred.mkdir()
    exported = {}
    for document_id in (ids["invoice.pdf"], ids["formula-chart.pdf"]):
        out = docparse("export", document_id, "--format", "json", env=env)
        exported[document_id] = Document.model_validate_json(out.stdout)
    for entry in entries:
        document = exported[entry["page_info"]["page_attribute"]["docparse_document"]]
        name = Path(entry["page_info"]["image_path"]).stem
        (pred / f"{name}.md").write_text(
            document_markdown(document, entry["page_info"]["page_no"] + 1), encoding="utf-8"
        )
    report_path = tmp_path / "eval.json"
    scored = docparse("eval", str(gold / "omnidocbench.json"), str(pred), "--json", str(report_path), env=env)
    assert scored.returncode == 0, scored.stderr
    assert json.loads(report_path.read_text(encoding="utf-8"))  # the JSON report too
    assert "0 without a prediction" in scored.stdout
    for metric in ("text edit distance, page average", "reading order edit distance, page average"):
        line = next(ln for ln in scored.stdout.splitlines() if metric in ln)
        assert "0.0000" in line, line
    assert "display formula edit distance, page average" in scored.stdout
    formula_line = next(ln for ln in scored.stdout.splitlines() if "display formula edit distance, page average" in ln)
    assert "0.0000" in formula_line
    teds_line = next(ln for ln in scored.stdout.splitlines() if "table TEDS, page average" in ln)
    assert "1.0000" in teds_line

    # Fine-tuning pairs: the target parses back to the corrected blocks on the saved image.
    pairs = tmp_path / "pairs"
    made = docparse("export", ids["formula-chart.pdf"], "--format", "qwenvl", "--reviewed", "-o", str(pairs), env=env)
    assert made.returncode == 0, made.stderr
    lines = (pairs / "train.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert [m["role"] for m in record["messages"]] == ["system", "user", "assistant"]
    assert record["messages"][1]["content"] == "<image>QwenVL HTML"
    page = corrected.pages[0]
    assert page.geometry is not None
    with Image.open(pairs / record["images"][0]) as image:
        width, height = image.size
    geometry = page.geometry.model_copy(update={"model_width": width, "model_height": height})
    parsed = parse_qwenvl_html(
        record["messages"][2]["content"], geometry, "qwen2.5-absolute", page=1, document_id=corrected.id
    )
    assert [b.type for b in parsed.blocks] == [b.type for b in page.blocks]
    assert [b.text for b in parsed.blocks] == [b.text for b in page.blocks]
    for ours, theirs in zip(page.blocks, parsed.blocks, strict=True):
        if ours.bbox is not None and theirs.bbox is not None:
            px = page.geometry.width / width
            assert abs(ours.bbox.x0 - theirs.bbox.x0) <= px and abs(ours.bbox.y1 - theirs.bbox.y1) <= px


def test_review_accept_refreshes_the_document_tables(
    docparse: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page corrected without the pass running again (stored result stale), then accepted with
    ``docparse review accept``: the accept runs the pass, and ``table_cells`` hold the correction."""
    import sqlalchemy as sa

    from docparse.services import Services

    env = {"DOCPARSE_DATA_DIR": str(tmp_path / "data"), "DOCPARSE_ENGINE": "pdf-text"}
    assert docparse("ingest", str(SAMPLES_DIR / "invoice.pdf"), env=env).returncode == 0
    document_id = _ids(docparse("status", env=env).stdout)["invoice.pdf"]
    monkeypatch.setenv("DOCPARSE_DATA_DIR", str(tmp_path / "data"))
    db = Services.from_env().prepare()
    query = sa.text("SELECT text FROM table_cells WHERE document_id = :d AND row_index = 1 AND col_index = 0")
    try:
        with db.unit_of_work() as uow:
            assert uow.structures.get(document_id) is not None  # the pass ran at ingest
            page, state = uow.reviews.page(document_id, 1)
            assert page.geometry is not None
            table = next(b for b in page.blocks if b.type == "table")
            cells = [
                c.model_copy(update={"text": "Corrected item"}) if (c.row, c.col) == (1, 0) else c for c in table.cells
            ]
            blocks = [table.model_copy(update={"cells": cells}) if b is table else b for b in page.blocks]
            fixed = normalize_blocks(document_id, 1, blocks, page.geometry, "qwen2.5-absolute")
            attempt = human_attempt(fixed, page.geometry, "qwen2.5-absolute", "olivia")
            uow.reviews.correct(document_id, 1, blocks=fixed, attempt=attempt, reviewer="olivia", expected=state.token)
            uow.commit()
        with db.unit_of_work() as uow:
            assert uow.structures.get(document_id) is None  # stale: storage alone does not run the pass
        with db.engine.connect() as connection:
            assert connection.execute(query, {"d": document_id}).scalars().all() != ["Corrected item"]

        accepted = docparse("review", "accept", document_id, "1", "--as", "olivia", env=env)
        assert accepted.returncode == 0, accepted.stderr

        with db.unit_of_work() as uow:
            assert uow.structures.get(document_id) is not None
        with db.engine.connect() as connection:
            assert connection.execute(query, {"d": document_id}).scalars().all() == ["Corrected item"]
    finally:
        db.dispose()
