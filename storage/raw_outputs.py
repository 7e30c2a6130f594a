"""Where an attempt's raw model output lives: inline in its row, or in the blob store when large.

Raw outputs are mostly a few KiB (a QwenVL page is 2-15 KiB of HTML), but a model that loops
until its token limit writes tens of KiB of repetition, and those would bloat the attempts
table that every status query and vacuum walks. An output whose UTF-8 encoding is longer than
``inline_max_bytes`` (``DOCPARSE_RAW_OUTPUT_INLINE_BYTES``) is therefore written to the blob
store; the row keeps its key in ``output_key`` and ``""`` in ``output``, and loading a
document reads it back transparently.

Crash safety: the blob is written before the transaction that references it commits, and blobs
are content-addressed, so a committed row never points at a missing blob; a crash between the
two leaves at most an unreferenced blob (harmless, identical content is stored once). Deleting a
document returns the keys no other row references, so the caller removes them with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.blobs.base import BlobStore
from storage.errors import StorageError

DEFAULT_INLINE_MAX_BYTES = 24 * 1024
"""Outputs up to 24 KiB stay in the row: real QwenVL pages are 2-15 KiB and a dense 40-block page
about 20 KiB, while an output that ran to the 8,192-token limit (a loop) is 28 KiB and more."""


class RawOutputUnavailable(StorageError):
    """An attempt's output is in the blob store but this database was opened without one."""


@dataclass(frozen=True)
class RawOutputs:
    """The blob store large raw outputs go to, and the size above which they go there."""

    blobs: BlobStore
    inline_max_bytes: int = DEFAULT_INLINE_MAX_BYTES

    def __post_init__(self) -> None:
        if self.inline_max_bytes < 0:
            raise ValueError(f"inline_max_bytes must be >= 0, got {self.inline_max_bytes}")

    def offload(self, text: str) -> tuple[str, str | None]:
        """``(text, None)`` for an output kept inline, ``("", key)`` once stored as a blob."""
        if len(text) <= self.inline_max_bytes // 4:  # at most 4 bytes a character: surely small
            return text, None
        data = text.encode("utf-8", "surrogatepass")
        if len(data) <= self.inline_max_bytes:
            return text, None
        return "", self.blobs.put_bytes(data)


def read_output(outputs: RawOutputs | None, key: str) -> str:
    """The output stored under ``key`` (``RawOutputUnavailable`` without a blob store)."""
    if outputs is None:
        raise RawOutputUnavailable(
            f"a raw output is stored as blob {key}; open the Database with the blob store "
            "(Database(url, blobs=store)) to read it"
        )
    return outputs.blobs.get(key).decode("utf-8", "surrogatepass")
