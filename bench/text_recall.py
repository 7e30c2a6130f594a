"""Word recall of the ``pdf-text`` engine against poppler's ``pdftotext`` on real PDFs.

Definition (the same normalisation on both sides):

* **reference words**: ``pdftotext -enc UTF-8 -f N -l N FILE -`` of each page (poppler's
  reading-order mode, which expands ligatures and joins words hyphenated at line ends);
* **docparse words**: the ``text`` of every block of that page as ``docparse.parse_file(...,
  engine="pdf-text")`` returns it (list items, table cells, formula sources, figure labels,
  figure captions and form fields all live in their block's ``text``), and the ``caption``
  of each table;
* **normalisation**: Unicode NFC; ligatures (U+FB00..U+FB06, U+FB13..U+FB17) and Arabic
  presentation forms (U+FB50..U+FDFF, U+FE70..U+FEFF) to the letters they show (poppler
  itself leaves some in, for fonts whose ToUnicode map names ``ﬁ``: the reference word
  ``ﬁle`` is the word ``file``; that docparse leaves *none* in its text is counted
  separately, :func:`ligatures_left`); then :func:`words`: runs of word characters
  (``\\w+``) and single non-space symbols, lower-cased (``str.lower``, not ``casefold``,
  which would turn ``ß`` into ``ss``), punctuation and invisible controls dropped (Unicode
  categories ``P*`` and ``C*``: poppler wraps right-to-left runs in U+202B..U+202C).
  ``x+y`` and ``x + y`` give the same words; ``adip-iscing`` gives ``adip``, ``iscing``
  and so does not match ``adipiscing``;
* **recall** of a page or file: the multiset intersection of the two word bags over the
  reference bag's size (a word the reference has twice must be found twice). A reference
  word docparse does not have as a word still counts as found where one side wrote as 2..3
  consecutive words, with only whitespace between, what the other wrote as one
  (:func:`runs`): poppler and MuPDF group sub- and superscripts differently (``Q212`` /
  ``Q2 12``), poppler breaks some Arabic words at kerning gaps (``الطو يلة``) and joins every
  word hyphenated at a line end, compounds too. A hyphen kept inside a word is *not*
  whitespace, so ``adip-iscing`` still misses ``adipiscing``. Pooled recall
  sums found and reference words over every page of every file.

A second figure, **excused recall**, is printed beside (never instead of) that strict one: it
also counts the reference words that are poppler's *demonstrable* misreadings of a symbol
docparse has in its place (:func:`excusable`). poppler prints TeX's angle brackets (cmsy)
as the letters at their code points, ``⟨name⟩`` as ``hnamei``, and primes as ``0``
(``x′`` as ``x0``). A word docparse missed is excused only when docparse's text of the same
page, with ``⟨`` → ``h``, ``⟩`` → ``i`` and ``′`` → ``0`` substituted, holds that word and the
substitution is inside it (one side may write apart, by whitespace, what the other writes
together, as above: poppler's ``hAcceptText i`` for ``⟨AcceptText⟩``); each such word of
docparse's excuses one reference word (or run of them). Nothing else is excused: a word simply absent, or an ``h``-word
where docparse has no ``⟨``, stays missed.

Run ``python -m bench.text_recall [--corpus DIR] [FILE.pdf ...]`` (``make text-recall``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"\w+|[^\w\s]")
MAX_RUN = 3
_MISREAD = {"\u27e8": "h", "\u27e9": "i", "\u2032": "0"}  # ⟨ ⟩ ′ as poppler prints them (cmsy)
_SHAPES = re.compile("[\ufb00-\ufb06\ufb13-\ufb17\ufb50-\ufdff\ufe70-\ufeff]+")


def _letters(m: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", m.group())


def ligatures_left(text: str) -> int:
    """Ligature and presentation-form code points in ``text`` (docparse's must have none)."""
    return sum(1 for m in _SHAPES.finditer(text) for c in m.group() if unicodedata.normalize("NFKC", c) != c)


def _tokens(text: str) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(text):
        token = m.group()
        if len(token) == 1 and unicodedata.category(token)[0] in "PC":
            continue
        out.append((token.lower(), m.start(), m.end()))
    return out


def _normal(text: str) -> str:
    return _SHAPES.sub(_letters, unicodedata.normalize("NFC", text))


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (see the module docstring)."""
    return [t for t, _, _ in _tokens(_normal(text))]


def _glued(text: str) -> list[tuple[str, bool]]:
    """The words of ``text``, each with whether only whitespace separates it from the previous one."""
    text = _normal(text)
    out: list[tuple[str, bool]] = []
    end = 0
    for token, start, stop in _tokens(text):
        out.append((token, not text[end:start].strip()))
        end = stop
    return out


def runs(text: str, longest: int = MAX_RUN) -> list[str]:
    """Runs of 2..``longest`` consecutive words of ``text`` written together, for words that
    stand apart only by whitespace (``Q2 12`` gives ``q212``; ``adip-iscing`` gives nothing)."""
    toks = _glued(text)
    out: list[str] = []
    for i in range(len(toks)):
        joined = toks[i][0]
        for j in range(i + 1, min(i + longest, len(toks))):
            if not toks[j][1]:
                break
            joined += toks[j][0]
            out.append(joined)
    return out


def excusable(text: str) -> Counter[str]:
    """The words poppler would write for ``text`` where it misreads ``⟨``, ``⟩`` and ``′``, each
    with how often it occurs: the words of ``text`` with those symbols substituted (see the
    module docstring), and runs of 2..``MAX_RUN`` of them written apart only by whitespace,
    keeping only those a substituted symbol is part of (a word without one is not excused)."""
    text = _normal(text)
    swapped = "".join(_MISREAD.get(c, c) for c in text)
    marked = [c in _MISREAD for c in text]
    toks: list[tuple[str, bool, bool]] = []  # word, substituted inside, glued to the previous word
    end = 0
    for token, start, stop in _tokens(swapped):
        toks.append((token, any(marked[start:stop]), not swapped[end:start].strip()))
        end = stop
    out: Counter[str] = Counter(t for t, sub, _ in toks if sub)
    for i in range(len(toks)):
        joined, sub = toks[i][0], toks[i][1]
        for j in range(i + 1, min(i + MAX_RUN, len(toks))):
            if not toks[j][2]:
                break
            joined += toks[j][0]
            sub |= toks[j][1]
            if sub:
                out[joined] += 1
    return out


@dataclass
class Score:
    """Found and reference word counts, with the reference words docparse missed (``missed``,
    the strict count) and those of them excused as poppler's misreadings (``excused``)."""

    found: int = 0
    total: int = 0
    missed: Counter[str] = field(default_factory=Counter)
    excused: Counter[str] = field(default_factory=Counter)  # missed words that are poppler's misreadings
    ligatures: int = 0  # ligature / presentation-form code points left in docparse's text
    ordered: int = 0  # consecutive block pairs read in poppler's order (order_pairs) ...
    pairs: int = 0  # ... out of this many compared

    @property
    def order(self) -> float:
        return self.ordered / self.pairs if self.pairs else 1.0

    @property
    def recall(self) -> float:
        """The strict figure: found words over reference words."""
        return self.found / self.total if self.total else 1.0

    @property
    def excused_recall(self) -> float:
        """Found words and excused misreadings (:func:`excusable`) over reference words."""
        return (self.found + self.excused.total()) / self.total if self.total else 1.0

    def add(self, other: Score) -> None:
        self.found += other.found
        self.total += other.total
        self.missed.update(other.missed)
        self.excused.update(other.excused)
        self.ligatures += other.ligatures
        self.ordered += other.ordered
        self.pairs += other.pairs


def score(reference: str, ours: str) -> Score:
    """Recall of the words of the ``reference`` text among the words of ``ours`` (see the module
    docstring): exact words first, then words one side wrote apart and the other together."""
    ref = _glued(reference)
    left = Counter(words(ours))
    spare = Counter(runs(ours))
    missing: list[int] = []
    for i, (w, _) in enumerate(ref):
        if left[w] > 0:
            left[w] -= 1
        elif spare[w] > 0:  # poppler wrote together what docparse wrote apart
            spare[w] -= 1
        else:
            missing.append(i)
    # docparse wrote together what poppler wrote apart
    lost = set(missing) - _joined_runs(ref, set(missing), left)
    missed = Counter(ref[i][0] for i in sorted(lost))
    return Score(len(ref) - len(lost), len(ref), missed, _excuse(ref, lost, ours))


def _joined_runs(ref: list[tuple[str, bool]], lost: set[int], bag: Counter[str]) -> set[int]:
    """The indices of ``lost`` (reference words not found) that make, 2..``MAX_RUN`` consecutive
    ones written apart only by whitespace, a word of ``bag`` written as one; each run takes one
    of that word from ``bag``."""
    left = set(lost)
    for i in sorted(lost):
        if i not in left:
            continue
        joined = ref[i][0]
        for j in range(i + 1, min(i + MAX_RUN, len(ref))):
            if j not in left or not ref[j][1]:
                break
            joined += ref[j][0]
            if bag[joined] > 0:
                bag[joined] -= 1
                left -= set(range(i, j + 1))
                break
    return lost - left


def _excuse(ref: list[tuple[str, bool]], lost: set[int], ours: str) -> Counter[str]:
    """The missed reference words (indices ``lost`` of ``ref``) that are poppler's misreadings
    of a symbol ``ours`` has in their place (:func:`excusable`): a word itself, then 2..``MAX_RUN``
    consecutive missed words written apart only by whitespace that ``ours`` writes as one
    (poppler's ``hAcceptText i`` for ``⟨AcceptText⟩``)."""
    misread = excusable(ours)
    excused: Counter[str] = Counter()
    left = set(lost)
    for i in sorted(lost):
        if misread[ref[i][0]] > 0:
            misread[ref[i][0]] -= 1
            excused[ref[i][0]] += 1
            left.discard(i)
    excused.update(ref[i][0] for i in sorted(_joined_runs(ref, left, misread)))
    return excused


ANCHOR_WORDS = 6


def order_pairs(reference: str, blocks: Sequence[str], n: int = ANCHOR_WORDS) -> tuple[int, int]:
    """``(agreeing, compared)``: consecutive pairs of docparse's blocks that poppler reads in the
    same order. A block takes part when its first ``n`` words occur exactly once, in that order,
    in poppler's text (its anchor); a pair agrees when the second anchor comes later."""
    ref = words(reference)
    where: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(ref) - n + 1):
        where.setdefault(tuple(ref[i : i + n]), []).append(i)
    anchors = []
    for text in blocks:
        head = tuple(words(text)[:n])
        hits = where.get(head, []) if len(head) == n else []
        if len(hits) == 1:
            anchors.append(hits[0])
    pairs = list(itertools.pairwise(anchors))
    return sum(1 for a, b in pairs if b > a), len(pairs)


def pdftotext_page(path: Path, page: int) -> str:
    """poppler's text of one 1-based page (reading-order mode, UTF-8)."""
    cmd = ["pdftotext", "-q", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(path), "-"]
    return subprocess.run(cmd, check=True, capture_output=True).stdout.decode("utf-8", "replace")


def docparse_pages(path: Path, pages: Sequence[int] | None = None) -> dict[int, str]:
    """The text of every block, page by page, as the ``pdf-text`` engine gives it."""
    return {number: "\n".join(texts) for number, texts in docparse_blocks(path, pages).items()}


def docparse_blocks(path: Path, pages: Sequence[int] | None = None) -> dict[int, list[str]]:
    """The text of each block, in reading order, page by page."""
    from docparse import parse_file

    outcome = parse_file(path, engine="pdf-text", pages=pages)
    return {p.number: [_block_text(b) for b in p.blocks] for p in outcome.document.pages}


def _block_text(block: Any) -> str:
    """A block's ``text``, and a table's caption, which its ``text`` (the grid) leaves out."""
    caption = getattr(block, "caption", None) if block.type == "table" else None
    return f"{block.text}\n{caption}" if caption else str(block.text)


def file_score(path: Path, pages: Sequence[int] | None = None) -> Score:
    """Recall (and reading-order agreement) of one file, pooled over ``pages`` (1-based; all
    pages when ``None``)."""
    total = Score()
    for number, blocks in sorted(docparse_blocks(path, pages).items()):
        reference, text = pdftotext_page(path, number), "\n".join(blocks)
        page = score(reference, text)
        page.ligatures = ligatures_left(text)
        page.ordered, page.pairs = order_pairs(reference, blocks)
        total.add(page)
    return total


def _pdfs(args: argparse.Namespace) -> list[Path]:
    found = [Path(p) for p in args.files]
    if args.corpus:
        found += sorted(Path(args.corpus).rglob("*.pdf"))
    return found


def figures(s: Score, missed: int = 8) -> dict[str, Any]:
    """One file's (or the pooled) figures as the JSON report writes them: the strict recall and,
    labelled apart, the recall with poppler's misreadings excused."""
    rest = s.missed - s.excused
    return {
        "strict": {"recall": round(s.recall, 4), "found": s.found, "total": s.total},
        "excused_misreadings": {
            "recall": round(s.excused_recall, 4),
            "found": s.found + s.excused.total(),
            "total": s.total,
            "excused": s.excused.total(),
            "words": dict(s.excused.most_common(missed)),
        },
        "missed_not_excused": dict(rest.most_common(missed)),
        "ligatures_left": s.ligatures,
        "order": {"agreeing": s.ordered, "compared": s.pairs},
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print per-file and pooled recall, strict and with misreadings excused; exit 1 when a
    target is missed by the strict figure and ``--strict`` is given."""
    p = argparse.ArgumentParser(prog="python -m bench.text_recall", description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="*", help="PDF files")
    p.add_argument("--corpus", help="a folder of PDFs (searched recursively), e.g. the one `make pdf-corpus` fills")
    p.add_argument("--pooled-target", type=float, default=0.99)
    p.add_argument("--file-target", type=float, default=0.98)
    p.add_argument("--missed", type=int, default=8, help="most-missed words shown per file")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed (strict figure)")
    p.add_argument("--json", metavar="FILE", help="also write every figure, per file and pooled, to FILE")
    args = p.parse_args(argv)
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    pooled, failed, report = Score(), False, {}
    sys.stdout.write("strict recall (found/reference words), then recall with poppler's misreadings excused\n")
    for path in _pdfs(args):
        s = file_score(path)
        pooled.add(s)
        report[path.name] = figures(s, args.missed)
        bad = s.recall < args.file_target
        failed |= bad
        top = ", ".join(f"{w!r}x{n}" for w, n in (s.missed - s.excused).most_common(args.missed))
        lig = f" ligatures={s.ligatures}" if s.ligatures else ""
        flag = "MISS " if bad else ""
        line = (
            f"strict {s.recall:.4f} {s.found:>7}/{s.total:<7} excused {s.excused_recall:.4f} (+{s.excused.total():<3})"
            f" order {s.order:.3f} {flag}{path.name}{lig}  [{top}]"
        )
        sys.stdout.write(line + "\n")
    failed |= pooled.recall < args.pooled_target or pooled.ligatures > 0
    summary = (
        f"pooled strict {pooled.recall:.4f} ({pooled.found}/{pooled.total} words),"
        f" with misreadings excused {pooled.excused_recall:.4f} (+{pooled.excused.total()} words),"
        f" ligatures left {pooled.ligatures},"
        f" reading order agrees with poppler on {pooled.ordered}/{pooled.pairs} block pairs"
    )
    sys.stdout.write(summary + "\n")
    if args.json:
        out = {"files": report, "pooled": figures(pooled, args.missed)}
        out["pooled"]["files_at_target"] = {
            "strict": sum(1 for f in report.values() if f["strict"]["recall"] >= args.file_target),
            "excused_misreadings": sum(
                1 for f in report.values() if f["excused_misreadings"]["recall"] >= args.file_target
            ),
            "files": len(report),
        }
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
