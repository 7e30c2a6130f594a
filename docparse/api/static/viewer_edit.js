/* docparse viewer: the review editor. Inlined after viewer.js in the same script element; viewer.js
 * calls installEditor(viewer) (a hoisted function declaration) with its helpers.
 *
 * Each page keeps a working copy of its blocks, the ETag it was read at and an undo stack.
 * Edits (text, type, cells, move/resize by dragging, split, merge, reorder, delete, draw a new
 * box) change the working copy and redraw the page; Save sends every block with If-Match
 * (a 409 keeps the local version and says so), Accept marks the page reviewed.
 * Shortcuts (outside text fields): a accept · Ctrl+S save · Ctrl+Z undo · Delete remove ·
 * arrows nudge (Shift: more) · n draw a box · [ ] move in reading order · m merge with next.
 * Every value is inserted as text or as an input's value, never as HTML.
 */
function installEditor(viewer) {
  "use strict";
  const { el } = viewer;
  const pages = new Map(); // page number -> state
  const TYPES = ["paragraph", "heading", "caption", "header", "footer", "page_number", "author", "code", "formula",
                 "list", "table", "image", "unknown"];
  let current = null; // {state, index}

  const clone = (v) => JSON.parse(JSON.stringify(v));
  const clamp01 = (v) => Math.min(Math.max(v, 0), 1);

  function normOf(block, geometry) {
    const b = block.bbox_norm;
    if (b) return { ...b };
    const p = block.bbox;
    if (p && geometry) return { x0: p.x0 / geometry.width, y0: p.y0 / geometry.height, x1: p.x1 / geometry.width, y1: p.y1 / geometry.height };
    return null;
  }

  function setNorm(state, block, n) {
    const g = state.page.geometry;
    const box = { x0: clamp01(Math.min(n.x0, n.x1)), y0: clamp01(Math.min(n.y0, n.y1)),
                  x1: clamp01(Math.max(n.x0, n.x1)), y1: clamp01(Math.max(n.y0, n.y1)) };
    block.bbox_norm = box;
    block.bbox = g ? { x0: box.x0 * g.width, y0: box.y0 * g.height, x1: box.x1 * g.width, y1: box.y1 * g.height } : null;
  }

  /* ---------- page toolbar ---------- */

  function toolbar(state) {
    const bar = el("div", { className: "review-bar", role: "toolbar", "aria-label": "Review page " + state.page.number });
    const button = (label, title, action, cls) => {
      const b = el("button", { type: "button", className: cls || "", title, text: label });
      b.addEventListener("click", () => { current = { state, index: current && current.state === state ? current.index : -1 }; action(); });
      bar.append(b);
      return b;
    };
    state.saveButton = button("Save", "Save corrections (Ctrl+S)", () => save(state), "save");
    button("Accept", "Accept this page as it is (a)", () => accept(state), "accept");
    button("Undo", "Undo (Ctrl+Z)", () => undo(state), "undo");
    state.drawButton = button("Draw box", "Draw a new block (n)", () => toggleDraw(state), "draw");
    button("Flag", "Ask for a review of this page", () => flag(state), "flag");
    button("History", "Show this page's attempts", () => history(state), "history");
    state.note = el("span", { className: "review-note", "aria-live": "polite" });
    bar.append(state.note);
    return bar;
  }

  function describe(state) {
    const r = state.page.review || {};
    let text = r.reviewed ? "reviewed by " + (r.reviewed_by || "?") : "not reviewed";
    if (r.flag) text += " · flagged: " + r.flag;
    if (state.dirty) text += " · unsaved changes";
    state.note.textContent = text;
    state.section.dataset.reviewed = String(Boolean(r.reviewed));
    state.section.dataset.dirty = String(state.dirty);
  }

  function pageLoaded(section, sheet, page) {
    const old = section.querySelector(":scope > .review-bar");
    if (old) old.remove();
    const state = { section, sheet, page, blocks: clone(page.blocks || []), etag: page.review ? page.review.etag : null,
                    undo: [], dirty: false, drawing: false };
    pages.set(page.number, state);
    sheet.before(toolbar(state));
    sheet.addEventListener("pointerdown", (event) => startDraw(state, event));
    describe(state);
  }

  /* ---------- working copy ---------- */

  function change(state, mutate, keepIndex) {
    state.undo.push(clone(state.blocks));
    mutate();
    state.blocks.forEach((b, i) => { b.order = i; });
    state.dirty = true;
    redraw(state, keepIndex);
  }

  /** An input handler that edits the working copy in place (no redraw under the cursor); one undo step per field visit. */
  function live(state, apply) {
    let recorded = false;
    return () => {
      if (!recorded) { state.undo.push(clone(state.blocks)); recorded = true; }
      apply();
      state.dirty = true;
      describe(state);
    };
  }

  function redraw(state, index) {
    state.sheet.querySelectorAll(".box").forEach((b) => b.remove());
    const page = { ...state.page, blocks: state.blocks };
    viewer.drawBoxes(state.sheet, page);
    describe(state);
    const target = Number.isInteger(index) && index >= 0 ? state.sheet.querySelector('.box[data-order="' + index + '"]') : null;
    if (target) viewer.select(target, page, state.blocks[index]);
    else viewer.clearDetails();
  }

  function undo(state) {
    if (!state.undo.length) return;
    state.blocks = state.undo.pop();
    state.dirty = state.undo.length > 0;
    redraw(state, current ? Math.min(current.index, state.blocks.length - 1) : -1);
  }

  /* ---------- selection: the edit form under the details ---------- */

  function selected(button, page, block) {
    const state = pages.get(page.number);
    if (!state) return;
    const index = state.blocks.indexOf(block) >= 0 ? state.blocks.indexOf(block) : Number(button.dataset.order);
    current = { state, index };
    const working = state.blocks[index];
    if (!working) return;
    if (!button.dataset.editable) {
      button.dataset.editable = "true";
      button.addEventListener("pointerdown", (event) => startDrag(state, index, button, event, "move"));
      const handle = el("span", { className: "handle", title: "Drag to resize" });
      handle.addEventListener("pointerdown", (event) => { event.stopPropagation(); startDrag(state, index, button, event, "resize"); });
      button.append(handle);
    }
    viewer.ui.details.append(editForm(state, index, working));
  }

  function editForm(state, index, block) {
    const form = el("section", { className: "editor", "aria-label": "Edit block" });
    form.append(el("h3", { text: "Edit" }));
    const type = el("select", { className: "edit-type", "aria-label": "Block type" });
    for (const t of TYPES) type.append(el("option", { value: t, text: t.replace(/_/g, " ") }));
    type.value = block.type;
    type.addEventListener("change", () => change(state, () => retype(state.blocks[index], type.value), index));
    form.append(el("label", null, "Type ", type));
    if (block.type === "table") {
      form.append(cellGrid(state, index, block));
    } else if (block.type !== "list") {
      const field = ["formula", "music_sheet", "chemical_formula"].includes(block.type) ? "content" : "text";
      const area = el("textarea", { className: "edit-text", rows: "5", "aria-label": "Text", spellcheck: "true" });
      area.value = block[field] || (field === "content" ? block.text || "" : "");
      area.addEventListener("input", live(state, () => {
        state.blocks[index][field] = area.value;
        if (field === "content") state.blocks[index].text = area.value;
      }));
      form.append(area);
      const split = el("button", { type: "button", className: "split", text: "Split at cursor" });
      split.addEventListener("click", () => splitAt(state, index, area.value, area.selectionStart));
      form.append(split);
    }
    const actions = el("div", { className: "edit-actions" });
    const act = (label, cls, fn) => {
      const b = el("button", { type: "button", className: cls, text: label });
      b.addEventListener("click", fn);
      actions.append(b);
    };
    act("↑ earlier", "up", () => moveOrder(state, index, -1));
    act("↓ later", "down", () => moveOrder(state, index, 1));
    act("Merge with next", "merge", () => merge(state, index));
    act("Delete", "delete", () => remove(state, index));
    form.append(actions);
    return form;
  }

  function retype(block, type) {
    const text = block.text || block.content || "";
    const keep = { id: block.id, page: block.page, order: block.order, bbox: block.bbox, bbox_norm: block.bbox_norm };
    for (const key of Object.keys(block)) delete block[key];
    Object.assign(block, keep, { type, text, html: "" });
    if (type === "heading") block.level = 2;
    if (type === "formula") block.content = text;
    if (type === "table") Object.assign(block, { n_rows: 1, n_cols: 1, cells: [{ row: 0, col: 0, rowspan: 1, colspan: 1, header: false, text }] });
    if (type === "list") block.items = text.split("\n").filter(Boolean).map((t) => ({ text: t, children: [] }));
    if (type === "unknown") block.tag = "div";
  }

  /** A table's cells as inputs on a CSS grid (spans kept); no <table>, so the details view stays as it was. */
  function cellGrid(state, index, block) {
    const grid = el("div", { className: "cell-grid", role: "grid", "aria-label": "Table cells" });
    grid.style.gridTemplateColumns = "repeat(" + Math.max(1, block.n_cols) + ", minmax(4rem, 1fr))";
    (block.cells || []).forEach((cell, k) => {
      const input = el("input", { type: "text", className: "cell" + (cell.header ? " header" : ""),
                                  "data-row": cell.row, "data-col": cell.col, "aria-label": "Cell " + (cell.row + 1) + "," + (cell.col + 1) });
      input.value = cell.text || "";
      input.style.gridRow = (cell.row + 1) + " / span " + cell.rowspan;
      input.style.gridColumn = (cell.col + 1) + " / span " + cell.colspan;
      input.addEventListener("input", live(state, () => { state.blocks[index].cells[k].text = input.value; }));
      grid.append(input);
    });
    return grid;
  }

  /* ---------- structural edits ---------- */

  function moveOrder(state, index, delta) {
    const to = index + delta;
    if (to < 0 || to >= state.blocks.length) return;
    change(state, () => { const [b] = state.blocks.splice(index, 1); state.blocks.splice(to, 0, b); }, to);
  }

  function remove(state, index) {
    change(state, () => state.blocks.splice(index, 1), Math.min(index, state.blocks.length - 2));
  }

  function merge(state, index) {
    if (index + 1 >= state.blocks.length) return;
    change(state, () => {
      const a = state.blocks[index], b = state.blocks[index + 1];
      a.text = [a.text, b.text].filter(Boolean).join("\n");
      const na = normOf(a, state.page.geometry), nb = normOf(b, state.page.geometry);
      if (na && nb) setNorm(state, a, { x0: Math.min(na.x0, nb.x0), y0: Math.min(na.y0, nb.y0), x1: Math.max(na.x1, nb.x1), y1: Math.max(na.y1, nb.y1) });
      state.blocks.splice(index + 1, 1);
    }, index);
  }

  function splitAt(state, index, text, at) {
    const cut = Number.isInteger(at) && at > 0 && at < text.length ? at : Math.floor(text.length / 2);
    change(state, () => {
      const a = state.blocks[index];
      const b = clone(a);
      a.text = text.slice(0, cut).trim();
      b.text = text.slice(cut).trim();
      const n = normOf(a, state.page.geometry);
      if (n) {
        const mid = n.y0 + (n.y1 - n.y0) / 2;
        setNorm(state, a, { ...n, y1: mid });
        setNorm(state, b, { ...n, y0: mid });
      }
      state.blocks.splice(index + 1, 0, b);
    }, index);
  }

  /* ---------- dragging and drawing (pointer events, in page fractions) ---------- */

  function fraction(state, event) {
    const r = state.sheet.getBoundingClientRect();
    return { x: clamp01((event.clientX - r.left) / r.width), y: clamp01((event.clientY - r.top) / r.height) };
  }

  function startDrag(state, index, button, event, mode) {
    if (event.button !== 0 || state.drawing) return;
    const start = fraction(state, event);
    const from = normOf(state.blocks[index], state.page.geometry);
    if (!from) return;
    let moved = false;
    const onMove = (e) => {
      const p = fraction(state, e);
      const dx = p.x - start.x, dy = p.y - start.y;
      if (Math.abs(dx) + Math.abs(dy) < 0.002 && !moved) return;
      moved = true;
      const n = mode === "move" ? { x0: from.x0 + dx, y0: from.y0 + dy, x1: from.x1 + dx, y1: from.y1 + dy }
                                : { x0: from.x0, y0: from.y0, x1: Math.max(from.x0 + 0.002, from.x1 + dx), y1: Math.max(from.y0 + 0.002, from.y1 + dy) };
      button.style.left = (clamp01(n.x0) * 100) + "%";
      button.style.top = (clamp01(n.y0) * 100) + "%";
      button.style.width = ((clamp01(n.x1) - clamp01(n.x0)) * 100) + "%";
      button.style.height = ((clamp01(n.y1) - clamp01(n.y0)) * 100) + "%";
      button.pendingBox = n;
    };
    const onUp = () => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      if (moved && button.pendingBox) change(state, () => setNorm(state, state.blocks[index], button.pendingBox), index);
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
  }

  function toggleDraw(state) {
    state.drawing = !state.drawing;
    state.sheet.classList.toggle("drawing", state.drawing);
    state.drawButton.setAttribute("aria-pressed", String(state.drawing));
  }

  function startDraw(state, event) {
    if (!state.drawing || event.button !== 0) return;
    event.preventDefault();
    const start = fraction(state, event);
    const ghost = el("div", { className: "ghost" });
    state.sheet.append(ghost);
    let end = start;
    const place = () => {
      ghost.style.left = Math.min(start.x, end.x) * 100 + "%";
      ghost.style.top = Math.min(start.y, end.y) * 100 + "%";
      ghost.style.width = Math.abs(end.x - start.x) * 100 + "%";
      ghost.style.height = Math.abs(end.y - start.y) * 100 + "%";
    };
    const onMove = (e) => { end = fraction(state, e); place(); };
    const onUp = () => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      ghost.remove();
      toggleDraw(state);
      if (Math.abs(end.x - start.x) < 0.005 || Math.abs(end.y - start.y) < 0.005) return;
      const block = { type: "paragraph", id: "new", page: state.page.number, order: state.blocks.length, text: "", html: "" };
      setNorm(state, block, { x0: start.x, y0: start.y, x1: end.x, y1: end.y });
      change(state, () => state.blocks.push(block), state.blocks.length);
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
  }

  /* ---------- saving, accepting, flags, history ---------- */

  async function problemOf(resp) {
    try { return await resp.json(); } catch (e) { return {}; }
  }

  function applyPage(state, page) {
    state.page = page;
    state.blocks = clone(page.blocks || []);
    state.etag = page.review.etag;
    state.undo = [];
    state.dirty = false;
    viewer.fillPageHeader(state.section, page.number, page.status, page.issues || []);
    redraw(state, current && current.state === state ? Math.min(current.index, state.blocks.length - 1) : -1);
  }

  async function send(state, method, path, body) {
    const resp = await viewer.apiSend(method, viewer.pageUrl(state.page.number) + path, body, state.etag);
    if (resp.ok) {
      applyPage(state, await resp.json());
      return true;
    }
    const problem = await problemOf(resp);
    if (resp.status === 401 || resp.status === 403) { viewer.authFailed({ status: resp.status, detail: problem.detail }); return false; }
    if (resp.status === 409 && problem.current) {
      state.conflict = problem.current;
      state.section.dataset.conflict = "true";
      const who = problem.current.review && problem.current.review.reviewed_by ? " (last saved by " + problem.current.review.reviewed_by + ")" : "";
      viewer.showMessage("Page " + state.page.number + " was changed elsewhere" + who + ". Your edits are kept here, " +
        "not saved. Reload to see the other version, or Save again to replace it.");
      state.etag = problem.current.review.etag; // a second Save knowingly replaces it
      return false;
    }
    viewer.showMessage("Page " + state.page.number + ": " + (problem.detail || "HTTP " + resp.status));
    return false;
  }

  async function save(state) {
    if (!state.dirty) return true;
    viewer.hideMessage();
    return send(state, "PUT", "/blocks", { blocks: state.blocks });
  }

  async function accept(state) {
    viewer.hideMessage();
    if (state.dirty) return save(state); // saving a correction reviews the page
    return send(state, "POST", "/accept");
  }

  async function flag(state) {
    const resp = await viewer.apiSend("PUT", viewer.pageUrl(state.page.number) + "/flag", { reason: "flagged in the viewer" });
    if (resp.ok) { state.page.review = { ...state.page.review, ...(await resp.json()) }; describe(state); }
  }

  async function history(state) {
    const resp = await viewer.apiSend("GET", viewer.pageUrl(state.page.number) + "/history");
    if (!resp.ok) return;
    const body = await resp.json();
    const list = el("ol", { className: "history" });
    for (const v of body.versions || []) {
      const a = v.attempt || {};
      const who = a.kind === "human" ? (a.reviewer || "?") : (a.model || a.engine || "model");
      list.append(el("li", { "data-kind": a.kind || "model" },
        (a.kind || "model") + " · " + who + (a.created_at ? " · " + a.created_at : "") + (a.chosen ? " · chosen" : "")));
    }
    viewer.ui.details.replaceChildren(el("h2", { text: "History of page " + state.page.number }), list);
  }

  /* ---------- keyboard ---------- */

  function onKey(event) {
    const target = event.target;
    const typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
    const state = current ? current.state : pages.values().next().value;
    if (!state) return false;
    const ctrl = event.ctrlKey || event.metaKey;
    if (ctrl && event.key.toLowerCase() === "s") { event.preventDefault(); if (typing) target.blur(); save(state); return true; }
    if (typing) return false;
    if (ctrl && event.key.toLowerCase() === "z") { event.preventDefault(); undo(state); return true; }
    if (ctrl || event.altKey) return false;
    const index = current ? current.index : -1;
    const block = index >= 0 ? state.blocks[index] : null;
    switch (event.key) {
      case "a": accept(state); return true;
      case "n": toggleDraw(state); return true;
      case "m": if (block) merge(state, index); return true;
      case "[": if (block) moveOrder(state, index, -1); return true;
      case "]": if (block) moveOrder(state, index, 1); return true;
      case "Delete": case "Backspace": if (block) { event.preventDefault(); remove(state, index); } return true;
      case "ArrowLeft": case "ArrowRight": case "ArrowUp": case "ArrowDown": {
        const n = block && normOf(block, state.page.geometry);
        if (!n) return false;
        event.preventDefault();
        const step = event.shiftKey ? 0.01 : 0.002;
        const dx = event.key === "ArrowLeft" ? -step : event.key === "ArrowRight" ? step : 0;
        const dy = event.key === "ArrowUp" ? -step : event.key === "ArrowDown" ? step : 0;
        change(state, () => setNorm(state, state.blocks[index], { x0: n.x0 + dx, y0: n.y0 + dy, x1: n.x1 + dx, y1: n.y1 + dy }), index);
        return true;
      }
      default: return false;
    }
  }

  window.addEventListener("beforeunload", (event) => {
    if ([...pages.values()].some((s) => s.dirty)) { event.preventDefault(); event.returnValue = ""; }
  });

  return { pageLoaded, selected, onKey };
}
