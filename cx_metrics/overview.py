"""Everything the executive overview shows, in one call.

The page caches :func:`overview`; the benchmark times it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from . import kpis
from .filters import Compare, Filters, Grain

TILE_KPIS = ("nps", "csat", "ces", "enps", "engagement", "retention")
TREND_KPIS = ("nps", "enps")
TREND_MONTHS = 12


@dataclass(frozen=True)
class Tile:
    score: kpis.Score
    target: float | None
    status: kpis.TargetStatus | None


@dataclass(frozen=True)
class Overview:
    """tiles: KPI -> Tile (with deltas against ``comparison``).
    trend: :func:`kpis.trend` rows for NPS and eNPS at the chosen grain.
    sparklines: monthly :func:`kpis.trend` rows for every tile KPI.
    Both cover :func:`trend_window`.
    """

    filters: Filters
    comparison: Filters
    tiles: dict[str, Tile]
    trend: pd.DataFrame
    sparklines: pd.DataFrame


def trend_window(filters: Filters, months: int = TREND_MONTHS) -> Filters:
    """The selected period, widened to start at least ``months`` whole months
    before its end, so that a trend has a history even for a short period."""
    first = (pd.Timestamp(filters.end).to_period("M") - (months - 1)).to_timestamp().date()
    return filters.with_dates(min(filters.start, first), filters.end)


def overview(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    compare: Compare = "previous",
    grain: Grain = "month",
) -> Overview:
    window = trend_window(filters)
    # Tiles and monthly sparklines come from one scan per table.
    scores, sparklines = kpis.measure(con, filters, TILE_KPIS, compare, window, "month")
    tiles = {}
    targets = kpis.targets_for(con, scores, filters)
    for key, score in scores.items():
        tiles[key] = Tile(score, targets[key], kpis.target_status(score, targets[key]))
    if grain == "month":
        trend = sparklines[sparklines["kpi"].isin(TREND_KPIS)].reset_index(drop=True)
    else:
        trend = kpis.trend(con, window, TREND_KPIS, grain)
    return Overview(filters, filters.comparison(compare), tiles, trend, sparklines)


def default_period(as_of: date, months: int = 3) -> tuple[date, date]:
    """The last ``months`` whole calendar months up to ``as_of``'s month."""
    end_month = pd.Timestamp(as_of).to_period("M")
    start = (end_month - (months - 1)).to_timestamp().date()
    return start, as_of
