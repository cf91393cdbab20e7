"""The one exception ingest raises for a file it cannot read or load."""

from __future__ import annotations


class IngestError(ValueError):
    """A file that cannot be read or loaded; the message is meant for the analyst."""
