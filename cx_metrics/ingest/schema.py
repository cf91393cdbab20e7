"""The canonical fields an upload can fill, per kind, and their valid ranges."""

from __future__ import annotations

TABLES = {"cx": "cx_responses", "ex": "ex_responses"}

#: Text fields stored as given (trimmed; blank = null).
TEXT = {
    "cx": ("business_unit", "region", "channel", "journey_stage", "segment", "comment"),
    "ex": ("business_unit", "region", "department", "tenure_band", "comment"),
}
#: Score fields and their (lowest, highest) whole-number value.
SCORES = {
    "cx": {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)},
    "ex": {"enps": (0, 10), "engagement": (1, 5), "satisfaction": (1, 5)},
}
#: The id that is replaced by a pseudonym at load.
PERSON_ID = {"cx": "customer_id", "ex": "respondent_id"}
OTHER = ("response_id", "source", "submitted_at")
POPULATIONS = ("employee", "supplier", "vendor")
ATTRIBUTE = "attribute:"
#: The scale assumed for an attribute without a ``scales`` entry.
DEFAULT_ATTRIBUTE_SCALE = (1, 5)


def fields(kind: str) -> tuple[str, ...]:
    """Every canonical field of ``kind`` (attributes aside)."""
    extra = ("population",) if kind == "ex" else ()
    return OTHER + TEXT[kind] + tuple(SCORES[kind]) + (PERSON_ID[kind],) + extra


def check_kind(kind: str) -> str:
    if kind not in TABLES:
        raise ValueError(f"kind must be 'cx' or 'ex', not {kind!r}")
    return kind
