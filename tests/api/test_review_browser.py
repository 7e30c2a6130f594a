"""Reviewing in Debian's headless Chromium against the real API on loopback (embedded
deployment, see :mod:`tests.api.review_server`): fix a paragraph's text, drag a box, edit a table
cell, accept a page; the exports and the history show it; two tabs get a conflict; hostile text
typed into a cell never executes. Screenshot: ``test-artifacts/review.png``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api import test_viewer_browser as viewer_tests
from tests.api.review_server import KEYS, OWNER, ReviewDeployment, review_deployment
from tests.api.test_viewer_browser import ARTIFACTS, WAIT_MS, Tab, needs_browser

browser = viewer_tests.browser  # the same headless-Chromium fixtures as the viewer's tests
tab = viewer_tests.tab

pytestmark = [pytest.mark.timeout(120), needs_browser]
KEY = KEYS[OWNER]
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewDeployment]:
    with review_deployment(tmp_path_factory.mktemp("review-browser") / "data") as dep:
        yield dep


def _open(tab: Tab, deployment: ReviewDeployment, sample: str) -> Any:
    page = tab.page
    page.goto(f"{deployment.server.url}/v1/documents/{deployment.ids[sample]}/view#key={KEY}")
    page.wait_for_selector("section.page[data-state=ready] .review-bar")
    return page


def _server_page(deployment: ReviewDeployment, sample: str, number: int = 1) -> dict[str, Any]:
    with deployment.client(OWNER) as client:
        body: dict[str, Any] = client.get(f"/v1/documents/{deployment.ids[sample]}/pages/{number}/review").json()
    return body


def _saved(page: Any, number: int = 1) -> None:
    section = page.locator(f"section.page[data-page='{number}']")
    section.locator("xpath=self::*[@data-dirty='false'][@data-reviewed='true']").wait_for(timeout=WAIT_MS)


def test_a_reviewer_fixes_text_drags_a_box_edits_a_cell_and_accepts(deployment: ReviewDeployment, tab: Tab) -> None:
    page = _open(tab, deployment, "invoice.pdf")
    before = _server_page(deployment, "invoice.pdf")
    paragraph = next(b for b in before["blocks"] if b["type"] == "paragraph")
    table = next(b for b in before["blocks"] if b["type"] == "table")

    box = page.locator(f".box[data-order='{paragraph['order']}']")
    box.click()
    page.fill("#block-details .editor .edit-text", "Fixed in the browser")
    page.locator("#block-details .editor .edit-text").press("Tab")  # a change event
    box = page.locator(f".box[data-order='{paragraph['order']}']")
    assert box.get_attribute("aria-pressed") == "true"
    start = box.bounding_box()
    assert start is not None
    sheet = page.locator("section.page[data-page='1'] .sheet").bounding_box()
    assert sheet is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 60, start["y"] + start["height"] / 2 + 30, steps=5)
    page.mouse.up()

    page.locator(f".box[data-order='{table['order']}']").click()
    cell = next(c for c in table["cells"] if not c["header"])
    selector = f".cell-grid input[data-row='{cell['row']}'][data-col='{cell['col']}']"
    page.fill(selector, "42.00 corrected")
    page.locator(selector).press("Tab")
    assert page.locator("section.page[data-page='1']").get_attribute("data-dirty") == "true"
    page.locator("#pages").click(position={"x": 2, "y": 2})  # focus off the fields
    page.keyboard.press("Control+s")
    _saved(page)

    after = _server_page(deployment, "invoice.pdf")
    fixed = after["blocks"][paragraph["order"]]
    assert fixed["text"] == "Fixed in the browser"
    width = after["geometry"]["width"]
    shift = fixed["bbox"]["x0"] - paragraph["bbox"]["x0"]
    assert shift == pytest.approx(60 / sheet["width"] * width, rel=0.15)  # the drag, in page units
    assert any(c["text"] == "42.00 corrected" for c in after["blocks"][table["order"]]["cells"])
    assert after["review"]["reviewed_by"] == OWNER

    document_id = deployment.ids["invoice.pdf"]
    with deployment.client(OWNER) as client:
        exported = client.get(f"/v1/documents/{document_id}/export?format=json").json()
        assert exported["pages"][0]["blocks"][paragraph["order"]]["text"] == "Fixed in the browser"
        rows = list(csv.DictReader(io.StringIO(client.get(f"/v1/documents/{document_id}/export?format=csv").text)))
        assert any(r["text"] == "Fixed in the browser" for r in rows)
        markdown = client.get(f"/v1/documents/{document_id}/export?format=md").text
        assert "Fixed in the browser" in markdown and "42.00 corrected" in markdown
        versions = client.get(f"/v1/documents/{document_id}/pages/1/history").json()["versions"]
    assert [v["attempt"]["kind"] for v in versions][-2:] == ["model", "human"]

    page.locator("section.page[data-page='1'] .review-bar button.history").click()
    page.locator("#block-details .history li[data-kind=human]").wait_for()
    assert page.locator("#block-details .history li").count() == len(versions)

    # Accept another page with one key.
    report = _open(tab, deployment, "report.pdf")
    report.locator("section.page[data-page='1'] .box").first.click()
    report.locator("#pages").click(position={"x": 2, "y": 2})
    report.keyboard.press("a")
    _saved(report)
    assert _server_page(deployment, "report.pdf")["review"]["reviewed"] is True
    assert [e for e in tab.errors if "favicon" not in e] == []


def test_two_tabs_editing_one_page_get_a_conflict_not_a_silent_overwrite(
    deployment: ReviewDeployment,
    browser: Any,
) -> None:
    tabs = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{deployment.server.url}/v1/documents/{deployment.ids['article.pdf']}/view#key={KEY}")
        page.wait_for_selector("section.page[data-page='1'][data-state=ready] .review-bar")
        tabs.append((context, page))
    try:
        for (_, page), text in zip(tabs, ("from tab one", "from tab two"), strict=True):
            page.locator("section.page[data-page='1'] .box").first.click()
            page.fill("#block-details .editor .edit-text", text)
            page.locator("#block-details .editor .edit-text").press("Tab")
        first, second = tabs[0][1], tabs[1][1]
        first.locator("section.page[data-page='1'] .review-bar button.save").click()
        _saved(first)
        second.locator("section.page[data-page='1'] .review-bar button.save").click()
        second.locator("#message").wait_for(state="visible")
        assert "changed elsewhere" in second.locator("#message").inner_text()
        assert second.locator("section.page[data-page='1']").get_attribute("data-dirty") == "true"  # edits kept
        assert _server_page(deployment, "article.pdf")["blocks"][0]["text"] == "from tab one"
    finally:
        for context, _ in tabs:
            context.close()


def test_hostile_text_typed_into_a_cell_never_executes(deployment: ReviewDeployment, tab: Tab) -> None:
    page = _open(tab, deployment, "invoice.pdf")
    before = _server_page(deployment, "invoice.pdf")
    table = next(b for b in before["blocks"] if b["type"] == "table")
    page.locator(f".box[data-order='{table['order']}']").click()
    selector = ".cell-grid input[data-row='1'][data-col='0']"
    page.fill(selector, HOSTILE)
    page.locator(selector).press("Tab")
    page.locator("section.page[data-page='1'] .review-bar button.save").click()
    _saved(page)
    page.reload()
    page.wait_for_selector("section.page[data-state=ready] .review-bar")
    page.locator(f".box[data-order='{table['order']}']").click()
    assert page.locator(selector).input_value() == HOSTILE
    assert page.locator("#block-details table td", has_text="onerror").count() == 1
    assert page.locator("#block-details img, #block-details script").count() == 0
    assert page.evaluate("window.__pwned") is None
    cells = _server_page(deployment, "invoice.pdf")["blocks"][table["order"]]["cells"]
    assert any(c["text"] == HOSTILE for c in cells)
    with httpx.Client(base_url=deployment.server.url, headers={"X-API-Key": KEY}) as client:
        html = client.get(f"/v1/documents/{deployment.ids['invoice.pdf']}/export?format=html").text
    assert "<img src=x" not in html and "&lt;img src=x" in html
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review.png"), full_page=False)


def test_draw_split_reorder_merge_delete_and_undo(deployment: ReviewDeployment, tab: Tab) -> None:
    page = _open(tab, deployment, "article.pdf")
    section = page.locator("section.page[data-page='2']")
    section.scroll_into_view_if_needed()
    page.wait_for_selector("section.page[data-page='2'][data-state=ready] .review-bar")
    boxes = section.locator(".box")
    count = boxes.count()
    assert count > 1

    section.locator(".review-bar button.draw").click()
    sheet = section.locator(".sheet").bounding_box()
    assert sheet is not None
    section.locator(".sheet").evaluate("el => el.scrollIntoView({block: 'start'})")
    sheet = section.locator(".sheet").bounding_box()
    assert sheet is not None
    page.mouse.move(sheet["x"] + sheet["width"] * 0.6, sheet["y"] + sheet["height"] * 0.01)
    page.mouse.down()
    page.mouse.move(sheet["x"] + sheet["width"] * 0.9, sheet["y"] + sheet["height"] * 0.04, steps=4)
    page.mouse.up()
    assert boxes.count() == count + 1
    assert section.locator(f".box[data-order='{count}']").get_attribute("aria-pressed") == "true"  # the new block

    area = page.locator("#block-details .editor .edit-text")
    area.fill("first half second half")
    area.evaluate("el => el.setSelectionRange(10, 10)")
    page.locator("#block-details .editor button.split").click()
    assert boxes.count() == count + 2
    page.locator("#pages").click(position={"x": 2, "y": 2})
    page.keyboard.press("[")  # the first half moves one earlier in reading order
    moved = section.locator(f".box[data-order='{count - 1}']")
    assert moved.get_attribute("aria-pressed") == "true"
    assert page.locator("#block-details .editor .edit-text").input_value() == "first half"
    page.keyboard.press("]")
    page.keyboard.press("m")  # merge with the next block: the second half
    assert boxes.count() == count + 1
    assert page.locator("#block-details .editor .edit-text").input_value() == "first half\nsecond half"
    page.keyboard.press("Delete")
    assert boxes.count() == count
    page.keyboard.press("Control+z")
    assert boxes.count() == count + 1
    page.keyboard.press("Control+s")
    _saved(page, 2)

    saved = _server_page(deployment, "article.pdf", 2)
    assert len(saved["blocks"]) == count + 1
    added = saved["blocks"][count]
    assert added["type"] == "paragraph" and added["text"] == "first half\nsecond half"
    assert added["bbox_norm"]["y0"] == pytest.approx(0.01, abs=0.005)
    assert added["bbox_norm"]["x1"] == pytest.approx(0.9, abs=0.005)
    assert [e for e in tab.errors if "favicon" not in e] == []
