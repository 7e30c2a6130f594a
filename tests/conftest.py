"""Suite-wide set-up: the measuring instruments of tests and bench are engine plugins.

``bench-sleep`` is not a product engine: it exists here because this module registers it
(in this process, and through ``DOCPARSE_ENGINE_PLUGINS`` in the processes tests start).
"""

from __future__ import annotations

import os

import bench.sleep_engine

os.environ["DOCPARSE_ENGINE_PLUGINS"] = bench.sleep_engine.PLUGIN
