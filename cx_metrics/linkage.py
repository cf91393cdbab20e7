"""The CX-EX link: does employee experience move ahead of customer experience?

Everything is computed per business unit. Monthly NPS and eNPS per unit
come from one grouped DuckDB statement per table; the statistics run on
that small panel (12 units x 36 months at most).

* :func:`unit_month_panel`: NPS and eNPS per unit and month.
* :func:`unit_scatter`: eNPS against NPS per unit for the period, with the
  fitted line and Pearson's r.
* :func:`lag_profile`: the within-unit correlation of eNPS with NPS k
  months later, k = 0..6, and the lag with the strongest link.
* :func:`early_warning`: units whose eNPS fell significantly over the last
  quarter, with their NPS now and its change.
* :func:`outcomes`: NPS against customer retention per unit.

Correlation is not causation: a lead of eNPS over NPS is consistent with
employee experience driving customer experience, but other causes (a
reorganisation, a local market shock) can move both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from . import kpis, stats
from .filters import Filters

#: Months of history the lag analysis uses, ending with the selected period.
PANEL_MONTHS = 36
LAGS = range(0, 7)
#: Early warning: eNPS over this many months against the same span before.
WARNING_MONTHS = 3


def _months_back(end: date, months: int) -> date:
    return (pd.Timestamp(end).to_period("M") - (months - 1)).to_timestamp().date()


def panel_window(filters: Filters, months: int = PANEL_MONTHS) -> Filters:
    """The selected period's end and ``months`` whole months before it."""
    return filters.with_dates(_months_back(filters.end, months), filters.end)


def unit_month_panel(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """NPS and eNPS per business unit and month over ``filters``' dates.

    Columns: business_unit, month (first day), t (months since the first
    month of the window), nps, nps_n, enps, enps_n. eNPS is NaN where the
    unit-month has fewer respondents than the anonymity threshold.
    """
    columns = ["business_unit", "month", "t", "nps", "nps_n", "enps", "enps_n"]
    rows = kpis.by_group(con, filters, ["nps", "enps"], "business_unit", grain="month")
    if rows.empty:
        return pd.DataFrame(columns=columns)
    wide = rows.pivot_table(index=["group", "period"], columns="kpi", values=["value", "n"],
                            aggfunc="first", dropna=False)
    wide.columns = [f"{k}_n" if v == "n" else k for v, k in wide.columns]
    out = wide.reset_index().rename(columns={"group": "business_unit", "period": "month"})
    for col in columns[3:]:
        if col not in out:
            out[col] = np.nan
    first = pd.Timestamp(filters.start).to_period("M")
    out["t"] = [(pd.Timestamp(m).to_period("M") - first).n for m in out["month"]]
    out[columns[3:]] = out[columns[3:]].astype(float)
    return out[columns].sort_values(["business_unit", "month"]).reset_index(drop=True)


@dataclass(frozen=True)
class LagProfile:
    """``table``: lag, r, n, ci_low, ci_high, p_value, df (see
    :func:`cx_metrics.stats.lagged_within_correlation`). ``best_lag``: the
    lag with the highest positive r whose CI excludes zero, or None."""

    table: pd.DataFrame
    best_lag: int | None


def lag_profile(panel: pd.DataFrame, lags=LAGS) -> LagProfile:
    """Within-unit correlation of monthly eNPS with NPS k months later."""
    table = stats.lagged_within_correlation(
        panel.rename(columns={"business_unit": "unit"}), lags=lags, x="enps", y="nps", group="unit", time="t")
    clear = table[(table["ci_low"] > 0) & table["r"].notna()]
    best = None if clear.empty else int(clear.loc[clear["r"].idxmax(), "lag"])
    return LagProfile(table, best)


@dataclass(frozen=True)
class Scatter:
    """One row per unit in ``units`` (business_unit, nps, nps_n, enps, enps_n;
    units with hidden eNPS are left out), the least-squares line
    nps = intercept + slope * enps, and Pearson's r across units."""

    units: pd.DataFrame
    slope: float | None
    intercept: float | None
    correlation: stats.Correlation


def unit_scatter(con: duckdb.DuckDBPyConnection, filters: Filters) -> Scatter:
    """eNPS against NPS per unit for the selected period."""
    units = _per_unit(con, filters, ("nps", "enps"))
    corr = stats.pearson(units["enps"], units["nps"])
    slope = intercept = None
    if len(units) >= 3 and units["enps"].std() > 0:
        slope, intercept = (float(v) for v in np.polyfit(units["enps"], units["nps"], 1))
    return Scatter(units, slope, intercept, corr)


WARNING_COLUMNS = ["business_unit", "enps", "enps_previous", "enps_delta", "p_value",
                   "nps", "nps_delta", "nps_significant"]


def early_warning(con: duckdb.DuckDBPyConnection, filters: Filters, months: int = WARNING_MONTHS) -> pd.DataFrame:
    """Units whose eNPS fell significantly (p < 0.05) over the last ``months``
    months to the end of the period, against the ``months`` before.

    Columns: :data:`WARNING_COLUMNS`, worst fall first. NPS and its change
    are for the same months, so a unit whose customers have not (yet)
    followed shows a flat NPS.
    """
    recent = filters.with_dates(_months_back(filters.end, months), filters.end)
    rows = kpis.by_group(con, recent, ["enps", "nps"], "business_unit", "previous")
    enps = rows[(rows["kpi"] == "enps") & rows["significant"].fillna(False).astype(bool) & (rows["delta"] < 0)]
    nps = rows[rows["kpi"] == "nps"].set_index("group")
    out = pd.DataFrame({
        "business_unit": enps["group"],
        "enps": enps["value"],
        "enps_previous": enps["previous"],
        "enps_delta": enps["delta"],
        "p_value": enps["p_value"],
        "nps": [nps["value"].get(u) for u in enps["group"]],
        "nps_delta": [nps["delta"].get(u) for u in enps["group"]],
        "nps_significant": [nps["significant"].get(u) for u in enps["group"]],
    })
    return out.sort_values("enps_delta").reset_index(drop=True)[WARNING_COLUMNS]


def outcomes(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """NPS and customer retention per unit for the period.

    Columns: business_unit, nps, nps_n, retention (%), retention_n (active
    customer-months). Units without outcome data are left out.
    """
    return _per_unit(con, filters, ("nps", "retention"))


def _per_unit(con, filters: Filters, keys: tuple[str, str]) -> pd.DataFrame:
    """Two KPIs side by side per unit: business_unit, a, a_n, b, b_n; units lacking either left out."""
    rows = kpis.by_group(con, filters, list(keys), "business_unit")
    wide = rows.pivot_table(index="group", columns="kpi", values=["value", "n"], aggfunc="first")
    wide.columns = [f"{k}_n" if v == "n" else k for v, k in wide.columns]
    out = wide.reset_index().rename(columns={"group": "business_unit"})
    columns = ["business_unit", *(c for k in keys for c in (k, f"{k}_n"))]
    for col in columns[1:]:
        if col not in out:
            out[col] = np.nan
    out = out.dropna(subset=list(keys))[columns]
    return out.astype({k: float for k in keys}).reset_index(drop=True)
