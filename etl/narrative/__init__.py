"""Backfill from report text (#8): figures in Chinese narrative reports as candidate facts for review."""

from etl.narrative.extractor import (
    Candidate,
    ExtractError,
    NarrativeResult,
    Part,
    Unrecognised,
    extract_text,
)
from etl.narrative.reader import ReadError, read_document

__all__ = [
    "Candidate",
    "ExtractError",
    "NarrativeResult",
    "Part",
    "ReadError",
    "Unrecognised",
    "extract_text",
    "read_document",
]
