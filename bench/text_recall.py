"""Word recall of the ``pdf-text`` engine against poppler's ``pdftotext`` on real PDFs.

Definition (the same normalisation on both sides):

* **reference words**: ``pdftotext -enc UTF-8 -f N -l N FILE -`` of each page (poppler's
  reading-order mode, which expands ligatures and joins words hyphenated at line ends);
* **docparse words**: the ``text`` of every block of that page as ``docparse.parse_file(...,
  engine="pdf-text")`` returns it (list items, table cells, formula sources, figure labels
  and form fields all live in their block's ``text``);
* **normalisation**: Unicode NFC, Arabic presentation forms (U+FB50..U+FDFF,
  U+FE70..U+FEFF: glyph shapes poppler reports, where MuPDF gives the letters) to their
  letters by NFKC — only those, so ligatures are *not* expanded here — then :func:`words`: runs of word characters (``\\w+``) and
  single non-space symbols, lower-cased (``str.lower``, *not* ``casefold``, which would turn
  ``ﬁ`` into ``fi`` and hide unexpanded ligatures), punctuation and invisible controls
  (Unicode categories ``P*``, ``C*``: poppler wraps right-to-left runs in U+202B..U+202C) dropped. ``x+y`` and ``x + y`` give the same words; ``adip-iscing`` gives ``adip``,
  ``iscing`` and so does not match ``adipiscing``;
* **recall** of a page or file: the multiset intersection of the two word bags over the
  reference bag's size (a word the reference has twice must be found twice). Pooled recall
  sums both over every page of every file.

Run ``python -m bench.text_recall [--corpus DIR] [FILE.pdf ...]`` (``make text-recall``).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

_TOKEN = re.compile(r"\w+|[^\w\s]")
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]+")


def _base_letters(m: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", m.group())


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (see the module docstring)."""
    out: list[str] = []
    text = _PRESENTATION_FORMS.sub(_base_letters, unicodedata.normalize("NFC", text))
    for m in _TOKEN.finditer(text):
        token = m.group()
        if len(token) == 1 and unicodedata.category(token)[0] in "PC":
            continue
        out.append(token.lower())
    return out


@dataclass
class Score:
    """Found and reference word counts, with the reference words docparse missed."""

    found: int = 0
    total: int = 0
    missed: Counter[str] = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 1.0

    def add(self, other: Score) -> None:
        self.found += other.found
        self.total += other.total
        self.missed.update(other.missed)


def score(reference: Iterable[str], ours: Iterable[str]) -> Score:
    """Multiset recall of the ``reference`` words among ``ours``."""
    ref, got = Counter(reference), Counter(ours)
    found = sum(min(n, got[w]) for w, n in ref.items())
    missed = Counter({w: n - got[w] for w, n in ref.items() if n > got[w]})
    return Score(found, sum(ref.values()), missed)


def pdftotext_page(path: Path, page: int) -> str:
    """poppler's text of one 1-based page (reading-order mode, UTF-8)."""
    cmd = ["pdftotext", "-q", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(path), "-"]
    return subprocess.run(cmd, check=True, capture_output=True).stdout.decode("utf-8", "replace")


def docparse_pages(path: Path, pages: Sequence[int] | None = None) -> dict[int, str]:
    """The text of every block, page by page, as the ``pdf-text`` engine gives it."""
    from docparse import parse_file

    outcome = parse_file(path, engine="pdf-text", pages=pages)
    return {p.number: "\n".join(b.text for b in p.blocks) for p in outcome.document.pages}


def file_score(path: Path, pages: Sequence[int] | None = None) -> Score:
    """Recall of one file, pooled over ``pages`` (1-based; all pages when ``None``)."""
    ours = docparse_pages(path, pages)
    total = Score()
    for number, text in sorted(ours.items()):
        total.add(score(words(pdftotext_page(path, number)), words(text)))
    return total


def _pdfs(args: argparse.Namespace) -> list[Path]:
    found = [Path(p) for p in args.files]
    if args.corpus:
        found += sorted(Path(args.corpus).rglob("*.pdf"))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Print per-file and pooled recall; exit 1 when a target is missed and ``--strict`` is given."""
    p = argparse.ArgumentParser(prog="python -m bench.text_recall", description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="*", help="PDF files")
    p.add_argument("--corpus", help="a folder of PDFs (searched recursively), e.g. the one `make pdf-corpus` fills")
    p.add_argument("--pooled-target", type=float, default=0.99)
    p.add_argument("--file-target", type=float, default=0.98)
    p.add_argument("--missed", type=int, default=8, help="most-missed words shown per file")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = p.parse_args(argv)
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    pooled, failed = Score(), False
    for path in _pdfs(args):
        s = file_score(path)
        pooled.add(s)
        bad = s.recall < args.file_target
        failed |= bad
        top = ", ".join(f"{w!r}x{n}" for w, n in s.missed.most_common(args.missed))
        sys.stdout.write(f"{s.recall:.4f} {s.found:>7}/{s.total:<7} {'MISS ' if bad else ''}{path.name}  [{top}]\n")
    failed |= pooled.recall < args.pooled_target
    sys.stdout.write(f"pooled {pooled.recall:.4f} ({pooled.found}/{pooled.total} words)\n")
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
