"""Internal customers: employees, suppliers and vendors, by population,
department and tenure band.

Every figure comes from the reporting cells of :mod:`cx_metrics.ex_guard`
(through :func:`cx_metrics.kpis.by_group`), so no figure here, next to any
other the product shows, can reveal a group of fewer than 5 people. A group
whose every cell had to be merged upward shows as hidden; its people still
count in the larger groups that contain them.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from . import kpis
from .filters import Filters

EX_KEYS = ("enps", "engagement", "satisfaction")
BREAKDOWNS = {"population": "Population", "department": "Department", "tenure_band": "Tenure band"}
TENURE_ORDER = ("<1 year", "1-2 years", "3-5 years", "6-10 years", "10+ years")
COLUMNS = ["group", "kpi", "value", "n", "ci_low", "ci_high", "delta", "p_value", "significant", "suppressed",
           "reason"]


def breakdown(con: duckdb.DuckDBPyConnection, filters: Filters, by: str, compare: str | None = "previous") -> pd.DataFrame:
    """EX KPIs per ``by`` group (population, department or tenure band).

    Columns: :data:`COLUMNS`. Hidden cells carry no numbers at all.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"by must be one of {', '.join(BREAKDOWNS)}")
    out = kpis.by_group(con, filters, EX_KEYS, by, compare)
    if by == "tenure_band":
        rank = {t: i for i, t in enumerate(TENURE_ORDER)}
        out = out.sort_values("group", key=lambda g: g.map(lambda x: rank.get(x, len(rank))), kind="stable")
    return out[COLUMNS].reset_index(drop=True)


def population_trends(con: duckdb.DuckDBPyConnection, filters: Filters, key: str = "enps") -> pd.DataFrame:
    """``key`` by population and month: group, period, value, n, suppressed (a month with no
    reporting cell of a population is a gap)."""
    return kpis.by_group(con, filters, [key], "population", grain="month")[
        ["group", "period", "value", "n", "suppressed"]].reset_index(drop=True)
