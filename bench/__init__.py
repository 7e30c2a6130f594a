"""docparse's benchmark: each figure beside a baseline measured in the same run, as a ratio.

Run it with ``python -m bench`` (``make bench``, ``docparse bench``); see :mod:`bench.cli` for the
options and :mod:`bench.scenarios` for what is measured. The report prints one table per
scenario (figure, value, baseline, ratio, target, met/MISSED) and is written as JSON (machine,
versions, settings, figures). This package is a tool beside docparse, not part of it: nothing in
``docparse``, ``storage`` or ``workers`` imports it.
"""

from bench.cli import main

__all__ = ["main"]
