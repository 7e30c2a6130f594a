"""``docparse eval GOLD PRED``: read, pair, score every page, aggregate, optionally write JSON."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from docparse.eval.models import DocumentResult, EvalConfig, PageResult, PageStatus
from docparse.eval.odb.protocol import OdbInputError, evaluate_omnidocbench, load_gold
from docparse.eval.odb.run import evaluate_pages
from docparse.eval.page_eval import evaluate_page
from docparse.eval.readers import DocumentPair, EvalInputError, load_documents, pair_documents
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


def uses_omnidocbench(gold: Path, config: EvalConfig) -> bool:
    """Whether ``config.protocol`` (``auto``: GOLD is an OmniDocBench ground-truth file) selects OmniDocBench's."""
    if config.protocol != "auto":
        return config.protocol == "omnidocbench"
    if not gold.is_file():
        return False
    try:
        load_gold(gold)
    except OdbInputError:
        return False
    return True


def _write(report: EvalReport, json_out: Path | None) -> EvalReport:
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return report


def run_omnidocbench(
    gold: Path, predictions: Mapping[str, str | None], *, pred_label: str, json_out: Path | None = None
) -> EvalReport:
    """The OmniDocBench protocol on predictions already in hand (Markdown per image name; ``--engine`` uses it)."""
    result = evaluate_pages(load_gold(gold), predictions)
    config = EvalConfig(protocol="omnidocbench")
    return _write(EvalReport(gold=str(gold), pred=pred_label, config=config, omnidocbench=result), json_out)


def run(gold: Path, pred: Path, *, json_out: Path | None = None, config: EvalConfig | None = None) -> EvalReport:
    """Evaluate PRED against GOLD.

    With the OmniDocBench protocol (:func:`uses_omnidocbench`) see :mod:`docparse.eval.odb.protocol`
    for what GOLD and PRED may be; with the docparse protocol each is a JSON file or a folder of
    docparse exports or OmniDocBench ground truth. Raises
    :class:`~docparse.eval.readers.EvalInputError` when a path cannot be read. Writes the report
    as JSON to ``json_out`` when given.
    """
    config = config or EvalConfig()
    if uses_omnidocbench(gold, config):
        try:
            result = evaluate_omnidocbench(gold, pred)
        except OdbInputError as exc:
            raise EvalInputError(str(exc)) from exc
        report = EvalReport(
            gold=str(gold),
            pred=str(pred),
            config=config.model_copy(update={"protocol": "omnidocbench"}),
            omnidocbench=result,
        )
        return _write(report, json_out)
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
    return _write(report, json_out)
