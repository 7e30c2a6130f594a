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
also counts the reference words that are poppler's *demonstrable* misreadings, each shown by
docparse's and poppler's own texts of the same page, by three rules (:func:`_excuse`; each
missed word is excused once, each piece of evidence used once):

* **a symbol docparse has in its place** (:func:`excusable`). poppler prints TeX's angle
  brackets (cmsy) as the letters at their code points, ``⟨name⟩`` as ``hnamei``, and primes as
  ``0`` (``x′`` as ``x0``). A word docparse missed is excused only when docparse's text of the
  page, with ``⟨`` → ``h``, ``⟩`` → ``i`` and ``′`` → ``0`` substituted, holds that word and the
  substitution is inside it (one side may write apart, by whitespace, what the other writes
  together, as above: poppler's ``hAcceptText i`` for ``⟨AcceptText⟩``); each such word of
  docparse's excuses one reference word (or run of them);
* **marks split off their letters** (:func:`mark_runs`, :func:`orphan_marks`). Combining marks
  (Unicode category ``Mn``: Hebrew points and cantillation, Arabic harakat) are no word
  characters, so a pointed word is the words between its marks (``אֱֹלהִ֖ים`` gives ``א``,
  ``לה``, ``ים``, each mark a word of its own); poppler moves some marks off their letters
  (to the front of the word, to another line), which joins the letters they stood between
  (``להים``). Such a word is excused only when docparse's text of the page has its letters as
  2..``MAX_RUN`` consecutive words with nothing but marks between them (``לה`` ``ִ֖`` ``ים``)
  *and* poppler's text of the page has each of those marks with no letter to sit on (after a
  space, a line break, a control: ``֖ ִ`` on a line of their own), each such orphan mark used
  once;
* **a word broken at a line end glued to the wrong neighbours** (:func:`rejoined`). Reading
  two columns as one, line by line, poppler joins a line-end hyphen of one column to the first
  word of the other (``Pellentes-`` and ``consectetur``: ``pellentesconsectetur``) and the
  word's rest to the next fragment (``luc`` and ``que``: ``lucque``). The missed words of a page
  that docparse reads nowhere on it are excused only as far as they are, exactly, docparse's
  spare words of the page (those it has more often than poppler) cut once each: the second
  part of a cut word, or the first part of one glued to the second part of another or to a
  whole spare word; every spare word used, cut or whole, is one poppler reads whole elsewhere
  on the page, and both parts of each cut word are among the excused words. From the two texts
  alone this cannot tell poppler's wrong join from docparse's where docparse's wrong join
  makes a word poppler reads elsewhere on the page and the true word is nowhere else in
  docparse's text of it; every word this rule excuses on the corpus was checked by eye.

Nothing else is excused: a word simply absent, an ``h``-word where docparse has no ``⟨``,
letters docparse does not have in one word between marks, marks poppler left on letters (no
orphan mark on the page), two whole words glued (``soda67``), or the halves of a word poppler
never reads whole on the page (docparse's own wrong join of a hyphenated word) stay missed.

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
from collections.abc import Collection, Sequence
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
    return Score(len(ref) - len(lost), len(ref), missed, _excuse(ref, lost, reference, ours))


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


def _excuse(ref: list[tuple[str, bool]], lost: set[int], reference: str, ours: str) -> Counter[str]:
    """The missed reference words (indices ``lost`` of ``ref``) that are poppler's demonstrable
    misreadings (see the module docstring), rule by rule, each word excused once: a symbol
    ``ours`` has in their place (:func:`excusable`), a word itself, then 2..``MAX_RUN``
    consecutive missed words written apart only by whitespace that ``ours`` writes as one
    (poppler's ``hAcceptText i`` for ``⟨AcceptText⟩``); letters ``ours`` has with marks between
    them that poppler split off (:func:`mark_runs`, :func:`orphan_marks`); words poppler broke at
    a line end and glued to the wrong neighbours (:func:`rejoined`)."""
    misread = excusable(ours)
    excused: Counter[str] = Counter()
    left = set(lost)
    for i in sorted(lost):
        if misread[ref[i][0]] > 0:
            misread[ref[i][0]] -= 1
            excused[ref[i][0]] += 1
            left.discard(i)
    runs_excused = _joined_runs(ref, left, misread)
    excused.update(ref[i][0] for i in sorted(runs_excused))
    left -= runs_excused
    marked, orphans = mark_runs(ours), orphan_marks(reference)
    for i in sorted(left):
        # runs whose marks poppler has on the page off their letters, the least wanted marks first
        fit = [m for m in marked.get(ref[i][0], []) if not m - orphans]
        if fit:
            marks = max(fit, key=lambda m: min(orphans[c] - n for c, n in m.items()))
            orphans -= marks
            marked[ref[i][0]].remove(marks)
            excused[ref[i][0]] += 1
            left.discard(i)
    read, attested = Counter(words(ours)), Counter(words(reference))
    glued = [ref[i][0] for i in sorted(left) if ref[i][0] not in read]
    excused.update(rejoined(glued, read - attested, attested))
    return excused


def _is_mark(c: str) -> bool:
    return unicodedata.category(c) == "Mn"


def mark_runs(text: str) -> dict[str, list[Counter[str]]]:
    """Runs of 2..``MAX_RUN`` consecutive words of ``text`` with only combining marks (Unicode
    category ``Mn``) between them, written together, each with the marks between its words (one
    entry per run): the letters of a pointed word between its vowel and cantillation marks,
    which split it into words (``אֱֹלהִ֑ים`` gives ``א``, ``לה``, ``ים`` and the runs ``להים``,
    ``אלה``, ``אלהים``)."""
    text = _normal(text)
    found = [(m.group().lower(), m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    out: dict[str, list[Counter[str]]] = {}
    for i in range(len(found)):
        joined = found[i][0]
        marks: Counter[str] = Counter()
        for j in range(i + 1, min(i + MAX_RUN, len(found))):
            between = text[found[j - 1][2] : found[j][1]]
            if not between or not all(_is_mark(c) for c in between):
                break
            joined += found[j][0]
            marks.update(between)
            out.setdefault(joined, []).append(Counter(marks))
    return out


def orphan_marks(text: str) -> Counter[str]:
    """The combining marks (``Mn``) of ``text`` with no letter to sit on, how often each: the
    nearest character before the mark that is not a mark is no letter (a space, a line break, a
    control, punctuation) or there is none — marks poppler split off their letters."""
    out: Counter[str] = Counter()
    base = ""
    for c in _normal(text):
        if not _is_mark(c):
            base = c
        elif not base or unicodedata.category(base)[0] != "L":
            out[c] += 1
    return out


MIN_PART = 2
"""Letters each part of a word broken at a line end has, at least (:func:`rejoined`)."""
SEARCH_BUDGET = 200_000
"""Steps :func:`rejoined` searches at most; it keeps the best assignment found by then."""
MAX_GLUED = 400
"""Missed words of a page that could be parts of spare words :func:`rejoined` searches at most
(one level of recursion each)."""

_Cut = tuple[str, int]  # a word and where it is cut: (word, letters before the cut)
_Option = tuple[_Cut | None, _Cut | None, str | None]
"""How a missed word is made: the cut word whose first part starts it, the cut word whose second
part ends it (or is all of it), the whole spare word that ends it."""


def rejoined(missed: Sequence[str], spare: Counter[str], attested: Collection[str]) -> Counter[str]:
    """The words of ``missed`` (reference words docparse does not have) that are poppler's
    misreading of words broken at a line end, whose two parts it glued to the wrong neighbours:
    two columns read as one, their line-end hyphens joined across them (``Pellentes-`` of one
    column and ``consectetur`` starting the other read ``pellentesconsectetur``, the rest,
    ``que``, glued to the next fragment: ``lucque``).

    ``missed`` are to be words docparse reads nowhere on the page (:func:`_excuse` passes only
    those: a glued word is no word), ``spare`` holds docparse's words of the page beyond
    poppler's (their multiset difference), ``attested`` the words poppler reads whole on the
    page. Each excused word is, exactly, the second part of a spare word cut once (``tus`` of
    ``luctus``), or the first part of one glued to the second part of another (``luc`` +
    ``que``) or to a whole spare word (``pellentes`` + ``consectetur``); each part has
    :data:`MIN_PART` letters or more, every spare word used is one poppler reads whole
    elsewhere on the page (``attested``: so docparse's own wrong join of two halves is no
    excuse), each is used once, whole or cut, and a word cut has *both* its parts among the
    excused words. A word that is not so made of spare words' parts stays missed. Of the
    assignments that hold, the one excusing the most words is searched for
    (:data:`SEARCH_BUDGET` steps at most: the best found by then, or none, is kept; a page with
    more than :data:`MAX_GLUED` candidate words is not searched: none is excused)."""
    usable = {w: n for w, n in spare.items() if n > 0 and w in attested}
    heads: dict[str, list[_Cut]] = {}
    tails: dict[str, list[_Cut]] = {}
    for w in usable:
        for c in range(MIN_PART, len(w) - MIN_PART + 1):
            heads.setdefault(w[:c], []).append((w, c))
            tails.setdefault(w[c:], []).append((w, c))
    tokens: list[tuple[str, list[_Option]]] = []
    for t in missed:
        opts: list[_Option] = [(None, cut, None) for cut in tails.get(t, [])]
        for c in range(MIN_PART, len(t) - MIN_PART + 1):
            for head in heads.get(t[:c], []):
                opts += [(head, cut, None) for cut in tails.get(t[c:], [])]
                if t[c:] in usable:
                    opts.append((head, None, t[c:]))
        if opts:
            tokens.append((t, opts))
    if len(tokens) > MAX_GLUED:
        return Counter()
    tokens.sort(key=lambda to: len(to[1]))
    firsts: Counter[_Cut] = Counter()
    seconds: Counter[_Cut] = Counter()
    whole: Counter[str] = Counter()
    chosen: list[str] = []
    best: list[str] = []
    steps = 0

    def fits(word: str) -> bool:  # a cut's two parts are one use of the word
        cuts = sum(max(firsts[word, c], seconds[word, c]) for c in range(MIN_PART, len(word) - MIN_PART + 1))
        return cuts + whole[word] <= usable[word]

    def search(i: int) -> None:
        nonlocal best, steps
        steps += 1
        if steps > SEARCH_BUDGET or len(chosen) + len(tokens) - i <= len(best):
            return
        if i == len(tokens):
            if +firsts == +seconds:  # every word cut has both its parts used
                best = list(chosen)
            return
        t, opts = tokens[i]
        for head, tail, rest in opts:
            words_used = {k[0] for k in (head, tail) if k} | ({rest} if rest else set())
            if head:
                firsts[head] += 1
            if tail:
                seconds[tail] += 1
            if rest:
                whole[rest] += 1
            chosen.append(t)
            if all(fits(w) for w in words_used):
                search(i + 1)
            chosen.pop()
            if head:
                firsts[head] -= 1
            if tail:
                seconds[tail] -= 1
            if rest:
                whole[rest] -= 1
        search(i + 1)  # left missed

    search(0)
    return Counter(best)


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
