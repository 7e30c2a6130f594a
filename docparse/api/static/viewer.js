/* docparse page viewer: every page image with its blocks' boxes, coloured by type.
 *
 * Plain JavaScript, no external loads. Every value that comes from the API (block text, cells,
 * formulas, file names, issue messages) is model output or user input and is inserted as text
 * (textContent / text nodes / setAttribute), never as HTML.
 *
 * The API key: read once from the URL fragment (#key=...; the fragment never reaches the server),
 * removed from the address bar with history.replaceState, kept in sessionStorage for this tab,
 * sent as the X-API-Key header on every fetch. Page images are fetched with that header and shown
 * through object URLs, so <img> never needs a header. A 401 asks for a key.
 */
"use strict";
(function () {
  const KEY_STORE = "docparse.apiKey";
  const CONFIG = JSON.parse(document.getElementById("viewer-config").textContent);
  const COLORS = CONFIG.colors;
  const FALLBACK_COLOR = COLORS.unknown || "#000000";
  const SUMMARY_LIMIT = 160;
  const PARALLEL_PAGES = 3;

  const $ = (id) => document.getElementById(id);
  const ui = {
    title: $("doc-title"), status: $("doc-status"), meta: $("doc-meta"), reload: $("reload"),
    forget: $("forget-key"), message: $("message"), keyForm: $("key-form"), keyPrompt: $("key-prompt"),
    keyInput: $("key-input"), layout: $("layout"), pageList: $("page-list"), legend: $("legend"),
    pages: $("pages"), details: $("block-details"),
  };

  /* ---------- small DOM helpers (text only) ---------- */

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") node.className = value;
      else if (name === "text") node.textContent = String(value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
    }
    return node;
  }

  function colorOf(type) {
    return Object.prototype.hasOwnProperty.call(COLORS, type) ? COLORS[type] : FALLBACK_COLOR;
  }

  function statusChip(status) {
    const s = String(status || "unknown");
    return el("span", { className: "status s-" + s.replace(/[^a-z_]/g, ""), text: s });
  }

  function shorten(text, limit) {
    const s = String(text || "").replace(/\s+/g, " ").trim();
    return s.length > limit ? s.slice(0, limit - 1) + "…" : s;
  }

  /* ---------- the key ---------- */

  function storageGet() {
    try { return window.sessionStorage.getItem(KEY_STORE); } catch (e) { return null; }
  }
  function storageSet(value) {
    try {
      if (value) window.sessionStorage.setItem(KEY_STORE, value);
      else window.sessionStorage.removeItem(KEY_STORE);
    } catch (e) { /* storage disabled: the key lives in memory only */ }
  }

  /** Take `key` out of the fragment (and out of the address bar and history entry). */
  function takeKeyFromFragment() {
    const fragment = window.location.hash.slice(1);
    if (!fragment) return null;
    const params = new URLSearchParams(fragment);
    if (!params.has("key")) return null;
    const key = params.get("key");
    params.delete("key");
    const rest = params.toString();
    const clean = window.location.pathname + window.location.search + (rest ? "#" + rest : "");
    window.history.replaceState(window.history.state, "", clean);
    return key;
  }

  let apiKey = takeKeyFromFragment();
  if (apiKey) storageSet(apiKey);
  else apiKey = storageGet();

  function setKey(value) {
    apiKey = value || null;
    storageSet(apiKey);
    ui.forget.hidden = !apiKey;
  }

  // Pasting a new "#key=..." link into this tab changes only the fragment: no reload, so take it here.
  // Registered once, at start-up (not inside setKey, where it was missing until the first key
  // change and then added again on every change).
  window.addEventListener("hashchange", () => {
    const key = takeKeyFromFragment();
    if (key) { setKey(key); start(); }
  });

  /* ---------- the API (URLs relative to this page: works under any root path) ---------- */

  const DOC_PATH = window.location.pathname.replace(/\/view\/?$/, "");
  const docUrl = () => DOC_PATH;
  const pageUrl = (n) => DOC_PATH + "/pages/" + encodeURIComponent(n);
  const imageUrl = (n) => pageUrl(n) + "/image";

  class HttpError extends Error {
    constructor(status, detail) {
      super(detail ? "HTTP " + status + ": " + detail : "HTTP " + status);
      this.status = status;
      this.detail = detail;
    }
  }

  async function errorDetail(resp) {
    try {
      const body = await resp.json();
      if (body && typeof body.detail === "string") return shorten(body.detail, 300);
      if (body && body.detail) return shorten(JSON.stringify(body.detail), 300);
    } catch (e) { /* not JSON */ }
    return resp.statusText || "";
  }

  async function api(url, accept) {
    const headers = { Accept: accept || "application/json" };
    if (apiKey) headers["X-API-Key"] = apiKey;
    let resp;
    try {
      resp = await fetch(url, { headers, cache: "no-store", credentials: "same-origin", redirect: "error" });
    } catch (e) {
      throw new HttpError(0, "the server could not be reached");
    }
    if (!resp.ok) throw new HttpError(resp.status, await errorDetail(resp));
    return resp;
  }

  /** A write (PUT/POST/DELETE) with an optional JSON body and If-Match; resolves to the Response (ok or not). */
  async function apiSend(method, url, body, etag) {
    const headers = { Accept: "application/json" };
    if (apiKey) headers["X-API-Key"] = apiKey;
    if (etag) headers["If-Match"] = etag;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    try {
      return await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                cache: "no-store", credentials: "same-origin", redirect: "error" });
    } catch (e) {
      throw new HttpError(0, "the server could not be reached");
    }
  }

  /* ---------- messages and the key form ---------- */

  function showMessage(text, kind) {
    ui.message.textContent = text;
    ui.message.className = kind === "info" ? "info" : "";
    ui.message.hidden = false;
  }
  function hideMessage() { ui.message.hidden = true; ui.message.textContent = ""; }

  function askForKey(prompt, isError) {
    ui.layout.hidden = true;
    ui.reload.hidden = true;
    ui.keyPrompt.textContent = prompt;
    ui.keyPrompt.className = isError ? "error" : "";
    ui.keyForm.hidden = false;
    ui.keyInput.value = "";
    ui.keyInput.focus();
  }

  /** An auth failure anywhere: 401 asks for a (new) key, 403 says this key may not see the document. */
  function authFailed(err) {
    if (err.status === 401) {
      const hadKey = Boolean(apiKey);
      setKey(null);
      showMessage(hadKey ? "The API key was refused (401 Unauthorized)." + (err.detail ? " " + err.detail : "")
                         : "This server needs an API key to show documents.");
      askForKey(hadKey ? "The API key was refused. Enter a valid key." : "Enter your API key to open this document.",
                hadKey);
      return true;
    }
    if (err.status === 403) {
      showMessage("This API key may not open this document (403 Forbidden)." + (err.detail ? " " + err.detail : ""));
      askForKey("Enter a key that may open this document.", true);
      return true;
    }
    return false;
  }

  ui.keyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = ui.keyInput.value.trim();
    if (!value) return;
    setKey(value);
    ui.keyForm.hidden = true;
    start();
  });
  ui.reload.addEventListener("click", () => start());
  ui.forget.addEventListener("click", () => {
    setKey(null);
    showMessage("The key was removed from this tab.", "info");
  });
  ui.forget.hidden = !apiKey;

  /* ---------- legend (with per-type show/hide) ---------- */

  const hiddenTypes = new Set();

  function buildLegend() {
    ui.legend.replaceChildren();
    for (const type of Object.keys(COLORS)) {
      const box = el("input", { type: "checkbox", checked: true, "data-type": type });
      box.checked = true;
      box.addEventListener("change", () => {
        if (box.checked) hiddenTypes.delete(type); else hiddenTypes.add(type);
        for (const b of document.querySelectorAll(".box")) {
          if (b.dataset.type === type) b.hidden = !box.checked;
        }
      });
      const swatch = el("span", { className: "swatch" });
      swatch.style.borderColor = colorOf(type);
      swatch.style.backgroundColor = colorOf(type) + "33";
      ui.legend.append(el("li", null, el("label", null, box, swatch, type.replace(/_/g, " "))));
    }
  }

  /* ---------- the document ---------- */

  let generation = 0; // a reload abandons pages still loading for the previous one
  const objectUrls = [];

  function revokeImages() {
    while (objectUrls.length) URL.revokeObjectURL(objectUrls.pop());
  }
  window.addEventListener("pagehide", revokeImages);

  async function start() {
    generation += 1;
    const mine = generation;
    hideMessage();
    ui.keyForm.hidden = true;
    let doc;
    try {
      doc = await (await api(docUrl())).json();
    } catch (err) {
      if (mine !== generation) return;
      if (authFailed(err)) return;
      ui.layout.hidden = true;
      ui.reload.hidden = false;
      if (err.status === 404) showMessage("No such document (404)." + (err.detail ? " " + err.detail : ""));
      else showMessage("The document could not be loaded: " + err.message);
      return;
    }
    if (mine !== generation) return;
    renderDocument(doc, mine);
  }

  function pageSummaries(doc) {
    if (Array.isArray(doc.pages) && doc.pages.length) {
      return doc.pages.map((p) => (typeof p === "number" ? { number: p } : p));
    }
    const count = Number(doc.page_count) || 0;
    return Array.from({ length: count }, (_, i) => ({ number: i + 1 }));
  }

  function renderDocument(doc, mine) {
    revokeImages();
    const name = doc.filename || doc.id || "document";
    document.title = name + " — docparse viewer";
    ui.title.textContent = name;
    const chip = statusChip(doc.status);
    chip.id = "doc-status";
    ui.status.replaceWith(chip);
    ui.status = chip;
    const pages = pageSummaries(doc);
    ui.meta.textContent = pages.length + (pages.length === 1 ? " page" : " pages") + (doc.id ? " · " + doc.id : "");
    ui.reload.hidden = false;
    ui.layout.hidden = false;
    clearDetails();
    buildLegend();

    if (doc.error) showMessage("Document " + (doc.status || "") + ": " + doc.error);
    else if (doc.status === "queued" || doc.status === "running") {
      showMessage("This document is " + doc.status + "; pages not processed yet show as pending. Reload to update.", "info");
    }

    ui.pageList.replaceChildren();
    ui.pages.replaceChildren();
    if (!pages.length) {
      ui.pages.append(el("p", { className: "hint", text: "This document has no pages." }));
      return;
    }
    const queue = [];
    for (const summary of pages) {
      const n = summary.number;
      const chip = statusChip(summary.status || "pending");
      ui.pageList.append(el("li", null, el("a", { href: "#page-" + n, text: "Page " + n }), chip));
      const section = el("section", { className: "page", id: "page-" + n, "data-page": n, "data-state": "waiting",
                                      "aria-label": "Page " + n });
      section.listChip = chip;
      fillPageHeader(section, n, summary.status || "pending", summary.issues || []);
      section.append(blankSheet(null, "loading…"));
      ui.pages.append(section);
      queue.push(section);
    }
    loadLazily(queue, mine);
  }

  /** Load pages near the viewport first (a few at a time); all of them when IntersectionObserver is missing. */
  function loadLazily(sections, mine) {
    const waiting = new Set(sections);
    let running = 0;
    const wanted = [];
    const pump = () => {
      while (running < PARALLEL_PAGES && wanted.length) {
        const section = wanted.shift();
        running += 1;
        loadPage(section, mine).finally(() => { running -= 1; pump(); });
      }
    };
    const want = (section) => {
      if (!waiting.delete(section)) return;
      wanted.push(section);
      pump();
    };
    if (!("IntersectionObserver" in window)) { sections.forEach(want); return; }
    const observer = new IntersectionObserver((entries) => {
      if (mine !== generation) { observer.disconnect(); return; }
      for (const entry of entries) {
        if (entry.isIntersecting) { observer.unobserve(entry.target); want(entry.target); }
      }
    }, { rootMargin: "1500px 0px" });
    sections.forEach((s) => observer.observe(s));
  }

  function fillPageHeader(section, n, status, issues) {
    const header = el("header", null, el("h2", { text: "Page " + n }), statusChip(status));
    const why = pageReason(status, issues);
    if (why) header.append(el("span", { className: "reason", text: why }));
    const old = section.querySelector(":scope > header");
    const oldIssues = section.querySelector(":scope > ul.issues");
    if (oldIssues) oldIssues.remove();
    if (old) old.replaceWith(header); else section.prepend(header);
    if (issues.length) header.after(issueList(issues));
    if (section.listChip) {
      const chip = statusChip(status);
      section.listChip.replaceWith(chip);
      section.listChip = chip;
    }
  }

  function pageReason(status, issues) {
    if (status === "pending") {
      return issues.some((i) => i && i.code === "needs_vlm")
        ? "waiting for a vision-language model (no text layer)"
        : "not processed yet";
    }
    if (status === "failed") {
      const first = issues.find((i) => i && i.severity === "error") || issues[0];
      return first ? "failed: " + shorten(first.message || first.code, 200) : "failed (no reason recorded)";
    }
    return "";
  }

  function issueList(issues) {
    const list = el("ul", { className: "issues" });
    for (const issue of issues) {
      if (!issue) continue;
      const sev = ["info", "warning", "error"].includes(issue.severity) ? issue.severity : "warning";
      const where = Number.isInteger(issue.block) ? " (block " + issue.block + ")" : "";
      list.append(el("li", { className: "sev-" + sev },
        el("strong", { text: sev + " " + (issue.code || "") }), where + ": " + (issue.message || ""),
        issue.detail ? el("div", { className: "issue-detail", text: shorten(issue.detail, 300) }) : null));
    }
    return list;
  }

  function blankSheet(geometry, note) {
    const sheet = el("div", { className: "sheet" });
    if (geometry && geometry.width > 0 && geometry.height > 0) {
      sheet.style.aspectRatio = geometry.width + " / " + geometry.height;
    }
    if (note) sheet.append(el("span", { className: "sheet-note", text: note }));
    return sheet;
  }

  async function loadPage(section, mine) {
    const n = Number(section.dataset.page);
    section.dataset.state = "loading";
    let page;
    try {
      page = await (await api(pageUrl(n) + "/review")).json();
    } catch (err) {
      if (mine !== generation) return;
      if (authFailed(err)) return;
      section.querySelector(".sheet").replaceWith(blankSheet(null, "page could not be loaded: " + err.message));
      section.dataset.state = "error";
      return;
    }
    if (mine !== generation) return;
    fillPageHeader(section, n, page.status, page.issues || []);
    const sheet = blankSheet(page.geometry, null);
    section.querySelector(".sheet").replaceWith(sheet);
    drawBoxes(sheet, page);
    editor.pageLoaded(section, sheet, page);
    section.dataset.blocks = String((page.blocks || []).length);
    await loadImage(sheet, n, mine);
    if (mine !== generation) return;
    section.dataset.state = "ready";
  }

  async function loadImage(sheet, n, mine) {
    let blob;
    try {
      blob = await (await api(imageUrl(n), "image/*")).blob();
    } catch (err) {
      if (mine !== generation) return;
      if (err.status === 401 || err.status === 403) { authFailed(err); return; }
      const note = err.status === 404 ? "no page image kept" : "page image could not be loaded: " + err.message;
      sheet.prepend(el("span", { className: "sheet-note", text: note }));
      return;
    }
    if (mine !== generation) return;
    const url = URL.createObjectURL(blob);
    objectUrls.push(url);
    const img = el("img", { className: "page-image", alt: "Page " + n, draggable: "false" });
    const loaded = new Promise((resolve) => {
      img.addEventListener("load", resolve, { once: true });
      img.addEventListener("error", () => {
        img.remove();
        sheet.prepend(el("span", { className: "sheet-note", text: "the page image is not a readable image" }));
        resolve();
      }, { once: true });
    });
    img.src = url;
    if (!sheet.style.aspectRatio) {
      loaded.then(() => { if (img.naturalWidth) sheet.style.aspectRatio = img.naturalWidth + " / " + img.naturalHeight; });
    }
    sheet.prepend(img);
    await loaded;
  }

  /* ---------- boxes ---------- */

  function normBox(block, geometry) {
    const b = block.bbox_norm;
    if (b && [b.x0, b.y0, b.x1, b.y1].every(Number.isFinite)) return b;
    const p = block.bbox;
    if (p && geometry && geometry.width > 0 && geometry.height > 0) {
      return { x0: p.x0 / geometry.width, y0: p.y0 / geometry.height, x1: p.x1 / geometry.width, y1: p.y1 / geometry.height };
    }
    return null;
  }

  const pct = (v) => (Math.min(Math.max(v, 0), 1) * 100).toFixed(3) + "%";

  function blockSummary(block) {
    for (const value of [block.text, block.content, block.caption, block.ocr_text]) {
      if (value) return String(value);
    }
    return "";
  }

  function drawBoxes(sheet, page) {
    const drawn = [];
    for (const block of page.blocks || []) {
      const box = normBox(block, page.geometry);
      if (!box) continue;
      const type = String(block.type || "unknown");
      const label = type + " #" + block.order + (blockSummary(block) ? ": " + shorten(blockSummary(block), SUMMARY_LIMIT) : "");
      const button = el("button", {
        type: "button", className: "box", "data-block-id": block.id, "data-type": type,
        "data-order": block.order, title: label, "aria-label": label, "aria-pressed": "false",
      });
      const color = colorOf(type);
      button.style.left = pct(box.x0);
      button.style.top = pct(box.y0);
      button.style.width = pct(box.x1 - box.x0);
      button.style.height = pct(box.y1 - box.y0);
      button.style.borderColor = color;
      button.style.backgroundColor = color + "1a";
      button.hidden = hiddenTypes.has(type);
      button.addEventListener("click", () => select(button, page, block));
      drawn.push({ button, area: Math.max(box.x1 - box.x0, 0) * Math.max(box.y1 - box.y0, 0) });
    }
    // DOM (and Tab) order is reading order; smaller boxes sit above larger ones so each stays clickable.
    const byArea = drawn.slice().sort((a, b) => b.area - a.area);
    byArea.forEach((d, i) => { d.button.style.zIndex = String(i + 1); });
    sheet.append(...drawn.map((d) => d.button));
  }

  /* ---------- details ---------- */

  let selected = null;

  function clearDetails() {
    selected = null;
    ui.details.replaceChildren(el("h2", { text: "Details" }),
      el("p", { className: "hint", text: "Select a box on a page (click it, or Tab to it and press Enter) to see its text, table or formula." }));
  }

  document.addEventListener("keydown", (event) => {
    if (editor.onKey(event)) return;
    if (event.key === "Escape" && selected) {
      selected.classList.remove("selected");
      selected.setAttribute("aria-pressed", "false");
      clearDetails();
    }
  });

  function select(button, page, block) {
    if (selected) { selected.classList.remove("selected"); selected.setAttribute("aria-pressed", "false"); }
    selected = button;
    button.classList.add("selected");
    button.setAttribute("aria-pressed", "true");
    showDetails(page, block);
    editor.selected(button, page, block);
  }

  function fmt(v) { return Number.isFinite(v) ? String(Math.round(v * 10) / 10) : "?"; }

  function showDetails(page, block) {
    const type = String(block.type || "unknown");
    const chip = el("span", { className: "type-chip", text: type.replace(/_/g, " ") });
    chip.style.borderLeftColor = colorOf(type);
    const facts = el("dl");
    const fact = (name, value) => {
      if (value === null || value === undefined || value === "") return;
      facts.append(el("dt", { text: name }), el("dd", { text: String(value) }));
    };
    fact("page", page.number);
    fact("reading order", block.order);
    if (type === "heading") fact("level", block.level);
    fact("id", block.id);
    if (block.bbox) {
      const unit = page.geometry && page.geometry.unit ? " " + page.geometry.unit : "";
      fact("box", fmt(block.bbox.x0) + ", " + fmt(block.bbox.y0) + " – " + fmt(block.bbox.x1) + ", " + fmt(block.bbox.y1) + unit);
    }
    if (block.format && block.format !== "latex") fact("format", block.format);
    fact("language", block.language);
    fact("variant", block.variant);
    if (type === "unknown") { fact("tag", block.tag); fact("class", block.classes); }

    const body = el("div", { className: "content" });
    renderContent(body, type, block);

    const issues = (page.issues || []).filter((i) => i && i.block === block.order);
    ui.details.replaceChildren(el("h2", null, chip), facts, body);
    if (issues.length) ui.details.append(el("h3", { text: "Issues" }), issueList(issues));
    if (block.html) {
      ui.details.append(el("details", null, el("summary", { text: "Source (as the model wrote it)" }),
        el("pre", { className: "source", text: block.html })));
    }
  }

  function textPara(text, className) {
    return el("p", { className: className || "text", text: text });
  }

  function renderContent(body, type, block) {
    switch (type) {
      case "table":
        if (block.caption) body.append(el("h3", { text: "Caption" }), textPara(block.caption));
        body.append(tableOf(block));
        break;
      case "chart":
        if (block.text) body.append(textPara(block.text));
        if (block.data && block.data.cells && block.data.cells.length) body.append(el("h3", { text: "Data" }), tableOf(block.data));
        break;
      case "formula":
      case "music_sheet":
      case "chemical_formula":
        body.append(el("h3", { text: type === "formula" ? "LaTeX" : "Source (" + (block.format || "") + ")" }),
          el("pre", { className: "formula", text: block.content || block.text || "" }));
        break;
      case "image":
        if (block.caption) body.append(el("h3", { text: "Caption" }), textPara(block.caption));
        if (block.ocr_text) body.append(el("h3", { text: "Text in the image" }), textPara(block.ocr_text));
        if (!block.caption && !block.ocr_text) body.append(textPara(block.text || "(no caption or text)", "hint"));
        break;
      case "list":
        body.append(listOf(block.items || [], Boolean(block.ordered), block.start));
        break;
      case "code":
        body.append(el("pre", null, el("code", { text: block.text || "" })));
        break;
      default:
        body.append(block.text ? textPara(block.text) : textPara("(no text)", "hint"));
    }
  }

  /** An HTML table from a cell grid (row, col, rowspan, colspan, header). */
  function tableOf(data) {
    const table = el("table");
    const nRows = Number(data.n_rows) || 0;
    const rows = Array.from({ length: nRows }, () => el("tr"));
    const cells = (data.cells || []).slice().sort((a, b) => a.row - b.row || a.col - b.col);
    for (const cell of cells) {
      if (!(cell.row >= 0 && cell.row < nRows)) continue;
      const td = el(cell.header ? "th" : "td", { text: cell.text || "" });
      if (cell.rowspan > 1) td.rowSpan = cell.rowspan;
      if (cell.colspan > 1) td.colSpan = cell.colspan;
      rows[cell.row].append(td);
    }
    // One row group: a header cell's rowspan must not cross a thead/tbody boundary.
    table.append(el("tbody", null, ...rows));
    return table;
  }

  function listOf(items, ordered, start) {
    const list = el(ordered ? "ol" : "ul");
    if (ordered && Number.isInteger(start)) list.start = start;
    for (const item of items) {
      const li = el("li", null, item.text || "");
      if (item.children && item.children.length) li.append(listOf(item.children, Boolean(item.children_ordered), null));
      list.append(li);
    }
    return list;
  }

  // The review editor (viewer_edit.js, inlined after this script): corrections, accept, undo.
  const editor = installEditor({
    el, api, apiSend, pageUrl, drawBoxes, select, clearDetails, fillPageHeader, showMessage, hideMessage,
    authFailed, ui, selectedButton: () => selected,
  });

  start();
})();
