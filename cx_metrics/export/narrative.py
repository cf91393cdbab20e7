"""Plain-language sentences built from the numbers, for speaker notes and the PDF.

Every function takes numbers already rounded the way the CLI's JSON rounds them
(:meth:`cx_metrics.kpis.Score.as_json`), so a sentence never quotes a figure
the deck or ``python -m cx_metrics kpis`` shows differently. Sentences say what
changed, by how much, with its 95% range, in plain words for executives: a
change is a rise or a fall only when it is beyond the margin of error and big
enough to matter (:func:`cx_metrics.kpis.verdict`). Method names and test
statistics stay out of them; they are in the README.
"""

from __future__ import annotations

from datetime import date

from .. import fmt, kpis
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


def kpi_sentence(key: str, j: dict, comparison: str, minimum: float = 0.0) -> str:
    """One KPI in plain words: level, its 95% range, and whether it really moved.

    ``j`` is the KPI's JSON object; ``comparison`` names the other period
    ("the previous calendar quarter"); ``minimum`` is the smallest change that
    matters (:func:`cx_metrics.kpis.materiality`). A change is called a rise or
    fall only when it is beyond the margin of error *and* at least ``minimum``
    (:func:`cx_metrics.kpis.verdict`); otherwise the KPI is "about the same".
    Examples::

        NPS rose 4.2 points to 38.0 (95% range 35.0 to 41.0) against the previous calendar quarter.
        CSAT is 73.5% (95% range 72.9% to 74.1%), about the same as the previous calendar quarter
        (down 0.4 points, within the margin of error).
    """
    label = KPIS[key].label
    if j.get("reason"):
        return f"{label} is not shown: {fmt.reason(j['reason'])}."
    if j["value"] is None:
        return f"{label} has no responses in this period."
    level = fmt.value(key, j["value"])
    ci = (f" (95% range {fmt.value(key, j['ci_low'])} to {fmt.value(key, j['ci_high'])})"
          if j["ci_low"] is not None else "")
    low = " Few people answered (fewer than 30), so read it with care." if j.get("low_base") else ""
    d = j.get("delta")
    if d is None:
        return f"{label} is {level}{ci}; there is no data for {comparison} to compare with.{low}"
    if float(f"{d:.{KPIS[key].decimals}f}") == 0:
        return f"{label} is {level}{ci}, unchanged against {comparison}.{low}"
    verdict = kpis.verdict(key, j, minimum)
    if verdict in ("rise", "fall"):
        verb = "rose" if verdict == "rise" else "fell"
        return f"{label} {verb} {_amount(key, d)} to {level}{ci} against {comparison}.{low}"
    direction = "up" if d > 0 else "down"
    why = ("too small to matter" if j.get("significant")
           else "within the margin of error")
    return f"{label} is {level}{ci}, about the same as {comparison} ({direction} {_amount(key, d)}, {why}).{low}"


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


def summary_sentence(statuses: dict[str, str | None], moves: dict[str, float]) -> str:
    """'Of 6 KPIs with a target, 3 on track, 1 at risk and 2 off track. Changes that matter: NPS (−2.4 pts).'

    ``moves`` holds the KPIs that rose or fell (beyond the margin of error and by enough to matter)."""
    counted = [s for s in statuses.values() if s]
    parts = [f"{counted.count(s)} {s}" for s in ("on track", "at risk", "off track") if counted.count(s)]
    head = (f"Of {len(counted)} KPIs with a target, " + ", ".join(parts) + ".") if counted else "No KPI has a target."
    if moves:
        changes = ", ".join(f"{KPIS[k].label} ({fmt.delta(k, d)})" for k, d in moves.items())
        return f"{head} Changes that matter: {changes}."
    return f"{head} No KPI moved by enough to matter."


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
