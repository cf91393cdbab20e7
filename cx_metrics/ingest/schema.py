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

#: Date layouts by family. A column is read with one family, never day/month for some cells and
#: month/day for others. Two-digit years come first in each family: "%Y" reads "26" as the year 26.
DATE_FAMILIES = {
    "month/day/year": ["%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M", "%m/%d/%y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
                       "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y"],
    "day/month/year": ["%d/%m/%y %H:%M:%S", "%d/%m/%y %H:%M", "%d/%m/%y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
                       "%d/%m/%Y"],
    "day.month.year": ["%d.%m.%y %H:%M:%S", "%d.%m.%y %H:%M", "%d.%m.%y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
                       "%d.%m.%Y"],
    "year/month/day": ["%Y/%m/%d %H:%M:%S", "%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %H:%M", "%Y/%m/%d"],
}
#: Tried after ISO 8601 when the mapping names no date_format: the families that cannot be confused
#: with each other. Day/month/year is used only when chosen (the suggestion picks it from the values).
DATE_FORMATS = DATE_FAMILIES["month/day/year"] + DATE_FAMILIES["day.month.year"] + DATE_FAMILIES["year/month/day"]
#: Dates outside [EARLIEST_DATE, today + 1 day] are reported: a year "26" read as 0026, Excel's 1899/1900 zero.
EARLIEST_DATE = "1970-01-01"


def iso_timestamp(expr: str) -> str:
    """SQL: ``expr`` read as an ISO 8601 date/time, else NULL. Only text starting "YYYY-" is cast:
    DuckDB's cast also reads "10/5/26" as the year 10."""
    return f"CASE WHEN substr({expr}, 5, 1) = '-' THEN TRY_CAST({expr} AS TIMESTAMP) END"


def date_shaped(expr: str) -> str:
    """SQL: ``expr`` when it is shaped like a slash or dot date (10/5/26, 05.10.2026, 2026/10/05 ...),
    else NULL. strptime runs only on those: each format that fails costs about as much as a success
    (and the regular expression only on text with a slash or a dot: not on plain numbers)."""
    return (rf"CASE WHEN (contains({expr}, '/') OR contains({expr}, '.')) "
            rf"AND regexp_matches({expr}, '^\d{{1,4}}[/.]\d{{1,2}}[/.]\d{{1,4}}') THEN {expr} END")


def fields(kind: str) -> tuple[str, ...]:
    """Every canonical field of ``kind`` (attributes aside)."""
    extra = ("population",) if kind == "ex" else ()
    return OTHER + TEXT[kind] + tuple(SCORES[kind]) + (PERSON_ID[kind],) + extra


def check_kind(kind: str) -> str:
    if kind not in TABLES:
        raise ValueError(f"kind must be 'cx' or 'ex', not {kind!r}")
    return kind
