"""Property tests: the parser is total, keeps boxes in the page, and loses no text of well-formed input."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docparse.qwenvl import parse_qwenvl_html
from schemas import PageGeometry
from tests.paths import CORPUS_DIR
from tests.qwenvl.helpers import missing_tokens

SETTINGS = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
REAL = [path.read_text(encoding="utf-8") for path in sorted(CORPUS_DIR.glob("*.html"))]

geometries = st.builds(
    PageGeometry,
    unit=st.sampled_from(["pt", "px"]),
    width=st.floats(min_value=1, max_value=5000),
    height=st.floats(min_value=1, max_value=5000),
    pixel_width=st.integers(min_value=1, max_value=5000),
    pixel_height=st.integers(min_value=1, max_value=5000),
    model_width=st.integers(min_value=28, max_value=4000),
    model_height=st.integers(min_value=28, max_value=4000),
)
conventions = st.sampled_from(["qwen2.5-absolute", "qwen3-relative"])
words = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=8)
coords = st.integers(min_value=-50, max_value=2500)


@st.composite
def boxes(draw: st.DrawFn) -> str:
    return " ".join(str(draw(coords)) for _ in range(4))


@st.composite
def elements(draw: st.DrawFn) -> str:
    text = " ".join(draw(st.lists(words, min_size=1, max_size=6)))
    box = draw(boxes())
    kind = draw(st.integers(min_value=0, max_value=9))
    if kind == 0:
        level = draw(st.integers(1, 6))
        return f'<h{level} data-bbox="{box}">{text}</h{level}>'
    if kind == 1:
        items = "".join(
            f'<li data-bbox="{draw(boxes())}">{w}</li>' for w in draw(st.lists(words, min_size=1, max_size=4))
        )
        return f'<ul data-bbox="{box}">{items}</ul>'
    if kind == 2:
        rows = draw(st.lists(st.lists(words, min_size=1, max_size=4), min_size=1, max_size=4))
        body = "".join(
            "<tr>" + "".join(f'<td colspan="{1 + len(c) % 2}">{c}</td>' for c in row) + "</tr>" for row in rows
        )
        return f'<div class="table" data-bbox="{box}"><table><tbody>{body}</tbody></table></div>'
    if kind == 3:
        return f'<div class="formula" data-bbox="{box}"><img data-bbox="{box}"/><div>$${text}$$</div></div>'
    if kind == 4:
        return f'<div class="image caption" data-bbox="{box}"><img data-bbox="{box}"/><p>{text}</p></div>'
    if kind == 5:
        return f'<address class="author" data-bbox="{box}"><p>{text}</p></address>'
    if kind == 6:
        chart = f'<img data-bbox="{box}"/><table><tr><td>{text}</td></tr></table>'
        return f'<div class="chart" data-bbox="{box}">{chart}</div>'
    if kind == 7:
        return f'<div class="text" data-bbox="{box}">{text}</div>'
    return f'<p data-bbox="{box}"> {text}</p>'


@st.composite
def documents(draw: st.DrawFn) -> str:
    body = " \n ".join(draw(st.lists(elements(), min_size=1, max_size=8)))
    return draw(
        st.sampled_from(["<html><body>{}</body></html>", "```html\n<html><body>\n{}\n</body></html>\n```", "{}"])
    ).format(body)


def check_invariants(text: str, geometry: PageGeometry, convention: str) -> None:
    result = parse_qwenvl_html(text, geometry, convention)  # type: ignore[arg-type]
    assert [b.order for b in result.blocks] == list(range(len(result.blocks)))
    assert not any(i.code == "parse_error" for i in result.issues)
    for block in result.blocks:
        boxes_ = [(block.bbox, block.bbox_norm)]
        if block.type == "list":
            boxes_ += [(item.bbox, item.bbox_norm) for item in block.items]
        for bbox, norm in boxes_:
            assert (bbox is None) == (norm is None)
            if bbox is not None and norm is not None:
                assert 0 <= bbox.x0 <= bbox.x1 <= geometry.width
                assert 0 <= bbox.y0 <= bbox.y1 <= geometry.height
                assert 0 <= norm.x0 <= norm.x1 <= 1
                assert 0 <= norm.y0 <= norm.y1 <= 1
    for issue in result.issues:
        assert issue.block is None or 0 <= issue.block < len(result.blocks)


@SETTINGS
@given(st.text(max_size=400), geometries, conventions)
def test_any_text_never_raises(text: str, geometry: PageGeometry, convention: str) -> None:
    check_invariants(text, geometry, convention)


@SETTINGS
@given(st.text(alphabet="<>/=\"' pdivclasdatbox-0123456789&;#\n", max_size=300), geometries, conventions)
def test_tag_soup_never_raises(text: str, geometry: PageGeometry, convention: str) -> None:
    check_invariants(text, geometry, convention)


@SETTINGS
@given(st.sampled_from(REAL), st.data(), geometries, conventions)
def test_mutated_real_outputs(text: str, data: st.DataObject, geometry: PageGeometry, convention: str) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    deletions = data.draw(st.lists(st.integers(min_value=0, max_value=max(0, cut - 1)), max_size=5))
    mutated = text[:cut]
    for position in sorted(set(deletions), reverse=True):
        mutated = mutated[:position] + mutated[position + 1 :]
    check_invariants(mutated, geometry, convention)


@SETTINGS
@given(documents(), st.data(), geometries, conventions)
def test_generated_documents_lose_no_text(
    text: str, data: st.DataObject, geometry: PageGeometry, convention: str
) -> None:
    check_invariants(text, geometry, convention)
    result = parse_qwenvl_html(text, geometry, convention)  # type: ignore[arg-type]
    assert missing_tokens(text.replace("```html", "").replace("```", ""), result) == []
    # Truncating anywhere keeps every word (or word part) written before the cut.
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    check_invariants(text[:cut], geometry, convention)
    truncated = parse_qwenvl_html(text[:cut], geometry, convention)  # type: ignore[arg-type]
    head = re.sub(r"```[A-Za-z]*\Z", "", text[:cut])  # a fence cut in its language tag ("```h") is no text
    written = re.sub(r"<[^>]*\Z", "", head.replace("```html", "").replace("```", ""))  # nor is a cut tag
    assert missing_tokens(written, truncated) == []


@SETTINGS
@given(documents(), st.integers(min_value=1, max_value=6), geometries)
def test_duplicated_elements_never_raise(text: str, copies: int, geometry: PageGeometry) -> None:
    start = text.find("<p")
    end = text.find("</p>", start)
    if start >= 0 and end > start:
        element = text[start : end + 4]
        text = text[: end + 4] + element * copies + text[end + 4 :]
    check_invariants(text, geometry, "qwen2.5-absolute")
    # Copies in the middle are content; at the end, one copy survives: no word is lost.
    assert (
        missing_tokens(
            text.replace("```html", "").replace("```", ""), parse_qwenvl_html(text, geometry, "qwen2.5-absolute")
        )
        == []
    )
