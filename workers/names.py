"""Task names, importable without importing the tasks (the enqueue client sends by name)."""

RENDER_TASK = "docparse.render_document"
"""``(document_id)`` on the render queue: open the document, create its pages, fan out inference."""

INFER_TASK = "docparse.infer_pages"
"""``(document_id, numbers)`` on the infer queue: infer, parse and persist those pages."""
