"""docparse as a library writes nothing to stdout."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import REPO_ROOT, SAMPLES_DIR


def test_parse_file_writes_nothing_to_stdout() -> None:
    script = (
        "import docparse, sys\n"
        f"outcome = docparse.parse_file({str(SAMPLES_DIR / 'invoice.pdf')!r}, engine='pdf-text')\n"
        "sys.stderr.write(outcome.document.status)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.endswith("done")
