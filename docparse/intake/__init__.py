"""Intake and document control: files in, document rows out, work queued by id.

- :mod:`~docparse.intake.discover`: which files of the given paths are candidates;
- :mod:`~docparse.intake.request`: the settings a submission asks for and the one settings
  fingerprint (:func:`~docparse.intake.request.settings_fingerprint`);
- :mod:`~docparse.intake.files`: :func:`intake_file` and :func:`submit`;
- :mod:`~docparse.intake.control`: :func:`wait`, :func:`reprocess`, :func:`cancel`.

Light on purpose: no torch, no engine runtime, no task code (the enqueue client sends by name).
"""

from docparse.intake.control import cancel, reprocess, wait
from docparse.intake.discover import discover
from docparse.intake.files import IntakeResult, Outcome, UnknownDocument, intake_file, refusal, submit
from docparse.intake.request import ProcessingRequest

__all__ = [
    "IntakeResult",
    "Outcome",
    "ProcessingRequest",
    "UnknownDocument",
    "cancel",
    "discover",
    "intake_file",
    "refusal",
    "reprocess",
    "submit",
    "wait",
]
