"""The page viewer in headless Chromium against the real API on loopback.

``samples/invoice.pdf`` is ingested with the embedded pipeline (SQLite and a blob store in a temp
folder, engine ``pdf-text``, owned by the key's name) and served by ``docparse.api.create_app``
under uvicorn on an ephemeral loopback port, API keys on (``DOCPARSE_API_KEYS``). Chromium
(Debian's ``/usr/bin/chromium``, driven by the ``playwright`` package — no browser download)
opens the viewer with the key in the URL fragment. The screenshot is written to
``test-artifacts/viewer.png`` (gitignored). Needs no PostgreSQL, Redis or worker.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Request
    from playwright.sync_api import Page as BrowserPage

    from schemas import Document

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OWNER = "viewer"
KEY = "viewer-test-key-0123456789"
WAIT_MS = 10_000

if not CHROMIUM.exists():
    _NO_BROWSER: str | None = f"the viewer test drives Debian's Chromium at {CHROMIUM}, which is not installed"
elif importlib.util.find_spec("playwright") is None:
    _NO_BROWSER = "the viewer test needs the playwright package (pip install playwright; it drives /usr/bin/chromium)"
else:
    _NO_BROWSER = None
needs_browser = pytest.mark.skipif(_NO_BROWSER is not None, reason=_NO_BROWSER or "")
pytestmark = pytest.mark.timeout(60)


@dataclass
class Served:
    """The running server's origin; the invoice, and a scan whose page is pending and has no image kept."""

    origin: str
    document: Document
    scan: Document

    def view_url(self, fragment: str = "", document: Document | None = None) -> str:
        return f"{self.origin}/v1/documents/{(document or self.document).id}/view{fragment}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``samples/invoice.pdf`` and ``scan.png`` ingested in process (the scan's page image then
    deleted); the API (keys from the environment) on 127.0.0.1."""
    import uvicorn

    from docparse.api import create_app
    from docparse.intake import ProcessingRequest, submit
    from docparse.services import Services
    from workers.engines import clear_engines

    data_dir = tmp_path_factory.mktemp("viewer") / "data"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DOCPARSE_DATA_DIR", str(data_dir))
        env.setenv("DOCPARSE_ENGINE", "pdf-text")
        env.setenv("DOCPARSE_API_KEYS", f"{OWNER}:{KEY}")
        for name in ("DOCPARSE_BROKER_URL", "DOCPARSE_DATABASE_URL", "DOCPARSE_API_AUTH", "DOCPARSE_API_ADMIN_KEYS"):
            env.delenv(name, raising=False)
        clear_engines()
        services = Services.from_env()
        services.prepare()  # the embedded database is created and migrated here
        assert services.embedded
        results = submit(
            [REPO_ROOT / "samples" / "invoice.pdf", REPO_ROOT / "samples" / "scan.png"],
            db=services.db,
            blobs=services.blobs,
            app=services.app,
            request=ProcessingRequest(),
            owner=OWNER,
        )
        clear_engines()
        ids = [r.document_id or "" for r in results]
        with services.db.unit_of_work() as uow:
            document, scan = (uow.documents.load(i, include_raw=False) for i in ids)
            image_key = uow.pages.image_key(ids[1], 1)
        assert document is not None and document.status == "done"
        assert scan is not None and scan.pages[0].status == "pending" and image_key is not None
        services.blobs.delete(image_key)  # "not kept": the viewer draws a blank sheet

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(services), log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:  # uvicorn has no start callback: poll, bounded
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        try:
            yield Served(origin=f"http://127.0.0.1:{port}", document=document, scan=scan)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()
            services.db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium, no network beyond loopback needed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Tab:
    """A fresh browser page with its requests and console errors recorded."""

    page: BrowserPage
    requests: list[Request] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    recorded = Tab(page=page)

    def on_request(request: Request) -> None:
        recorded.requests.append(request)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            recorded.errors.append(message.text)

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: recorded.errors.append(f"uncaught: {exc}"))
    try:
        yield recorded
    finally:
        context.close()


def _boxed(document: Document) -> dict[str, Any]:
    """Every block that has a box, by id."""
    return {b.id: b for p in document.pages for b in p.blocks if b.bbox is not None or b.bbox_norm is not None}


def test_viewer_page_is_static_self_contained_and_locked_down(served: Served) -> None:
    import httpx

    from docparse.api.viewer import STATIC_DIR

    response = httpx.get(served.view_url(), timeout=10)  # no key: the page itself carries no data
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert served.document.id not in html  # the same page for every document
    assert httpx.get(f"{served.origin}/v1/documents/other/view", timeout=10).text == html
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)  # nothing loaded from elsewhere
    script = (STATIC_DIR / "viewer.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, f"viewer.js uses {sink}: model output must go in as text"


@needs_browser
def test_viewer_draws_every_box_and_shows_block_details(served: Served, tab: Tab) -> None:
    page = tab.page
    page.goto(served.view_url(f"#key={KEY}"))
    page.wait_for_selector("section.page[data-state=ready]")
    boxed = _boxed(served.document)
    boxes = page.locator("#pages .box")
    assert boxes.count() == len(boxed) > 0
    drawn_ids = set(boxes.evaluate_all("els => els.map(e => e.dataset.blockId)"))
    assert drawn_ids == set(boxed)
    assert page.locator(".box[data-type=table]").count() == 1
    assert page.locator("img.page-image").evaluate("img => img.complete && img.naturalWidth > 0")
    src = page.locator("img.page-image").get_attribute("src")
    assert src is not None and src.startswith("blob:")  # fetched with the key header, shown by object URL

    # The key left the address bar; every request stayed on this origin and carried the key as a header.
    assert "key=" not in page.url
    assert page.evaluate("sessionStorage.getItem('docparse.apiKey')") == KEY
    api_calls = [r for r in tab.requests if urlsplit(r.url).scheme in ("http", "https")]
    assert {f"{urlsplit(r.url).scheme}://{urlsplit(r.url).netloc}" for r in api_calls} == {served.origin}
    assert all(urlsplit(r.url).scheme in ("http", "https", "blob", "data") for r in tab.requests)
    fetched = [r for r in api_calls if not r.url.endswith("/view")]
    assert len(fetched) >= 3 and all(r.headers.get("x-api-key") == KEY and KEY not in r.url for r in fetched)

    # A table: its cells appear in the details panel, as a table.
    table = page.locator(".box[data-type=table]")
    table.click()
    details = page.locator("#block-details")
    assert details.locator("table th", has_text="Description").count() == 1
    assert table.get_attribute("aria-pressed") == "true"
    table_block = boxed[table.get_attribute("data-block-id") or ""]
    assert details.locator("table tr").count() == table_block.n_rows

    # A paragraph: its text appears; reached from the keyboard (boxes are buttons).
    paragraph = page.locator(".box[data-type=paragraph]").first
    paragraph_block = boxed[paragraph.get_attribute("data-block-id") or ""]
    paragraph.focus()
    page.keyboard.press("Enter")
    assert details.locator(".text").inner_text() == paragraph_block.text
    assert table.get_attribute("aria-pressed") == "false"

    ARTIFACTS.mkdir(exist_ok=True)
    table.click()
    page.screenshot(path=str(ARTIFACTS / "viewer.png"), full_page=True)
    assert tab.errors == []


@needs_browser
def test_viewer_without_a_key_asks_for_one(served: Served, tab: Tab) -> None:
    page = tab.page
    page.goto(served.view_url())
    form = page.locator("#key-form")
    form.wait_for(state="visible")
    assert "API key" in page.locator("#key-prompt").inner_text()
    assert page.locator("#pages .box").count() == 0
    # Entering the key opens the document.
    page.fill("#key-input", KEY)
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("section.page[data-state=ready]")
    assert page.locator("#pages .box").count() == len(_boxed(served.document))
    assert form.is_hidden()
    assert [e for e in tab.errors if "401" not in e] == []  # Chromium logs the refused fetch itself


@needs_browser
def test_viewer_with_a_wrong_key_says_so(served: Served, tab: Tab) -> None:
    page = tab.page
    page.goto(served.view_url("#key=not-the-key"))
    page.locator("#key-form").wait_for(state="visible")
    assert "refused" in page.locator("#key-prompt").inner_text()
    message = page.locator("#message")
    assert message.is_visible() and "401" in message.inner_text()
    assert "key=" not in page.url
    assert page.evaluate("sessionStorage.getItem('docparse.apiKey')") is None  # a refused key is not kept
    assert [e for e in tab.errors if "401" not in e] == []


@needs_browser
def test_viewer_shows_why_a_page_is_pending_on_a_blank_sheet(served: Served, tab: Tab) -> None:
    page = tab.page
    page.goto(served.view_url(f"#key={KEY}", served.scan))
    section = page.locator("section.page[data-state=ready]")
    section.wait_for()
    assert section.locator(".status").inner_text() == "pending"
    assert "vision-language model" in section.locator(".reason").inner_text()
    assert "needs_vlm" in section.locator(".issues").inner_text()
    assert section.locator(".sheet-note").inner_text() == "no page image kept"
    assert section.locator("img").count() == 0 and section.locator(".box").count() == 0
    geometry = served.scan.pages[0].geometry
    assert geometry is not None
    size = section.locator(".sheet").bounding_box()
    assert size is not None and abs(size["height"] / size["width"] - geometry.height / geometry.width) < 0.01
    assert [e for e in tab.errors if "404" not in e] == []  # Chromium logs the 404 of the image itself


_COUNT_HASHCHANGE_LISTENERS = """
window.__hashchangeListeners = 0;
const add = window.addEventListener.bind(window);
window.addEventListener = (type, listener, options) => {
  if (type === "hashchange") window.__hashchangeListeners += 1;
  return add(type, listener, options);
};
"""


@needs_browser
def test_viewer_takes_a_key_pasted_into_the_fragment_of_an_open_tab(served: Served, tab: Tab) -> None:
    """A tab opened with a good key takes a new ``#key=...`` pasted later (the listener exists
    from the start), and key changes never add the listener again."""
    page = tab.page
    page.add_init_script(_COUNT_HASHCHANGE_LISTENERS)
    doc_path = f"/v1/documents/{served.document.id}"

    def document_fetches() -> int:
        return sum(1 for r in tab.requests if urlsplit(r.url).path == doc_path)

    page.goto(served.view_url(f"#key={KEY}"))
    page.wait_for_selector("section.page[data-state=ready]")
    assert page.evaluate("window.__hashchangeListeners") == 1
    before = document_fetches()
    page.evaluate("window.location.hash = 'key=not-the-key'")  # a new link pasted into the tab
    page.locator("#key-form").wait_for(state="visible")
    assert "refused" in page.locator("#key-prompt").inner_text()
    assert document_fetches() == before + 1 and "key=" not in page.url
    page.fill("#key-input", KEY)  # the form, then "forget", then another link: setKey three times
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("section.page[data-state=ready]")
    page.click("#forget-key")
    page.evaluate(f"window.location.hash = 'key={KEY}'")
    page.wait_for_function("() => !window.location.hash.includes('key=')")
    page.wait_for_selector("section.page[data-state=ready]")
    assert page.evaluate("sessionStorage.getItem('docparse.apiKey')") == KEY
    assert page.evaluate("window.__hashchangeListeners") == 1
    assert [e for e in tab.errors if "401" not in e] == []
