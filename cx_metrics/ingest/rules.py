"""SQL expressions that turn raw text cells into field values: labels, missing codes, scales, dates.

Every expression is built from allow-listed column names (``c<i>`` of the staged file)
and numbers; answer texts, codes and formats travel as bound parameters.
"""

from __future__ import annotations

from . import schema as F
from .mapping import Mapping

#: Answers that always mean "no answer".
MISSING_WORDS = ("n/a", "na", "n.a.", "not applicable", "unfamiliar (n/a)", "don't know", "dont know",
                 "prefer not to say", "-")

_SATISFIED = {"very satisfied": 5, "extremely satisfied": 5, "satisfied": 4, "somewhat satisfied": 4, "neutral": 3,
              "extremely dissatisfied": 1,
              "neither satisfied nor dissatisfied": 3, "dissatisfied": 2, "somewhat dissatisfied": 2,
              "very dissatisfied": 1, "strongly agree": 5, "agree": 4, "neither agree nor disagree": 3,
              "disagree": 2, "strongly disagree": 1, "excellent": 5, "very good": 4, "good": 3,
              "fair": 2, "poor": 1}
#: Built-in answer labels per field (lower-case); a mapping's ``labels`` add to and override them.
LABELS = {
    "nps": {"extremely likely": 10, "not at all likely": 0, "not likely at all": 0},
    "enps": {"extremely likely": 10, "not at all likely": 0, "not likely at all": 0},
    # CES on 1-7, with the wordings of Qualtrics' 7-point scale (extremely/moderately/slightly) too
    "ces": {"very easy": 7, "extremely easy": 7, "easy": 6, "moderately easy": 6, "somewhat easy": 5,
            "slightly easy": 5, "neither easy nor difficult": 4, "neutral": 4, "somewhat difficult": 3,
            "slightly difficult": 3, "difficult": 2, "moderately difficult": 2, "very difficult": 1,
            "extremely difficult": 1,
            # CES 2.0: "The company made it easy for me to handle my issue", agreement on 7 points
            "strongly agree": 7, "agree": 6, "somewhat agree": 5, "neither agree nor disagree": 4,
            "somewhat disagree": 3, "disagree": 2, "strongly disagree": 1},
    "csat": _SATISFIED, "satisfaction": _SATISFIED, "engagement": _SATISFIED, F.ATTRIBUTE: _SATISFIED,
}

class Params:
    """Collects bound parameters in order while expressions are built."""

    def __init__(self) -> None:
        self.values: list = []

    def __call__(self, value) -> str:
        self.values.append(value)
        return "?"


def labels_for(mapping: Mapping, target: str) -> dict[str, float]:
    base = LABELS.get(F.ATTRIBUTE if target.startswith(F.ATTRIBUTE) else target, {})
    out = {k.lower(): float(v) for k, v in base.items()}
    for key in ("*", target):
        out.update({str(k).strip().lower(): float(v) for k, v in (mapping.labels.get(key) or {}).items()})
    return out


def missing_for(mapping: Mapping, target: str) -> list[str]:
    codes = mapping.missing
    if isinstance(codes, dict):
        codes = [*(codes.get("*") or []), *(codes.get(target) or [])]
    return [*MISSING_WORDS, *(str(c).strip().lower() for c in codes)]


def scale_of(mapping: Mapping, kind: str, target: str) -> tuple[tuple[float, float], tuple[float, float] | None]:
    """(the file's scale, the scale it is converted to or None)."""
    spec = mapping.scales.get(target)
    if target.startswith(F.ATTRIBUTE):
        if not spec:
            return F.DEFAULT_ATTRIBUTE_SCALE, None
        to = spec.get("to")
        return tuple(spec["from"]), (tuple(to) if to else None)
    native = F.SCORES[kind][target]
    if not spec:
        return native, None
    return tuple(spec["from"]), native


def rule_text(mapping: Mapping, kind: str, target: str) -> str | None:
    """The conversion rule shown to the analyst, e.g. "csat: 1–4 → 1–5 as round(1 + (x − 1) × 4/3)"."""
    (a, b), to = scale_of(mapping, kind, target)
    if to is None or (a, b) == tuple(to):
        return None
    c, d = to
    return (f"{target}: {a:g}–{b:g} → {c:g}–{d:g} as round({c:g} + (x − {a:g}) × {d - c:g}/{b - a:g})"
            + ("" if target.startswith(F.ATTRIBUTE) else ", rounded to whole points"))


def raw(col: int) -> str:
    return f"nullif(trim(c{col}), '')"


def number(r: str, mapping: Mapping, target: str, p: Params) -> str:
    """The answer ``r`` (a trimmed cell, NULL when blank: :func:`raw`) as a number on the file's
    scale; NULL for blanks and missing codes."""
    # CASE evaluates each branch only for the rows that reach it, so plain numbers (nearly
    # every cell) cost one cast. Parameters are bound in the order they appear in the SQL.
    # Code lists are one bound VARCHAR[] tested with list_position (see in_list).
    codes = missing_for(mapping, target)
    numeric = [c for c in codes if _is_number(c)]
    num = f"TRY_CAST({r} AS DOUBLE)"
    if numeric:
        num = f"CASE WHEN {in_list(r, numeric, p)} THEN NULL ELSE {num} END"
    missing = in_list(f"lower({r})", codes, p)
    labels = labels_for(mapping, target)
    cases = " ".join(f"WHEN {p(k)} THEN {float(v)!r}" for k, v in labels.items())
    label_expr = f"CASE lower({r}) {cases} END" if cases else "NULL"
    return (f"CASE WHEN {r} IS NULL THEN NULL WHEN TRY_CAST({r} AS DOUBLE) IS NOT NULL THEN {num} "
            f"WHEN {missing} THEN NULL ELSE coalesce({label_expr}, "
            rf"TRY_CAST(regexp_extract({r}, '^(-?\d+(\.\d+)?)\s*[-=:]', 1) AS DOUBLE)) END")


def in_list(expr: str, values: list[str], p: Params) -> str:
    """``expr`` is one of ``values`` (bound as one list parameter); never NULL.

    Not ``x IN (...)`` nor ``list_contains``: DuckDB 2.0 plans both, for five values or more,
    as a hash join that runs on every row, outside the CASE branch. With a thousand rating
    columns that was a thousand joins in one statement (18 GB and out of memory for 5,000 rows).
    """
    return f"(list_position({p(list(values))}::VARCHAR[], {expr}) IS NOT NULL)"


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def converted(expr: str, mapping: Mapping, kind: str, target: str) -> str:
    """``expr`` (on the file's scale) converted to the stored scale."""
    (a, b), to = scale_of(mapping, kind, target)
    if to is None or (a, b) == tuple(to):
        return expr
    c, d = to
    out = f"({c!r}::DOUBLE + ({expr} - {a!r}) * {float(d - c)!r} / {float(b - a)!r})"
    return out if target.startswith(F.ATTRIBUTE) else f"round({out})"


def date_formats(mapping: Mapping) -> list[str]:
    """The strptime formats tried for the response date, in order (after ISO 8601 when none is given)."""
    return mapping.date_formats() or list(F.DATE_FORMATS)


def date(col: int, mapping: Mapping, p: Params, formats: list[str] | None = None) -> str:
    """The response date as a TIMESTAMP. ``formats`` reorders :func:`date_formats` (those seen in
    the file's first rows first, see ``store._date_order``); it must hold the same formats."""
    r = raw(col)
    formats = formats or date_formats(mapping)
    cell = r if mapping.date_format else F.date_shaped(r)
    listed = f"try_strptime({cell}, [{', '.join(p(f) for f in formats)}])::TIMESTAMP"
    return listed if mapping.date_format else f"coalesce({F.iso_timestamp(r)}, {listed})"
