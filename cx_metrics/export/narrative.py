"""Plain-language sentences built from the numbers, for speaker notes and the PDF.

Every function takes numbers already rounded the way the CLI's JSON rounds them
(:meth:`cx_metrics.kpis.Score.as_json`), so a sentence never quotes a figure
the deck or ``python -m cx_metrics kpis`` shows differently. Sentences say what
changed, by how much, with its 95% interval and whether the change is
significant; they never claim a change that the test does not support.
"""

from __future__ import annotations

from datetime import date

from .. import fmt
from ..kpis import KPIS

#: "points" for NPS-style KPIs and percentages, nothing for means.
_POINTS = {"nps": "points", "share": "points", "ratio": "points", "mean": ""}


def _amount(key: str, d: float) -> str:
    k = KPIS[key]
    unit = _POINTS[k.method]
    number = f"{abs(d):,.{k.decimals}f}"
    if unit:
        return f"{number} point" if number == f"{1:.{k.decimals}f}" else f"{number} {unit}"
    return number


def kpi_sentence(key: str, j: dict, comparison: str) -> str:
    """One KPI: level, interval, change and its significance.

    ``j`` is the KPI's JSON object; ``comparison`` names the other period
    ("the previous period"). Examples::

        NPS rose 4.2 points to 38.0 (95% CI 35.0 to 41.0) against the previous period, a significant change (p = 0.003).
        CSAT is 73.5% (95% CI 72.9% to 74.1%), down 0.4 points on the previous period; within the margin of error (p = 0.210).
    """
    label = KPIS[key].label
    if j.get("reason"):
        return f"{label} is not shown: {fmt.reason(j['reason'])}."
    if j["value"] is None:
        return f"{label} has no responses in this period."
    level = fmt.value(key, j["value"])
    ci = f" (95% CI {fmt.value(key, j['ci_low'])} to {fmt.value(key, j['ci_high'])})" if j["ci_low"] is not None else ""
    low = " The base is small (n < 30): read it with care." if j.get("low_base") else ""
    d = j.get("delta")
    if d is None:
        return f"{label} is {level}{ci}; there is no data for {comparison} to compare with.{low}"
    shown = f"{d:.{KPIS[key].decimals}f}"
    if float(shown) == 0:
        return f"{label} is {level}{ci}, unchanged against {comparison}.{low}"
    verb = "rose" if d > 0 else "fell"
    p = _p(j["p_value"])
    if j.get("significant"):
        return f"{label} {verb} {_amount(key, d)} to {level}{ci} against {comparison}, a significant change ({p}).{low}"
    direction = "up" if d > 0 else "down"
    return (f"{label} is {level}{ci}, {direction} {_amount(key, d)} on {comparison}; "
            f"within the margin of error ({p}).{low}")


def _p(p: float | None) -> str:
    if p is None:
        return "no test"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def target_sentence(key: str, status: str | None, target: float | None) -> str | None:
    """'It is off track: below its target of 20.0.' (None without a target)."""
    if status is None or target is None:
        return None
    t = fmt.value(key, target)
    return {
        "on track": f"{KPIS[key].label} is on track against its target of {t}.",
        "at risk": f"{KPIS[key].label} is at risk: below its target of {t}, but within the margin of error.",
        "off track": f"{KPIS[key].label} is off track: clearly below its target of {t}.",
    }[status]


def summary_sentence(statuses: dict[str, str | None], significant: dict[str, float]) -> str:
    """'3 of 6 KPIs are on track, 1 at risk and 2 off track; significant changes: NPS (−1.2 pts).'"""
    counted = [s for s in statuses.values() if s]
    parts = [f"{counted.count(s)} {s}" for s in ("on track", "at risk", "off track") if counted.count(s)]
    head = (f"Of {len(counted)} KPIs with a target, " + ", ".join(parts) + ".") if counted else "No KPI has a target."
    if significant:
        moves = ", ".join(f"{KPIS[k].label} ({fmt.delta(k, d)})" for k, d in significant.items())
        return f"{head} Significant changes: {moves}."
    return f"{head} No KPI changed significantly."


def trend_sentence(key: str, points: list[tuple[date, float | None]]) -> str | None:
    """Range and latest month of a monthly trend, e.g.
    'Over Nov 2025 – Oct 2026, NPS ranged from 12.1 (Dec 2025) to 20.3 (Apr 2026); the latest month is 16.0.'"""
    shown = [(d, v) for d, v in points if v is not None]
    if len(shown) < 2:
        return None
    low = min(shown, key=lambda p: p[1])
    high = max(shown, key=lambda p: p[1])
    label = KPIS[key].label
    span = f"{shown[0][0]:%b %Y} – {shown[-1][0]:%b %Y}"
    hidden = len(points) - len(shown)
    gap = f" {hidden} month{'s' if hidden > 1 else ''} without a figure." if hidden else ""
    return (f"Over {span}, {label} ranged from {fmt.value(key, low[1])} ({low[0]:%b %Y}) "
            f"to {fmt.value(key, high[1])} ({high[0]:%b %Y}); the latest month is {fmt.value(key, shown[-1][1])}.{gap}")
