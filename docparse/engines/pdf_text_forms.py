"""AcroForm fields of a page (PyMuPDF widgets) as ``key_value`` elements.

A filled form keeps its values in its fields, not in the page's text: without this they are
lost. Each field becomes one element whose key is the field's label (its tooltip, ``/TU``)
or, failing that, its name (``/T``), and whose value is what the field holds:

* text fields, combo and list boxes: their text (a multi-selection joined by ``", "``);
* check boxes: their on-state name (usually ``Yes``) when checked, ``Off`` otherwise;
* radio buttons: one element per group (the widgets sharing a name), its value the chosen
  option's export value, or ``Off``, its box around every button of the group;
* push buttons and signature fields hold no value and are left out.
"""

from __future__ import annotations

from typing import Any

from docparse.engines.pdf_text_chars import expand_ligatures
from docparse.engines.pdf_text_layout import Element
from docparse.engines.pdf_text_rows import Box, clean_text, union
from docparse.mupdf import pymupdf

_SKIPPED = {"button", "signature"}  # field_type_string, lower-cased


def _value(widget: Any) -> str:
    value = widget.field_value
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        value = "Yes" if value else "Off"
    return clean_text(expand_ligatures(str(value or "")))


def read_fields(page: pymupdf.Page, to_box: Any) -> list[Element]:
    """The page's form fields in document order; ``to_box(rect)`` maps a widget rectangle to
    displayed space."""
    found: list[Element] = []
    radios: dict[str, Element] = {}
    for widget in page.widgets() or ():
        kind = str(widget.field_type_string).lower()
        if kind in _SKIPPED:
            continue
        key = clean_text(expand_ligatures(widget.field_label or widget.field_name or ""))
        box: Box = to_box(widget.rect)
        value = _value(widget)
        if kind == "radiobutton":
            group = radios.get(widget.field_name or key)
            if group is not None:
                group.box = union([group.box, box])
                if group.text in ("", "Off"):
                    group.text = value
                continue
            radios[widget.field_name or key] = group = Element("key_value", box, text=value, key=key)
            found.append(group)
            continue
        found.append(Element("key_value", box, text=value, key=key))
    return found
