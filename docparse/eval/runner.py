"""``docparse eval GOLD PRED``: read, pair, score every page, aggregate, optionally write JSON."""

from __future__ import annotations

from pathlib import Path

from docparse.eval.models import DocumentResult, EvalConfig, PageResult, PageStatus
from docparse.eval.page_eval import evaluate_page
from docparse.eval.readers import DocumentPair, load_documents, pair_documents
from docparse.eval.report import EvalReport, summarize
from schemas import Document, Page


def _pages(document: Document | None) -> dict[int, Page]:
    return {} if document is None else {page.number: page for page in document.pages}


def evaluate_pair(pair: DocumentPair, config: EvalConfig) -> DocumentResult:
    """Score one gold document against its prediction, page by page (pages paired by number)."""
    gold_pages = _pages(pair.gold.document)
    pred_pages = _pages(pair.pred.document if pair.pred is not None else None)
    results: list[PageResult] = []
    for number in sorted(set(gold_pages) | set(pred_pages)):
        gold, pred = gold_pages.get(number), pred_pages.get(number)
        status: PageStatus = "paired" if gold and pred else ("missing_pred" if gold else "extra_pred")
        results.append(
            evaluate_page(
                number,
                gold.blocks if gold else [],
                pred.blocks if pred else [],
                gold_geometry=gold.geometry if gold else None,
                pred_geometry=pred.geometry if pred else None,
                config=config,
                status=status,
            )
        )
    return DocumentResult(
        key=pair.gold.document.filename,
        gold_source=str(pair.gold.source),
        pred_source=str(pair.pred.source) if pair.pred is not None else None,
        paired_by=pair.paired_by,
        pages=results,
    )


def run(gold: Path, pred: Path, *, json_out: Path | None = None, config: EvalConfig | None = None) -> EvalReport:
    """Evaluate PRED against GOLD (each a JSON file or a folder; docparse exports or OmniDocBench ground truth).

    Raises :class:`~docparse.eval.readers.EvalInputError` when a path given as a file cannot be
    read. Writes the report as JSON to ``json_out`` when given.
    """
    config = config or EvalConfig()
    gold_docs = load_documents(gold)
    pred_docs = load_documents(pred)
    pairs, unpaired_pred = pair_documents(gold_docs.documents, pred_docs.documents)
    documents = [evaluate_pair(pair, config) for pair in pairs]
    overall, per_type, counts = summarize(documents)
    counts.documents = len(pairs)
    counts.unpaired_gold_documents = sum(pair.pred is None for pair in pairs)
    counts.unpaired_pred_documents = len(unpaired_pred)
    report = EvalReport(
        gold=str(gold),
        pred=str(pred),
        config=config,
        overall=overall,
        per_type=per_type,
        counts=counts,
        documents=documents,
        unpaired_pred=[f"{doc.source} ({doc.document.filename})" for doc in unpaired_pred],
        skipped_files=gold_docs.skipped + pred_docs.skipped,
    )
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return report
