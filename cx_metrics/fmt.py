"""How KPI numbers read as text: shared by pages, CLI and exports."""

from __future__ import annotations

from datetime import date

from .ex_guard import HIDDEN_TEXT, RELATION, REASONS
from .filters import Filters
from .kpis import KPIS, Score

SUPPRESSED_TEXT = HIDDEN_TEXT[:1].upper() + HIDDEN_TEXT[1:]


def reason(key: str | None) -> str:
    """Why an employee figure shows nothing, in words ('hidden: fewer than 5 people, or ...')."""
    return REASONS.get(key or "", "no responses")


def ex_filter_note(filters: Filters, what: str = "eNPS") -> str | None:
    """Why an employee chart would be empty under ``filters``, in one line, or None when it would not.

    Employee data has no channel, segment or journey stage, and employee figures are not broken
    down by region: under such a filter a page shows this note instead of an empty chart.
    'Employee figures have no channel: clear the channel filter to see eNPS.'
    """
    missing = [col.replace("_", " ") for col in filters.unsupported(RELATION)]
    if not missing:
        return None
    fields = " or ".join(missing) if len(missing) < 3 else ", ".join(missing[:-1]) + " or " + missing[-1]
    which = f"the {missing[0]} filter" if len(missing) == 1 else "those filters"
    return f"Employee figures have no {fields}: clear {which} to see {what}."


def name(key: str) -> str:
    """A data key as a reader sees it: "waiting_time" -> "waiting time" (text with capitals or spaces
    is left alone: it was written for people)."""
    return key.replace("_", " ") if key == key.lower() and " " not in key else key


def value(kpi: str, x: float | None) -> str:
    """'16.6' (NPS points), '73.5%' (shares), '5.07' (CES); an em dash for no value (None or NaN)."""
    if x is None or x != x:
        return "—"
    k = KPIS[kpi]
    return f"{x:,.{k.decimals}f}{k.unit}"


def delta(kpi: str, d: float | None) -> str | None:
    """Signed change in the KPI's unit ('+1.2 pts', '-0.4 pts', '+0.03'); None for no change (None or NaN)."""
    if d is None or d != d:
        return None
    k = KPIS[kpi]
    unit = "" if k.method == "mean" else " pts"
    return f"{d:+,.{k.decimals}f}{unit}"


def interval(kpi: str, s: Score) -> str:
    """'95% range 15.9 to 17.9': where the true value lies, 19 times in 20."""
    if s.ci_low is None:
        return "no range"
    return f"95% range {value(kpi, s.ci_low)} to {value(kpi, s.ci_high)}"


#: A change's verdict (:func:`cx_metrics.kpis.verdict`) in words for executives.
VERDICTS = {
    "rise": "▲ Rose: beyond the margin of error",
    "fall": "▼ Fell: beyond the margin of error",
    "small": "About the same: too small to matter",
    "same": "About the same: within the margin of error",
    None: "No comparison",
}


def verdict(verdict: str | None, s: Score) -> str:
    """The words for ``verdict`` ('rise', 'fall', 'same' or None) of score ``s``."""
    if verdict == "same" and s.significant:
        return VERDICTS["small"]
    return VERDICTS[verdict]


def significance(s: Score) -> str:
    """The test behind a comparison, for analysts (a tooltip): 'significant change (p = 0.003)'."""
    if s.p_value is None:
        return "no comparison"
    p = "p < 0.001" if s.p_value < 0.001 else f"p = {s.p_value:.3f}"
    return f"significant change ({p})" if s.significant else f"not significant ({p})"


def period(start: date, end: date) -> str:
    """'1 Aug – 31 Oct 2026', or with both years when they differ."""
    if start == end:
        return f"{start.day} {start:%b %Y}"
    left = f"{start.day} {start:%b}" + ("" if start.year == end.year else f" {start.year}")
    return f"{left} – {end.day} {end:%b %Y}"


#: For the executive views' "How we calculate" expander: the methods, named once, for those who ask.
HOW_WE_CALCULATE = """\
- **NPS and eNPS**: % promoters (9–10) minus % detractors (0–6). The 95% range uses the normal approximation
  of the difference of two shares; a change is tested with a z-test of the two periods' NPS.
- **CSAT, engagement, top-box effort and retention**: shares, with Wilson score 95% ranges; a change is tested
  with a two-proportion z-test.
- **Customer effort (CES)**: the mean on the 1–7 scale, with a t-based 95% range; a change is tested with
  Welch's t-test.
- **Beyond the margin of error** means the test's p-value is below 0.05. A change is called a **rise** or a
  **fall** only when it is beyond the margin of error *and* at least the threshold set in Settings (by
  default 2 points for NPS and eNPS, 1 point for percentages, 0.1 for effort), so a trivial change on a huge
  base is not headlined.
- **Periods**: whole calendar months are compared with as many calendar months just before (a quarter with
  the quarter before); other ranges with the same number of days just before.
- **Employee figures** come only from groups of at least 5 people, whole months, so no figure can be
  subtracted from another to reveal a smaller group (see the README's "Employee anonymity").
"""
