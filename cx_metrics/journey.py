"""The customer journey map: how each stage, and each channel within it, is going.

Stages come in journey order (:data:`~cx_metrics.filters.JOURNEY_STAGES`).
Scores follow the KPI rules of :mod:`cx_metrics.kpis` (they are computed by
:func:`~cx_metrics.kpis.by_group`), so a stage's NPS equals the overview's
NPS with that stage as a filter. Works for any segment filter (B2B, B2C).

Touchpoints: the data model has no touchpoint field below the stage, so
the channel (store, web, app, call centre, social media, forum) is the
touchpoint within a stage: see :func:`stage_channel`.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from . import config, kpis, stats
from .filters import JOURNEY_STAGES, Filters, date_bounds

STAGE_KPIS = ("nps", "csat", "ces")
STAGE_COLUMNS = ["stage", "volume", "nps", "nps_n", "nps_ci_low", "nps_ci_high", "detractors_pct",
                 "csat", "csat_n", "ces", "ces_n", "low_base", "weakest"]


def _counts(con, filters: Filters, by: list[str]) -> pd.DataFrame:
    """Responses and NPS counts grouped by ``by`` (allow-listed columns)."""
    for col in by:
        if col not in kpis.GROUP_COLUMNS["cx_responses"]:
            raise ValueError(f"cannot group by {col!r}")
    where, params = filters.where("cx_responses")
    # The rollup cells when they can answer (kpis.source), the rows otherwise: the same counts either way.
    relation, date_col, _, aggs = kpis.source(con, "cx_responses", [kpis.KPIS["nps"]], {*filters.active(), *by},
                                              [(filters.start, filters.end)], None)
    cond, date_params = date_bounds("cx_responses", filters.start, filters.end, date_col)
    volume = "count(*)" if relation == "cx_responses" else "sum(responses)"
    cols = ", ".join(by)
    return con.execute(
        f"SELECT {cols}, {volume} AS volume, {aggs['nps__n']} AS n, {aggs['nps__k']} AS promoters,"
        f" {aggs['nps__d']} AS detractors FROM {relation}"
        f" WHERE {cond} AND {where} AND {' AND '.join(f'{c} IS NOT NULL' for c in by)} GROUP BY ALL ORDER BY {cols}",
        date_params + params,
    ).df()


def stages(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """One row per journey stage that has responses, in journey order.

    Columns: :data:`STAGE_COLUMNS`. ``detractors_pct`` is the % of NPS
    answers 0-6. ``weakest`` marks the stage with the lowest NPS among those
    with at least ``config.LOW_BASE_N`` answers.
    """
    scores = kpis.by_group(con, filters, STAGE_KPIS, "journey_stage")
    counts = _counts(con, filters, ["journey_stage"]).set_index("journey_stage")
    rows = []
    for stage in JOURNEY_STAGES:
        if stage not in counts.index:
            continue
        s = scores[scores["group"] == stage].set_index("kpi")
        c = counts.loc[stage]
        get = lambda k, f: (None if k not in s.index or pd.isna(s.loc[k, f]) else s.loc[k, f])  # noqa: E731
        rows.append({
            "stage": stage, "volume": int(c["volume"]),
            "nps": get("nps", "value"), "nps_n": int(c["n"]),
            "nps_ci_low": get("nps", "ci_low"), "nps_ci_high": get("nps", "ci_high"),
            "detractors_pct": 100 * c["detractors"] / c["n"] if c["n"] else None,
            "csat": get("csat", "value"), "csat_n": get("csat", "n"),
            "ces": get("ces", "value"), "ces_n": get("ces", "n"),
            "low_base": int(c["n"]) < config.LOW_BASE_N,
        })
    out = pd.DataFrame(rows, columns=STAGE_COLUMNS[:-1])
    eligible = out[~out["low_base"] & out["nps"].notna()]
    out["weakest"] = False
    if not eligible.empty:
        out.loc[eligible["nps"].astype(float).idxmin(), "weakest"] = True
    return out


def stage_channel(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """NPS for each stage x channel cell (channels are the touchpoints within a stage).

    Columns: stage, channel, nps, n, low_base. Cells without NPS answers are
    absent; low-base cells (n < 30) are flagged, not hidden (CX data).
    """
    c = _counts(con, filters, ["journey_stage", "channel"])
    rows = []
    for r in c.itertuples(index=False):
        if not r.n:
            continue
        value, _ = stats.nps(int(r.promoters), int(r.detractors), int(r.n))
        rows.append({"stage": r.journey_stage, "channel": r.channel, "nps": value, "n": int(r.n),
                     "low_base": r.n < config.LOW_BASE_N})
    out = pd.DataFrame(rows, columns=["stage", "channel", "nps", "n", "low_base"])
    order = {s: i for i, s in enumerate(JOURNEY_STAGES)}
    return out.sort_values(["stage", "channel"], key=lambda col: col.map(order) if col.name == "stage" else col)


def stage_trends(con: duckdb.DuckDBPyConnection, filters: Filters, grain: str = "month") -> pd.DataFrame:
    """NPS per stage and time bucket: stage, period, value, n, ci_low, ci_high, low_base."""
    t = kpis.by_group(con, filters, ["nps"], "journey_stage", grain=grain)
    return t.rename(columns={"group": "stage"})[["stage", "period", "value", "n", "ci_low", "ci_high", "low_base"]]
