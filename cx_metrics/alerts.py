"""Alerts: significant and material moves of each KPI in each group, with the false-discovery rate held.

:func:`alerts` compares the latest complete month with the three months
before it, for every KPI in every business unit, region and journey stage
(customers) and every population and business unit (employees and partners,
through the anonymity guard's reporting cells, so a hidden group is never
tested). Testing dozens of groups at p < 0.05 would raise alerts on pure
noise, so the p-values of everything tested are adjusted together with
Benjamini-Hochberg (:func:`cx_metrics.stats.benjamini_hochberg`) and a move
is an alert only when its q-value is at most :data:`FDR` (10%) *and* it is
at least the KPI's smallest change that matters (:func:`cx_metrics.kpis.materiality`).
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import duckdb
import pandas as pd

from . import fmt, kpis, stats, voc
from .filters import Filters, months_before

#: The false-discovery rate held across every test of one run.
FDR = 0.10
#: Groups tested, per KPI family: columns of the allow-lists in :data:`cx_metrics.kpis.GROUP_COLUMNS`.
DIMENSIONS = {"cx": ("business_unit", "region", "journey_stage"), "ex": ("population", "business_unit")}
#: Dimensions that are also filters, so a customer alert can look for the theme that moved with it.
_AS_FILTER = {"business_unit": "business_units", "region": "regions", "journey_stage": "journey_stages"}
COLUMNS = ["kpi", "label", "dimension", "group", "month", "value", "ci_low", "ci_high", "n", "previous",
           "delta", "direction", "p_value", "q_value", "sentence", "likely_reason"]


def latest_complete_month(as_of: date) -> tuple[date, date]:
    """The last calendar month that ends on or before ``as_of``: (first day, last day)."""
    first = date(as_of.year, as_of.month, 1)
    last = months_before(first, -1) - timedelta(days=1)
    if last > as_of:
        first = months_before(first, 1)
        last = date(as_of.year, as_of.month, 1) - timedelta(days=1)
    return first, last


def windows(as_of: date, value_filters: Filters | None = None) -> tuple[Filters, Filters]:
    """(the latest complete month, the three calendar months before it), with ``value_filters``' values."""
    first, last = latest_complete_month(as_of)
    now = (value_filters or Filters(first, last)).with_dates(first, last)
    return now, now.with_dates(months_before(first, 3), first - timedelta(days=1))


def tested(con: duckdb.DuckDBPyConnection, now: Filters, before: Filters) -> pd.DataFrame:
    """Every KPI × group comparison that has a p-value, with its q-value over all of them."""
    frames = []
    for family, keys in (("cx", kpis.CX_KPIS), ("ex", kpis.EX_KPIS)):
        for dim in DIMENSIONS[family]:
            df = kpis.by_group(con, now, keys, dim, compare="previous", against=before)
            frames.append(df.assign(dimension=dim))
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["p_value"].notna()].reset_index(drop=True)
    rows["q_value"] = stats.benjamini_hochberg(rows["p_value"].tolist()) if len(rows) else []
    return rows


def alerts(con: duckdb.DuckDBPyConnection, as_of: date | None = None, value_filters: Filters | None = None,
           fdr: float = FDR) -> pd.DataFrame:
    """The alerts for the latest complete month before ``as_of`` (default: the data's last day), worst first.

    One row per alert (:data:`COLUMNS`): the KPI and group, both values, the month's n and 95% range,
    the p- and q-value, a plain sentence, and for customer KPIs the likely reason (the theme whose share
    of the group's comments rose most in the month).
    """
    as_of = as_of or kpis.data_range(con)[1]
    if as_of is None:
        return pd.DataFrame(columns=COLUMNS)  # no data: nothing tested
    now, before = windows(as_of, value_filters)
    rows = tested(con, now, before)
    minimum = kpis.materiality(con)
    out = []
    for r in rows.itertuples(index=False):
        if r.q_value > fdr or abs(r.delta) < minimum[r.kpi] - 1e-9:
            continue
        direction = "rise" if r.delta > 0 else "fall"
        label = kpis.KPIS[r.kpi].label
        sentence = (f"{label} {'rose' if direction == 'rise' else 'fell'} {fmt.delta(r.kpi, abs(r.delta)).lstrip('+')}"
                    f" to {fmt.value(r.kpi, r.value)} in {r.group} in {now.start:%B %Y}, against "
                    f"{fmt.value(r.kpi, r.previous)} over {before.start:%B} – {before.end:%B %Y} "
                    f"({r.n:,} answers this month).")
        reason = _likely_reason(con, now, r.dimension, r.group) if kpis.KPIS[r.kpi].group == "cx" else None
        out.append({"kpi": r.kpi, "label": label, "dimension": r.dimension, "group": r.group,
                    "month": now.start.isoformat(), "value": r.value, "ci_low": r.ci_low, "ci_high": r.ci_high,
                    "n": r.n, "previous": r.previous, "delta": r.delta, "direction": direction,
                    "p_value": r.p_value, "q_value": r.q_value, "sentence": sentence, "likely_reason": reason})
    frame = pd.DataFrame(out, columns=COLUMNS).sort_values(["q_value", "kpi", "group"]).reset_index(drop=True)
    frame.attrs.update(month=(now.start, now.end), before=(before.start, before.end), tested=len(rows), fdr=fdr)
    return frame


def as_json(frame: pd.DataFrame) -> dict:
    """``alerts --format json``: the windows, how many comparisons were tested, and the alerts."""
    month, before = frame.attrs.get("month"), frame.attrs.get("before")
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for r in records:
        for key in ("value", "ci_low", "ci_high", "previous", "delta"):
            r[key] = None if r[key] is None else round(float(r[key]), 2)
        r["p_value"], r["q_value"] = round(float(r["p_value"]), 4), round(float(r["q_value"]), 4)
        r["n"] = int(r["n"])
    return {"month": [d.isoformat() for d in month] if month else None,
            "compared_with": [d.isoformat() for d in before] if before else None,
            "fdr": frame.attrs.get("fdr", FDR), "tested": frame.attrs.get("tested", 0), "alerts": records}


def as_table(frame: pd.DataFrame) -> str:
    """``alerts --format table``: one line per alert."""
    data = as_json(frame)
    head = (f"Alerts for {data['month'][0]} to {data['month'][1]} against {data['compared_with'][0]} to "
            f"{data['compared_with'][1]}: {len(frame)} of {data['tested']} comparisons "
            f"(false-discovery rate {data['fdr']:.0%})") if data["month"] else "No data."
    return "\n".join([head, *(f"- {r['sentence']} q = {r['q_value']:.4f}"
                                + (f" {r['likely_reason']}" if r["likely_reason"] else "") for r in data["alerts"])])


def _likely_reason(con: duckdb.DuckDBPyConnection, now: Filters, dimension: str, group: str) -> str | None:
    """'Comments about delivery rose 6.1 points' for the group's month against the month before, if any rose."""
    field = _AS_FILTER.get(dimension)
    if field is None:
        return None
    themes = voc.themes(con, dataclasses.replace(now, **{field: (group,)}), "cx", "previous")
    if themes.empty:
        return None
    top = themes.sort_values(["change_pts", "theme"], ascending=[False, True]).iloc[0]
    if pd.isna(top["change_pts"]) or top["change_pts"] <= 0:
        return None
    return f"Comments about {fmt.name(top['theme'])} rose {top['change_pts']:.1f} points (share of comments)."
