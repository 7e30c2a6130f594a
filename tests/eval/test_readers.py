"""Reading folders of exports and pairing gold with predicted documents."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from docparse.eval.readers import EvalInputError, load_documents, pair_documents, read_file
from schemas import Document
from tests.eval.builders import document, para

FIXTURE = Path(__file__).parent / "data" / "omnidocbench_sample.json"


def write(path: Path, doc: Document) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc.model_dump_json(indent=2), encoding="utf-8")
    return path


def test_folder_pairs_by_sha256_then_filename_then_stem(tmp_path: Path) -> None:
    gold_a = document([para(0, "a")], name="a.pdf", seed="A")
    gold_b = document([para(0, "b")], name="b.pdf", seed="B")
    gold_c = document([para(0, "c")], name="c.pdf", seed="C")
    write(tmp_path / "gold" / "1.json", gold_a)
    write(tmp_path / "gold" / "2.json", gold_b)
    write(tmp_path / "gold" / "3.json", gold_c)
    # same bytes under another name; a re-rendered b.pdf (other sha); c as a PNG saved as c.json; a stray one
    write(tmp_path / "pred" / "renamed.json", document([para(0, "a")], name="renamed.pdf", seed="A"))
    write(tmp_path / "pred" / "sub" / "b.pdf.json", document([para(0, "b")], name="b.pdf", seed="B2"))
    write(tmp_path / "pred" / "c.json", document([para(0, "c")], name="scan.png", seed="C2"))
    write(tmp_path / "pred" / "stray.json", document([], name="stray.pdf", seed="S"))
    (tmp_path / "pred" / "notes.json").write_text('{"hello": 1}', encoding="utf-8")
    write(tmp_path / "pred" / ".docparse" / "hidden.json", document([], name="a.pdf", seed="A"))

    gold = load_documents(tmp_path / "gold")
    pred = load_documents(tmp_path / "pred")
    assert len(pred.documents) == 4  # the hidden folder is not read
    assert len(pred.skipped) == 1
    assert "notes.json" in pred.skipped[0]

    pairs, unpaired = pair_documents(gold.documents, pred.documents)
    by_gold = {p.gold.document.filename: p for p in pairs}
    assert by_gold["a.pdf"].paired_by == "sha256"
    assert by_gold["a.pdf"].pred is not None
    assert by_gold["a.pdf"].pred.source.name == "renamed.json"
    assert by_gold["b.pdf"].paired_by == "filename"
    assert by_gold["c.pdf"].paired_by == "stem"
    assert [d.document.filename for d in unpaired] == ["stray.pdf"]


def test_unpaired_gold_has_no_prediction(tmp_path: Path) -> None:
    gold = load_documents(write(tmp_path / "g.json", document([], name="only.pdf")))
    pairs, unpaired = pair_documents(gold.documents, [])
    assert [(p.pred, p.paired_by) for p in pairs] == [(None, None)]
    assert unpaired == []


def test_omnidocbench_gold_pairs_with_exports_by_image_name(tmp_path: Path) -> None:
    shutil.copy(FIXTURE, tmp_path / "OmniDocBench.json")
    write(
        tmp_path / "pred" / "academic_paper_page_007.jpg.json",
        document([], name="academic_paper_page_007.jpg", seed="image bytes"),
    )
    pairs, _ = pair_documents(
        load_documents(tmp_path / "OmniDocBench.json").documents, load_documents(tmp_path / "pred").documents
    )
    assert [(p.gold.document.filename, p.paired_by) for p in pairs] == [
        ("academic_paper_page_007.jpg", "filename"),
        ("note_0001.png", None),
    ]


def test_a_file_that_is_neither_format_raises(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(EvalInputError, match="neither"):
        load_documents(tmp_path / "x.json")
    (tmp_path / "y.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(EvalInputError, match="not readable JSON"):
        read_file(tmp_path / "y.json")
    (tmp_path / "z.json").write_text('{"pages": [], "sha256": "nope"}', encoding="utf-8")
    with pytest.raises(EvalInputError, match="not a valid docparse document"):
        read_file(tmp_path / "z.json")
    with pytest.raises(EvalInputError, match="no such file"):
        load_documents(tmp_path / "missing")
