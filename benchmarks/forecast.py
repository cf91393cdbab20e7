"""Forecasts: the backtest on the demo database, and how long one forecast takes.

``bench(cache, rows)`` (``make bench`` runs it through :mod:`benchmarks.run`, with the demo's default
300,000 customer responses) builds the demo database as ``python -m cx_metrics demo`` does (cached in
``cache/cx_demo_<rows>.duckdb``), then returns

* ``forecast_backtest``: per KPI, :func:`cx_metrics.forecast.backtest` (the last 6 origins, 1-3 months
  ahead): mae and naive_mae (the last month's value carried forward), coverage80 and coverage95
  (share of actual values inside the ranges), forecasts scored, origins that used the eNPS lead, and
  ``passes``: mae below naive_mae and coverage95 within 85-100%;
* ``forecast_median_s``: one NPS forecast (history, eNPS lead check, fit), median of ``repeat`` runs;
* ``markdown``: the table for the README.

    python -m benchmarks.forecast
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from cx_metrics import db, demo, forecast, service

KPIS = ("nps", "csat", "ces", "enps", "engagement")
DEFAULT_CACHE = Path(__file__).resolve().parent.parent / "data" / "bench"


def demo_db(cache: Path, rows: int = demo.DEFAULT_CX_ROWS) -> Path:
    """The demo database with ``rows`` customer responses (employees in the demo's proportion), built once."""
    ex_rows = rows * demo.DEFAULT_EX_ROWS // demo.DEFAULT_CX_ROWS
    path = Path(cache) / f"cx_demo_{rows}.duckdb"
    if not path.exists():
        Path(cache).mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".building")
        tmp.unlink(missing_ok=True)
        con = db.connect(tmp)
        try:
            demo.build(con, rows, ex_rows, 42)
        finally:
            con.close()
        tmp.replace(path)
    return path


def markdown(backtest: dict) -> str:
    lines = ["| KPI | forecasts | MAE | naive MAE | 80% coverage | 95% coverage | eNPS lead used |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for kpi, b in backtest.items():
        if "skipped" in b:
            lines.append(f"| {kpi} | skipped: {b['skipped']} | | | | | |")
            continue
        decimals = 3 if kpi == "ces" else 2
        lines.append(f"| {kpi} | {b['forecasts']} | {b['mae']:.{decimals}f} | {b['naive_mae']:.{decimals}f} | "
                     f"{b['coverage80']:.0%} | {b['coverage95']:.0%} | {b['lead_used']} of {len(b['origins'])} |")
    return "\n".join(lines)


def bench(cache: Path | str | None = None, repeat: int = 3, rows: int = demo.DEFAULT_CX_ROWS) -> dict:
    con = service.read(demo_db(Path(cache or DEFAULT_CACHE), rows))
    try:
        backtest = {}
        for kpi in KPIS:
            try:
                b = forecast.backtest(con, kpi)
            except ValueError as exc:  # too little history (only in quick runs on a tiny database)
                backtest[kpi] = {"skipped": str(exc)}
                continue
            keep = ("forecasts", "mae", "naive_mae", "coverage80", "coverage95", "lead_used", "origins", "by_horizon")
            backtest[kpi] = {k: b[k] for k in keep} | {
                "passes": b["mae"] < b["naive_mae"] and 0.85 <= b["coverage95"] <= 1.0}
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            forecast.forecast(con, "nps")
            runs.append(time.perf_counter() - t0)
    finally:
        con.close()
    return {"forecast_backtest": backtest, "forecast_median_s": statistics.median(runs), "forecast_runs_s": runs,
            "rows": rows, "markdown": markdown(backtest)}


if __name__ == "__main__":
    result = bench(sys.argv[1] if len(sys.argv) > 1 else None)
    print(result["markdown"])
    print(f"one NPS forecast: {result['forecast_median_s']:.2f} s")
