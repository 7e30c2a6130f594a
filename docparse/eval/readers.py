"""Reading GOLD and PRED: docparse JSON exports and OmniDocBench ground truth, and pairing them.

A path is a JSON file or a folder. A folder is searched recursively for ``*.json`` (hidden
folders such as ``.docparse`` skipped, files in name order); files that are neither format
are skipped and reported. Each file is detected by content:

* a JSON object with ``pages`` and ``sha256``: a docparse export (:class:`schemas.Document`);
* a page entry with ``layout_dets``/``page_info``, or a list of them: OmniDocBench ground
  truth, one document per page (:mod:`docparse.eval.omnidocbench`).

Pairing (:func:`pair_documents`), in three passes over the still unpaired documents, each
prediction used once, in file order:

1. same ``sha256``;
2. same ``filename`` (the input's base name);
3. same *stem*: a document's stems are its filename without the last suffix and, for a
   docparse export, its JSON file's name without ``.json`` (``article.pdf.json`` ->
   ``article.pdf``) and without the suffix after that (``article``).

Gold documents left unpaired are scored against empty pages; unpaired predictions are listed.
Pages are paired by ``number``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import ValidationError

from docparse.eval.omnidocbench import convert, find_image_dir, looks_like_omnidocbench
from schemas import Document

PairedBy = Literal["sha256", "filename", "stem"]


@dataclass(frozen=True)
class SourceDocument:
    """A document and the file it was read from; ``omnidocbench`` when converted from its ground truth."""

    source: Path
    document: Document
    omnidocbench: bool = False

    @property
    def stems(self) -> frozenset[str]:
        """Names this document may be paired by in the last pass (see the module docstring)."""
        names = {PurePosixPath(self.document.filename).stem}
        if not self.omnidocbench:
            base = self.source.name.removesuffix(".json")
            names |= {base, PurePosixPath(base).stem}
        return frozenset(n for n in names if n)


@dataclass
class LoadResult:
    """Documents read from a path, and files skipped with the reason."""

    documents: list[SourceDocument] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DocumentPair:
    """A gold document and its prediction (``None`` when none was found)."""

    gold: SourceDocument
    pred: SourceDocument | None
    paired_by: PairedBy | None


class EvalInputError(ValueError):
    """A GOLD or PRED path that cannot be read."""


def _is_export(data: object) -> bool:
    return isinstance(data, dict) and "pages" in data and "sha256" in data


def read_file(path: Path) -> list[SourceDocument]:
    """The documents of one JSON file (see the module docstring); :class:`EvalInputError` when it is neither format."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalInputError(f"{path}: not readable JSON ({exc})") from exc
    if _is_export(data):
        try:
            return [SourceDocument(path, Document.model_validate(data))]
        except ValidationError as exc:
            raise EvalInputError(f"{path}: not a valid docparse document ({exc.error_count()} errors)") from exc
    if looks_like_omnidocbench(data):
        return [SourceDocument(path, doc, omnidocbench=True) for doc in convert(data, find_image_dir(path))]
    raise EvalInputError(f"{path}: neither a docparse JSON export nor OmniDocBench ground truth")


def _json_files(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*.json"):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        found.append(path)
    return sorted(found)


def load_documents(path: Path) -> LoadResult:
    """Read a file (errors raise) or a folder (unreadable or foreign files are skipped and listed)."""
    if path.is_file():
        return LoadResult(read_file(path))
    if not path.is_dir():
        raise EvalInputError(f"{path}: no such file or folder")
    result = LoadResult()
    for file in _json_files(path):
        try:
            result.documents.extend(read_file(file))
        except EvalInputError as exc:
            result.skipped.append(str(exc))
    return result


def _pass(
    gold: list[SourceDocument],
    pred: list[SourceDocument],
    pairs: dict[int, tuple[int, PairedBy]],
    label: PairedBy,
    keys: Callable[[SourceDocument], Iterable[str]],
) -> None:
    used = {p for p, _ in pairs.values()}
    index: dict[str, int] = {}
    for pi, doc in enumerate(pred):
        if pi in used:
            continue
        for key in keys(doc):
            index.setdefault(key, pi)
    for gi, doc in enumerate(gold):
        if gi in pairs:
            continue
        for key in keys(doc):
            candidate = index.get(key)
            if candidate is not None and candidate not in used:
                pairs[gi] = (candidate, label)
                used.add(candidate)
                break


def pair_documents(
    gold: list[SourceDocument], pred: list[SourceDocument]
) -> tuple[list[DocumentPair], list[SourceDocument]]:
    """Pair gold and predicted documents: by sha256, then filename, then stem. Returns (pairs, unpaired predictions)."""
    pairs: dict[int, tuple[int, PairedBy]] = {}
    _pass(gold, pred, pairs, "sha256", lambda d: [d.document.sha256])
    _pass(gold, pred, pairs, "filename", lambda d: [d.document.filename])
    _pass(gold, pred, pairs, "stem", lambda d: sorted(d.stems))
    result = []
    for gi, doc in enumerate(gold):
        found = pairs.get(gi)
        result.append(DocumentPair(doc, pred[found[0]] if found else None, found[1] if found else None))
    used = {p for p, _ in pairs.values()}
    return result, [doc for pi, doc in enumerate(pred) if pi not in used]
