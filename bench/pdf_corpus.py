"""A corpus of real-world PDFs nobody here wrote, from Debian documentation packages.

``python -m bench.pdf_corpus DIR`` (``make pdf-corpus``) runs ``apt-get download`` for the
packages of :data:`CORPUS` into ``DIR/debs`` (nothing is installed), unpacks them with
``dpkg -x`` and copies the listed PDFs (gunzipped where Debian compressed them) to
``DIR/pdfs``; a file already there is kept, so a second run does no work. ``make text-recall``
then measures them with :mod:`bench.text_recall`. The packages come from the Debian release
of the machine (the figures in the README were measured on bookworm).

A smaller set, committed with its licences, is under ``tests/data/pdf-text-corpus`` and is
what the test suite measures (``tests/engines/test_pdf_text_corpus.py``).
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

CORPUS: dict[str, tuple[str, ...]] = {
    "glpk-doc": ("usr/share/doc/glpk-doc/cnfsat.pdf",),
    "pari-doc": (
        "usr/share/pari/doc/INSTALL.pdf",
        "usr/share/pari/doc/refcard.pdf",
        "usr/share/pari/doc/refcard-ell.pdf",
    ),
    "debian-refcard": ("usr/share/doc/debian-refcard/refcard-en-a4.pdf.gz",),
    "fonts-hosny-amiri": ("usr/share/doc/fonts-hosny-amiri/Documentation-Arabic.pdf.gz",),
    "texlive-lang-arabic": (
        "usr/share/doc/texlive-doc/latex/arabi-add/arabi-add-doc.pdf",
        "usr/share/doc/texlive-doc/latex/quran/quran-test.pdf",
    ),
    "texlive-humanities-doc": (
        "usr/share/doc/texlive-doc/latex/dramatist/dramatist.pdf",
        "usr/share/doc/texlive-doc/latex/lexref/lexref.pdf",
        "usr/share/doc/texlive-doc/latex/eledmac/examples/4-eledpar_column_mix_with_not_column.pdf",
        "usr/share/doc/texlive-doc/latex/reledmac/examples/2-reledmac-right-to-left.pdf",
    ),
    "texlive-xetex": ("usr/share/doc/texlive-doc/xetex/base/XeTeX-notes.pdf",),
    "texlive-publishers-doc": (  # about 210 MB to download
        "usr/share/doc/texlive-doc/latex/revtex4-1/sample/aps/apssamp.pdf",
        "usr/share/doc/texlive-doc/latex/revtex4-1/sample/aip/aipsamp.pdf",
        "usr/share/doc/texlive-doc/latex/jacow/JACoW_LaTeX_A4.pdf",
        "usr/share/doc/texlive-doc/latex/elsarticle/elstest-5p.pdf",
        "usr/share/doc/texlive-doc/latex/acmconf/acmconf.pdf",
        "usr/share/doc/texlive-doc/latex/ieeeconf/IEEEconf.pdf",
    ),
}
"""Debian package -> PDFs inside it (19 files): ligatures and hyphenation (TeX manuals), math
(GLPK, PARI, REVTeX and Elsevier samples), several columns (reference cards, two-column
journal samples, parallel texts), right-to-left text (Arabic and Hebrew)."""


def target_name(package: str, member: str) -> str:
    """The corpus file name of a PDF of a package (package-prefixed, ``.gz`` dropped)."""
    return f"{package}--{Path(member).name.removesuffix('.gz')}"


def fetch(root: Path, packages: Sequence[str] | None = None) -> list[Path]:
    """Download and unpack the packages whose PDFs are missing; return every corpus PDF."""
    pdfs, debs = root / "pdfs", root / "debs"
    pdfs.mkdir(parents=True, exist_ok=True)
    debs.mkdir(parents=True, exist_ok=True)
    for package in packages or list(CORPUS):
        members = CORPUS[package]
        if all((pdfs / target_name(package, m)).exists() for m in members):
            continue
        if not list(debs.glob(f"{package}_*.deb")):
            subprocess.run(["apt-get", "download", "-q", package], cwd=debs, check=True)
        (deb,) = sorted(debs.glob(f"{package}_*.deb"))[-1:]
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
            for member in members:
                source = Path(tmp) / member
                data = gzip.decompress(source.read_bytes()) if member.endswith(".gz") else source.read_bytes()
                (pdfs / target_name(package, member)).write_bytes(data)
    return sorted(pdfs.glob("*.pdf"))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench.pdf_corpus DIR [PACKAGE ...]``: print the corpus files."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        sys.stderr.write(f"usage: python -m bench.pdf_corpus DIR [PACKAGE ...] (packages: {', '.join(CORPUS)})\n")
        return 2
    for path in fetch(Path(args[0]), args[1:] or None):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
