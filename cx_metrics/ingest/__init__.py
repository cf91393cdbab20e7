"""Ingest: survey exports (CSV/TSV/TXT, XLSX, Parquet) read, mapped, validated and loaded.

Public API::

    parsed = read_file(path_or_file, progress=cb)  # size checked first, streamed; encoding, delimiter, layout
    sweep_staging()                                # staging files left by a killed process
    mapping = suggest(parsed, "cx", con)           # saved profile for these columns, else a suggestion
    suggest_mapping(parsed, "cx")                  # {header: field | "attribute:NAME" | ""}
    attribute_names(headers)                       # {header: short unique attribute name}
    report = validate(con, parsed, mapping, progress=cb)  # problems, counts, preview; loads nothing
    result = load(con, parsed, mapping, on_error="reject", actor=..., dry_run=False, progress=cb)
    # cb(rows_done, total_rows or None, stage): called a few times, never per row
    uploads(con); undo(con, upload_id, actor=...)
    save_profile(con, name, mapping, parsed, actor=...); profiles(con)
    with_rules(mapping, codes="0", family="day/month/year", scales=scale_table(mapping))  # Data page

Comments are stored with emails, phone numbers, IP and card numbers masked, and profiles keep
no header text with those in it (:mod:`.pii`); a column of email or IP addresses loads only as
the pseudonymised person id.

No function imports streamlit; pages call these through pages/shared.py.
"""

from .errors import IngestError
from .schema import fields
from .store import Report, Result, load, undo, uploads, validate
from .mapping import (Mapping, attribute_names, date_family, missing_codes, profile_for, profiles, save_profile,
                      scale_table, suggest, suggest_mapping, with_rules)
from .schema import DATE_FAMILIES
from .read import MAX_CELL_BYTES, MAX_UPLOAD_BYTES, Parsed, read_file, sweep_staging

__all__ = [
    "DATE_FAMILIES", "IngestError", "Mapping", "Parsed", "Report", "Result", "MAX_CELL_BYTES", "MAX_UPLOAD_BYTES",
    "attribute_names", "date_family", "fields", "load", "missing_codes", "profile_for", "profiles", "read_file",
    "save_profile", "scale_table", "suggest", "suggest_mapping", "sweep_staging", "undo", "uploads", "validate", "with_rules",
]
