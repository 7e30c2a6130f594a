"""Where tests find things: the repository, the read-only shared folder beside it, the corpus."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
CORPUS_DIR = SHARED_DIR / "corpus" / "qwenvl-real"
SAMPLES_DIR = REPO_ROOT / "samples"
