"""OmniDocBench's end-to-end evaluation protocol, reimplemented from its published definitions.

Written from OmniDocBench's code (Apache-2.0, commit ``7bd6c2eb``) and checked against the
numbers that code prints (README, Evaluation). The pipeline, one module per step:

* :mod:`.gold` — a ground-truth page's elements (truncated blocks merged);
* :mod:`.markdown_blocks` / :mod:`.markdown_tables` — a page of Markdown -> predicted blocks;
* :mod:`.normalize` — text, formula and HTML-table normalizations;
* :mod:`.truncation`, :mod:`.pairing`, :mod:`.quick_match` — the quick_match block matching;
* :mod:`.page_match` — one page -> text, formula, table and reading-order samples;
* :mod:`.teds_html` — TEDS / TEDS-structure on HTML; :mod:`.scores` — the aggregates;
* :mod:`.run` — all pages -> the official result structure; :mod:`.predictions` /
  :mod:`.protocol` — reading prediction folders and files; :mod:`.render` — the console table.
"""
