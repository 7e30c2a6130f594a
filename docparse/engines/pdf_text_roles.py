"""Roles a text layer can tell from position and wording: captions tied to their figure or
table, and author lines under a document's title. Pure rules on elements in displayed points.

* **Captions**: a paragraph starting like ``Figure 3:``, ``Fig. 2.``, ``TABLE I.``,
  ``Tab. 4 —``, ``Listing 2:`` (and the German ``Abbildung``/``Tabelle``) — the number
  followed by a colon, period, bar or dash, so that a sentence such as "Table 2 summarizes
  …" is not — is a caption. It is
  tied to the figure or table just above or below it (vertical gap within
  :data:`CAPTION_MAX_GAP_EM` body sizes, overlapping horizontally by half the narrower of the
  two), the nearest one when several qualify; a tied caption becomes part of its figure's or
  table's element (:attr:`Element.caption`), an untied one a ``caption`` element of its own.
* **Display formulas** in pieces (TeX sets indices, fraction parts and big operators as
  lines of their own, and MuPDF may put them in blocks of their own) become one formula: a
  formula element takes in every formula piece and every fragment (a paragraph of at most
  :data:`FRAGMENT_MAX_CHARS` characters: an index, an equation number) whose box comes within
  :data:`FORMULA_REACH_EM` body sizes of it, and every paragraph half inside its box (a row
  of the formula with a word in it) (:func:`merge_formulas`).
* **Authors**: on the first page, the short paragraphs between the title (the topmost ``h1``)
  and the first other heading or the abstract, that read as names (:func:`looks_like_names`),
  are author lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from docparse.engines.pdf_text_layout import Element
from docparse.engines.pdf_text_rows import h_overlap, union

CAPTION_RE = re.compile(
    r"^(?:Figure|Fig\.|FIGURE|FIG\.|Table|TABLE|Tab\.|Listing|Algorithm|Chart|Scheme|Plate|Exhibit|"
    r"Abbildung|Abb\.|Tabelle)\s*(?:[A-Z]?\d+(?:[.\-–]\d+)*[a-z]?|[IVXLC]+)\s?[:.|—–-](?:\s|$)"
)
CAPTION_MAX_GAP_EM = 2.5
FRAGMENT_MAX_CHARS = 12
FORMULA_REACH_EM = 0.5
AUTHOR_MAX_WORDS = 40
_CONNECTORS = frozenset({"and", "und", "et", "y", "e", "&", "van", "von", "der", "de", "la", "di", "da", "of", "du"})
_MONTHS = re.compile(
    r"(?i)\b(?:jan(?:uary)?|feb(?:ruary)?|march|april|june|july|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|"
    r"nov(?:ember)?|dec(?:ember)?|abstract|version|draft|revised|received|accepted|preprint)\b"
)
_EMAIL = re.compile(r"\S+@\S+")


def is_table_caption(text: str) -> bool:
    """A caption that names a table (``Table 3: ...``, ``Tab. 2``): it ties to a table only."""
    return bool(CAPTION_RE.match(text)) and text[:3].lower() == "tab"


def _gap(a: Element, b: Element) -> float:
    """Vertical distance between two elements (0 when they overlap)."""
    return max(a.box[1] - b.box[3], b.box[1] - a.box[3], 0.0)


def tie_captions(elements: Sequence[Element], body: float) -> list[Element]:
    """Captions folded into the figure or table they belong to; untied ones made ``caption``."""
    pictures = [e for e in elements if e.kind in ("image", "table")]
    out: list[Element] = []
    for el in elements:
        if el.kind != "p" or not CAPTION_RE.match(el.text):
            out.append(el)
            continue
        wanted = "table" if is_table_caption(el.text) else None
        near = [
            p
            for p in pictures
            if p.caption is None
            and (wanted is None or p.kind == wanted)
            and _gap(el, p) <= CAPTION_MAX_GAP_EM * body
            and h_overlap(el.box, p.box) >= 0.5
        ]
        if not near:
            out.append(Element("caption", el.box, text=el.text))
            continue
        home = min(near, key=lambda p: _gap(el, p))
        home.content_box = home.box
        home.caption = (el.box, el.text)
        home.box = union([home.box, el.box])
    return out


def looks_like_names(text: str) -> bool:
    """Short, most words capitalised (names, affiliations), no sentence, no date or heading word."""
    words = [w.strip(",;*†‡§¶0123456789()") for w in _EMAIL.sub("", text).split()]
    words = [w for w in words if w]
    if not words or len(words) > AUTHOR_MAX_WORDS or text.rstrip().endswith((".", ":", "?", "!")):
        return False
    if _MONTHS.search(text):
        return False
    capital = sum(1 for w in words if w[0].isupper())
    lower = sum(1 for w in words if w[0].islower() and w.lower() not in _CONNECTORS)
    return capital >= 2 and lower <= 0.2 * len(words)


def mark_authors(elements: Sequence[Element]) -> None:
    """Author lines under the title of a first page become ``author`` elements (in place)."""
    titles = [e for e in elements if e.kind == "h1"]
    if not titles:
        return
    title = min(titles, key=lambda e: e.box[1])
    below = sorted((e for e in elements if e.box[1] >= title.box[3] - 1 and e is not title), key=lambda e: e.box[1])
    for el in below:
        if el.kind in ("h1", "h2", "h3") or el.text.lower().startswith("abstract") or el.kind != "p":
            break
        if looks_like_names(el.text):
            el.kind = "author"


def _near(a: Element, b: Element, reach: float) -> bool:
    return not (
        a.box[2] + reach < b.box[0]
        or b.box[2] + reach < a.box[0]
        or a.box[3] + reach < b.box[1]
        or b.box[3] + reach < a.box[1]
    )


def _inside(el: Element, seed: Element) -> bool:
    """Half of ``el``'s box lies in ``seed``'s."""
    a, b = el.box, seed.box
    inter = max(min(a[2], b[2]) - max(a[0], b[0]), 0.0) * max(min(a[3], b[3]) - max(a[1], b[1]), 0.0)
    return inter >= 0.5 * max((a[2] - a[0]) * (a[3] - a[1]), 1e-6)


def _piece(el: Element) -> bool:
    return el.kind == "formula" or (el.kind == "p" and len(el.text) <= FRAGMENT_MAX_CHARS)


def merge_formulas(elements: Sequence[Element], body: float) -> list[Element]:
    """Formula pieces and the fragments around them joined into whole formulas (see above); the
    text of a merged formula reads its pieces row by row, left to right."""
    reach = FORMULA_REACH_EM * body
    out = list(elements)
    changed = True
    while changed:
        changed = False
        for seed in [e for e in out if e.kind == "formula"]:
            if not any(seed is e for e in out):
                continue
            group = [
                e
                for e in out
                if e is not seed and ((_piece(e) and _near(seed, e, reach)) or (e.kind == "p" and _inside(e, seed)))
            ]
            if not group:
                continue
            parts = sorted([seed, *group], key=lambda e: (round((e.box[1] + e.box[3]) / (2 * 0.8 * body)), e.box[0]))
            seed.text = " ".join(p.text for p in parts if p.text)
            seed.box = union(p.box for p in parts)
            out = [e for e in out if not any(e is g for g in group)]
            changed = True
    return out
