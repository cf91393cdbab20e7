"""Units compared: a league table of business units (or regions) x KPIs.

Built on :func:`cx_metrics.kpis.by_group`, so every cell follows the KPI
rules (intervals, low base, EX anonymity, significance of the change) and
equals the overview's tile for that unit.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from . import fmt, kpis
from .filters import Compare, Filters

LEAGUE_KPIS = ("nps", "csat", "ces", "enps", "engagement")
LEAGUE_COLUMNS = ["group", "kpi", "value", "n", "ci_low", "ci_high", "delta", "p_value", "significant",
                  "low_base", "suppressed", "target", "status"]


def league(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    compare: Compare = "previous",
    by: str = "business_unit",
    keys: tuple[str, ...] = LEAGUE_KPIS,
) -> pd.DataFrame:
    """One row per group (unit, or region within the filters) and KPI.

    Columns: :data:`LEAGUE_COLUMNS`. ``target`` is the unit's own target
    when it has one, else the 'all' target; ``status`` is on track / at
    risk / off track. EX cells come from the guard's reporting cells, so
    none can be subtracted from another figure to reveal a small group.
    """
    rows = kpis.by_group(con, filters, keys, by, compare)
    if rows.empty:
        return pd.DataFrame(columns=LEAGUE_COLUMNS)
    targets, statuses, found = [], [], {}
    for r in rows.itertuples(index=False):
        # a unit's own target applies to its row; regions take the selected unit's
        scope = Filters(filters.start, filters.end, business_units=(r.group,)) if by == "business_unit" else filters
        if scope.business_units not in found:  # one query per group, for all its KPIs
            found[scope.business_units] = kpis.targets_for(con, keys, scope)
        target = found[scope.business_units][r.kpi]
        score = kpis.Score(r.kpi, None if pd.isna(r.value) else r.value, ci_low=_none(r.ci_low),
                           ci_high=_none(r.ci_high))
        targets.append(target)
        statuses.append(kpis.target_status(score, target))
    return rows.assign(target=targets, status=statuses)[LEAGUE_COLUMNS]


def _none(x):
    return None if pd.isna(x) else x


def cell_text(row) -> str:
    """A league-table cell in words and symbols, so colour is never the only signal:
    value, the change with ▲/▼ when significant (· otherwise), and the status."""
    if row["suppressed"]:
        return "hidden"
    if pd.isna(row["value"]):
        return "—"
    text = fmt.value(row["kpi"], row["value"])
    if not pd.isna(row["delta"]):
        mark = ("▲" if row["delta"] > 0 else "▼") if row["significant"] else "·"
        text += f" {mark}{fmt.delta(row['kpi'], row['delta'])}"
    if row["low_base"]:
        text += " (low base)"
    return text


def matrix(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(text, status) matrices: groups as rows, KPI labels as columns."""
    text = table.assign(cell=table.apply(cell_text, axis=1))
    labels = {k: kpis.KPIS[k].label for k in table["kpi"].unique()}
    order = [labels[k] for k in LEAGUE_KPIS if k in labels]
    # A unit with customer but no employee data at all has no eNPS row: a dash (no data), never "hidden".
    wide = text.pivot(index="group", columns="kpi", values="cell").rename(columns=labels)[order].fillna("—")
    status = table.pivot(index="group", columns="kpi", values="status").rename(columns=labels)[order]
    return wide, status
