"""Internal customers: employees, suppliers and vendors, by population,
department and tenure band.

Every figure follows the EX anonymity rules: groups under
``config.EX_MIN_RESPONDENTS`` respondents are hidden, and so are the
next-smallest siblings when the total beside them would give a hidden
group away (:func:`cx_metrics.anonymity.protect_siblings`).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from . import anonymity, kpis
from .filters import Filters

EX_KEYS = ("enps", "engagement", "satisfaction")
BREAKDOWNS = {"population": "Population", "department": "Department", "tenure_band": "Tenure band"}
TENURE_ORDER = ("<1 year", "1-2 years", "3-5 years", "6-10 years", "10+ years")


def breakdown(con: duckdb.DuckDBPyConnection, filters: Filters, by: str, compare: str | None = "previous") -> pd.DataFrame:
    """EX KPIs per ``by`` group (population, department or tenure band).

    Columns: group, kpi, value, n, ci_low, ci_high, delta, p_value,
    significant, suppressed. Hidden cells carry no numbers at all.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"by must be one of {', '.join(BREAKDOWNS)}")
    rows = kpis.by_group(con, filters, EX_KEYS, by, compare)
    total = kpis.scorecard(con, filters, EX_KEYS)
    parts = []
    for key in EX_KEYS:
        part = rows[rows["kpi"] == key].copy()
        if part.empty:
            continue
        parent = total[key].respondents if total[key].shown else None
        hide = anonymity.protect_siblings(part[["respondents"]].fillna(0), parent)
        parts.append(anonymity.blank(part, hide))
    out = pd.concat(parts) if parts else rows
    columns = ["group", "kpi", "value", "n", "ci_low", "ci_high", "delta", "p_value", "significant", "suppressed"]
    if by == "tenure_band":
        rank = {t: i for i, t in enumerate(TENURE_ORDER)}
        out = out.sort_values("group", key=lambda g: g.map(lambda x: rank.get(x, len(rank))), kind="stable")
    return out[columns].reset_index(drop=True)


def population_trends(con: duckdb.DuckDBPyConnection, filters: Filters, key: str = "enps") -> pd.DataFrame:
    """``key`` by population and month: group, period, value, n, suppressed.

    A month is hidden for a population under the threshold, and (sibling
    rule) when the month's total minus the shown populations leaves 1-4.
    """
    t = kpis.by_group(con, filters, [key], "population", grain="month")
    if t.empty:
        return t[["group", "period", "value", "n", "suppressed"]]
    totals = kpis.trend(con, filters, [key], "month").set_index("period")
    parts = []
    for period, part in t.groupby("period"):
        part = part.copy()
        parent = None
        if period in totals.index and not bool(totals.loc[period, "suppressed"]):
            parent = _respondents(con, filters, key, period)
        hide = anonymity.protect_siblings(part[["respondents"]].fillna(0), parent)
        parts.append(anonymity.blank(part, hide))
    return pd.concat(parts)[["group", "period", "value", "n", "suppressed"]].reset_index(drop=True)


def _respondents(con, filters: Filters, key: str, month) -> int | None:
    end = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()
    score = kpis.scorecard(con, filters.with_dates(max(month, filters.start), min(end, filters.end)), [key])[key]
    return score.respondents
