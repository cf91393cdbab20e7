"""Ingest: survey exports (CSV/TSV/TXT, XLSX, Parquet) read, mapped, validated and loaded.

Public API::

    parsed = read_file(data, name)                 # encoding, delimiter, layout -> Parsed
    mapping = suggest(parsed, "cx", con)           # saved profile for these columns, else a suggestion
    suggest_mapping(parsed, "cx")                  # {header: field | "attribute:NAME" | ""}
    report = validate(con, parsed, mapping)        # problems, counts, preview; loads nothing
    result = load(con, parsed, mapping, on_error="reject", actor=..., dry_run=False)
    uploads(con); undo(con, upload_id, actor=...)
    save_profile(con, name, mapping, parsed, actor=...); profiles(con)

No function imports streamlit; pages call these through pages/shared.py.
"""

from .errors import IngestError
from .schema import fields
from .store import Report, Result, load, undo, uploads, validate
from .mapping import Mapping, profile_for, profiles, save_profile, suggest, suggest_mapping
from .read import MAX_UPLOAD_BYTES, Parsed, read_file

__all__ = [
    "IngestError", "Mapping", "Parsed", "Report", "Result", "MAX_UPLOAD_BYTES", "fields", "load",
    "profile_for", "profiles", "read_file", "save_profile", "suggest", "suggest_mapping", "undo",
    "uploads", "validate",
]
