"""Benchmark: the executive overview's data calls against a pandas baseline.

``python -m benchmarks.run`` (or ``make bench``) builds 1M-, 10M- and 100M-response
demo databases (cached in ``data/bench/``; the 100M one takes about 10 minutes and 20 GB of memory
to build, once), then for each size times

* ``overview``: :func:`cx_metrics.overview.overview` for the default
  3-month period, compared with the previous period, monthly grain;
* ``pandas``: the same KPIs computed by loading the responses into pandas
  (the columns the KPIs need, every row) and filtering and aggregating there,
  as a dashboard built on pandas does;
* ``pandas_period_only``: the same, but SQL already keeps only the dates
  the overview needs (a stronger baseline, reported alongside).

Each measure is the median of ``--repeat`` runs (default 5). The pandas
numbers are checked against DuckDB's before anything is written; a mismatch
raises :class:`BaselineMismatch`. Results go to ``results.json`` and
``results.md`` in ``--out`` (default ``benchmarks/``).

To add a measure, add an entry to :func:`extra_measures`: it lands in the
size's ``extra`` dict in results.json without any other change.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from cx_metrics import db, demo, kpis, overview, page_figures
from cx_metrics.filters import Filters

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (1_000_000, 10_000_000, 100_000_000)
DEFAULT_OUT = ROOT / "benchmarks"
DEFAULT_CACHE = ROOT / "data" / "bench"
SEED = 42
#: EX responses per CX response (1 in 5).
EX_RATIO = 5
#: Lower than the demo's 0.25: ratings are not read by the overview, and
#: fewer of them keep the 10M build quick.
ATTRIBUTE_SHARE = 0.05
COMPARE = "previous"
GRAIN = "month"
#: Relative and absolute tolerance of the pandas-vs-DuckDB check.
TOLERANCE = 1e-9


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (DuckDB runs in-process)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return round(kb / 1024, 1)


# --- Timing ------------------------------------------------------------------

@dataclass
class Timing:
    median_s: float
    runs_s: list[float]
    #: What the last timed run returned (for checks; not written out).
    result: Any = field(default=None, repr=False)

    def as_json(self) -> dict:
        return {"median_s": self.median_s, "runs_s": self.runs_s}


def timed(
    fn: Callable[..., Any],
    repeat: int = 5,
    *,
    setup: Callable[[], Any] | None = None,
    warmup: int = 1,
) -> Timing:
    """Median and every run of ``repeat`` timed calls of ``fn``.

    With ``setup``, each call is ``fn(setup())``; setup is not timed and what
    it returns is closed afterwards if it has ``close()`` (a connection).
    ``warmup`` untimed calls come first. As in :mod:`timeit`, the garbage
    collector is off during a timed call.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    runs: list[float] = []
    result = None
    for i in range(warmup + repeat):
        arg = setup() if setup else None
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            result = fn(arg) if setup else fn()
            elapsed = time.perf_counter() - t0
        finally:
            gc.enable()
            if hasattr(arg, "close"):
                arg.close()
        if i >= warmup:
            runs.append(elapsed)
    return Timing(statistics.median(runs), runs, result)


# --- Databases ---------------------------------------------------------------

def label(rows: int) -> str:
    """1000000 -> '1m', 10000000 -> '10m', 20000 -> '20k'."""
    for div, suffix in ((1_000_000, "m"), (1_000, "k")):
        if rows >= div and rows % div == 0:
            return f"{rows // div}{suffix}"
    return str(rows)


def _cache_problem(path: Path, cx_rows: int, ex_rows: int, seed: int) -> str | None:
    """Why the cached database at ``path`` cannot be reused, or None."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as e:
        return f"cannot open ({e})"
    try:
        found_seed = db.get_meta(con, "demo_seed")
        cx = con.execute("SELECT count(*) FROM cx_responses").fetchone()[0]
        ex = con.execute("SELECT count(*) FROM ex_responses").fetchone()[0]
    except duckdb.Error as e:
        return f"unreadable ({e})"
    finally:
        con.close()
    if found_seed != str(seed):
        return f"demo_seed is {found_seed!r}, want {seed}"
    if (cx, ex) != (cx_rows, ex_rows):
        return f"has {cx:,} CX / {ex:,} EX rows, want {cx_rows:,} / {ex_rows:,}"
    return None


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def ensure_db(cache: Path, rows: int, seed: int = SEED) -> dict:
    """The demo database with ``rows`` CX responses in ``cache``, built when
    missing or stale. Returns path, whether it was built, and the build time."""
    path = cache / f"cx_{label(rows)}.duckdb"
    ex_rows = rows // EX_RATIO
    if path.exists():
        problem = _cache_problem(path, rows, ex_rows, seed)
        if problem is None:
            log(f"reusing {path} ({rows:,} CX / {ex_rows:,} EX rows, seed {seed})")
            db.connect(path).close()  # migrated, and its rollup cells built, if made by an older release
            return {"path": str(path), "built": False, "build_s": None}
        log(f"rebuilding {path}: {problem}")
    # Build under a temporary name, so an interrupted build never leaves a
    # file that looks like a finished one.
    tmp = path.with_name(path.name + ".building")
    _remove(tmp)
    cache.mkdir(parents=True, exist_ok=True)
    log(f"building {path.name}: {rows:,} CX / {ex_rows:,} EX rows, attribute_share {ATTRIBUTE_SHARE} ...")
    t0 = time.perf_counter()
    con = db.connect(tmp)
    try:
        counts = demo.build(con, cx_rows=rows, ex_rows=ex_rows, seed=seed, attribute_share=ATTRIBUTE_SHARE)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    build_s = time.perf_counter() - t0
    if hasattr(os, "sync"):
        os.sync()  # flush the new file now, not as write-back during the timed runs
    _remove(path)
    os.replace(tmp, path)
    size_mb = path.stat().st_size / 2**20
    log(
        f"built {path.name} in {build_s:.1f} s ({size_mb:,.0f} MiB on disk, "
        f"peak RSS so far {peak_rss_mb():,.0f} MiB): {counts}"
    )
    return {
        "path": str(path),
        "built": True,
        "build_s": round(build_s, 3),
        "file_mb": round(size_mb, 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def open_read_only(path: str) -> Callable[[], duckdb.DuckDBPyConnection]:
    """A fresh read-only connection per run: cx_metrics has no cache of its
    own, so a new connection means an empty DuckDB buffer pool (caches
    cleared). The OS file cache stays warm thanks to the warm-up run."""
    return lambda: duckdb.connect(path, read_only=True)


# --- What is measured ----------------------------------------------------------

def bench_filters() -> Filters:
    """The overview's default state: the last 3 whole months, no value filters."""
    return Filters(*overview.default_period(demo.AS_OF))


def run_overview(con: duckdb.DuckDBPyConnection, filters: Filters) -> overview.Overview:
    return overview.overview(con, filters, COMPARE, GRAIN)


def extra_measures(filters: Filters) -> dict[str, Callable[[duckdb.DuckDBPyConnection], Any]]:
    """Further named measures, timed like the overview (fresh connection,
    warm-up, median). They land in each size's ``extra`` dict. The two here
    split the overview into its two halves."""
    window = overview.trend_window(filters)
    return {
        "scorecard": lambda con: kpis.scorecard(con, filters, overview.TILE_KPIS, COMPARE),
        "trend": lambda con: kpis.trend(con, window, overview.TILE_KPIS, "month"),
    }


# --- The pandas baseline -------------------------------------------------------

def _day_after(d: date) -> date:
    return d + timedelta(days=1)


def _between(ts: pd.Series, start: date, end: date) -> pd.Series:
    """The calendar days start..end, inclusive (half-open on timestamps)."""
    return (ts >= pd.Timestamp(start)) & (ts < pd.Timestamp(_day_after(end)))


def _indicators(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Per-row columns whose sums are each KPI's counts: ``<kpi>__n`` etc."""
    cols = {}
    for key in keys:
        kpi = kpis.KPIS[key]
        x = frame[kpi.column].astype("float64")  # nullable ints -> NaN for blanks
        cols[f"{key}__n"] = x.notna()
        if kpi.method == "nps":
            cols[f"{key}__k"] = x >= 9
            cols[f"{key}__d"] = x <= 6
        else:
            cols[f"{key}__k"] = x >= kpi.threshold
        if kpi.method == "mean":
            s = x.fillna(0.0)
            cols[f"{key}__s"] = s
            cols[f"{key}__ss"] = s * s
    return pd.DataFrame(cols, index=frame.index)


def _counts(sums: pd.Series, key: str) -> dict:
    start = f"{key}__"
    return {k[len(start):]: v for k, v in sums.items() if k.startswith(start)}


def _finish(key: str, c: dict) -> dict:
    """Value, n and 95% interval from one group's pandas-made counts.

    The baseline's work is the aggregation; turning counts into a score uses
    the project's one definition, so both sides are compared like for like.
    """
    s = kpis._score(kpis.KPIS[key], c)
    return {"value": s.value, "n": s.n, "ci_low": s.ci_low, "ci_high": s.ci_high, "suppressed": s.suppressed}


def _p_value(key: str, a: dict, b: dict) -> float | None:
    p = kpis._p_value(kpis.KPIS[key], a, b)
    return None if math.isnan(p) else p


def _tile(key: str, a: dict, b: dict) -> dict:
    now, before = _finish(key, a), _finish(key, b)
    tile = now | {"previous": before["value"], "delta": None, "p_value": None}
    if now["value"] is not None and before["value"] is not None:
        tile["delta"] = now["value"] - before["value"]
        tile["p_value"] = _p_value(key, a, b)
    return tile


def pandas_overview(con: duckdb.DuckDBPyConnection, filters: Filters, period_only: bool = False) -> dict:
    """The overview's KPIs computed in pandas from loaded rows.

    SQL only selects columns (and with ``period_only``, the dates: the union
    of the trend window and the comparison period); every date filter,
    count, group-by and distinct count happens in pandas. Returns
    {"tiles": {kpi: {...}}, "trend": {(kpi, period): {...}}} with the fields
    :func:`compare` checks. Targets (read from the small targets table, not
    computed) are left out.
    """
    other = filters.comparison(COMPARE)
    window = overview.trend_window(filters)
    lo = min(window.start, other.start, filters.start)
    hi = max(window.end, other.end, filters.end)

    def load(sql: str, date_col: str, first: date) -> pd.DataFrame:
        if not period_only:
            return con.execute(sql).df()
        return con.execute(f"{sql} WHERE {date_col} >= ? AND {date_col} < ?", [first, _day_after(hi)]).df()

    cx = load("SELECT submitted_at, nps, csat, ces FROM cx_responses", "submitted_at", lo)
    # Employee KPIs are defined on the anonymity guard's published cells (ex_guard), as in the product.
    ex = load("SELECT month::TIMESTAMP AS submitted_at, response_id, response_id AS respondent_id, enps, engagement"
              " FROM ex_reporting", "month", lo)
    # Months are kept by their 15th (kpis' rule), so the month of ``lo`` - 14 days is enough.
    bo = load("SELECT month, metric, value FROM business_outcomes", "month", lo - timedelta(days=14))

    tiles: dict[str, dict] = {}
    trend: dict[tuple[str, date], dict] = {}

    def response_table(frame: pd.DataFrame, keys: tuple[str, ...], who: pd.Series | None) -> None:
        """Tiles and monthly trend for CX (``who`` None) or EX (``who``: the
        respondent, for the anonymity rule) KPIs."""
        ts = frame["submitted_at"]
        ind = _indicators(frame, keys)
        cur, prev, win = (_between(ts, f.start, f.end) for f in (filters, other, window))
        month = pd.Series(ts.to_numpy().astype("datetime64[M]"), index=frame.index)
        by_month = ind[win].groupby(month[win]).sum()
        cur_sums, prev_sums = ind[cur].sum(), ind[prev].sum()
        for key in keys:
            a, b = _counts(cur_sums, key), _counts(prev_sums, key)
            if who is not None:
                answered = frame[kpis.KPIS[key].column].notna()
                a["r"], b["r"] = who[cur & answered].nunique(), who[prev & answered].nunique()
                r_by_month = who[win & answered].groupby(month[win & answered]).nunique()
            tiles[key] = _tile(key, a, b)
            for period, row in by_month.iterrows():
                c = _counts(row, key)
                if not c["n"]:
                    continue
                if who is not None:
                    c["r"] = r_by_month.get(period, 0)
                trend[(key, period.date())] = _finish(key, c)

    response_table(cx, kpis.CX_KPIS, None)
    response_table(ex, kpis.EX_KPIS, ex["respondent_id"].fillna(ex["response_id"]))

    # Retention: retained / active customers, summed over unit-months.
    n = bo["value"].where(bo["metric"] == "active_customers", 0.0)
    k = bo["value"].where(bo["metric"] == "retained_customers", 0.0)
    ind = pd.DataFrame({"retention__n": n, "retention__k": k})

    def months(f: Filters) -> pd.Series:
        """A month counts when its 15th lies in the period (kpis' rule)."""
        mid = bo["month"] + pd.Timedelta(days=14)
        return (mid >= pd.Timestamp(f.start)) & (mid <= pd.Timestamp(f.end))

    tiles["retention"] = _tile(
        "retention",
        _counts(ind[months(filters)].sum(), "retention"),
        _counts(ind[months(other)].sum(), "retention"),
    )
    win = months(window)
    for period, row in ind[win].groupby(bo["month"][win].dt.to_period("M").dt.start_time).sum().iterrows():
        c = _counts(row, "retention")
        if c["n"]:
            trend[("retention", period.date())] = _finish("retention", c)
    return {"tiles": {key: tiles[key] for key in overview.TILE_KPIS}, "trend": trend}


# --- The check ---------------------------------------------------------------------

class BaselineMismatch(AssertionError):
    """The pandas baseline disagrees with DuckDB: the comparison would be unfair."""


TILE_FIELDS = ("value", "n", "ci_low", "ci_high", "previous", "delta", "p_value", "suppressed")
TREND_FIELDS = ("value", "n", "ci_low", "ci_high", "suppressed")


def duckdb_numbers(ov: overview.Overview) -> dict:
    """The overview's numbers in :func:`pandas_overview`'s shape."""
    tiles = {key: {f: getattr(t.score, f) for f in TILE_FIELDS} for key, t in ov.tiles.items()}
    trend = {
        (r["kpi"], pd.Timestamp(r["period"]).date()): {f: r[f] for f in TREND_FIELDS}
        for r in ov.sparklines.to_dict("records")
    }
    return {"tiles": tiles, "trend": trend}


def _same(a, b) -> bool:
    a, b = _none(a), _none(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return bool(a) == bool(b)
    return math.isclose(float(a), float(b), rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def _none(x):
    if x is None or x is pd.NA:
        return None
    if isinstance(x, (float, np.floating)) and math.isnan(x):
        return None
    return x


def compare(duck: dict, pand: dict) -> dict:
    """Every tile field and every trend point must agree; raise otherwise.

    Returns a summary for results.json (``ok``, how many numbers were
    compared, and NPS value and n for the current period from both sides).
    """
    problems, compared, max_diff = [], 0, 0.0
    pairs = [
        (("tile", k), duck["tiles"].get(k), pand["tiles"].get(k), TILE_FIELDS) for k in overview.TILE_KPIS
    ]
    if set(duck["trend"]) != set(pand["trend"]):
        problems.append(f"trend points differ: {sorted(set(duck['trend']) ^ set(pand['trend']))[:5]}")
    pairs += [
        (("trend", *key), duck["trend"][key], pand["trend"].get(key), TREND_FIELDS)
        for key in sorted(duck["trend"])
    ]
    for where, d, p, fields in pairs:
        if d is None or p is None:
            problems.append(f"{where}: missing on one side")
            continue
        for f in fields:
            compared += 1
            if not _same(d[f], p[f]):
                problems.append(f"{where} {f}: overview {d[f]!r} vs pandas {p[f]!r}")
            elif _none(d[f]) is not None and not isinstance(d[f], (bool, np.bool_)):
                max_diff = max(max_diff, abs(float(d[f]) - float(p[f])))
    if problems:
        raise BaselineMismatch(f"{len(problems)} mismatches, e.g.:\n  " + "\n  ".join(problems[:10]))
    nps_d, nps_p = duck["tiles"]["nps"], pand["tiles"]["nps"]
    return {
        "ok": True,
        "numbers_compared": compared,
        "max_abs_diff": max_diff,
        "tolerance": TOLERANCE,
        "nps_current": {
            "overview": {"value": nps_d["value"], "n": nps_d["n"]},
            "pandas": {"value": nps_p["value"], "n": nps_p["n"]},
        },
    }


# --- Running -------------------------------------------------------------------------

def bench_size(rows: int, repeat: int, cache: Path) -> dict:
    info = ensure_db(cache, rows)
    filters = bench_filters()
    connect = open_read_only(info["path"])

    # Caches cleared: a fresh read-only connection for every run (timed() opens
    # it untimed and closes it after), so DuckDB's buffer pool starts empty;
    # cx_metrics itself caches nothing (the page's st.cache_data is bypassed).
    # One untimed warm-up run first so the OS page cache holds the file and
    # the first timed run does not pay for disk reads the others do not.
    log(f"{label(rows)}: timing overview (1 warm-up + {repeat}) ...")
    ov = timed(lambda con: run_overview(con, filters), repeat, setup=connect)
    log(f"{label(rows)}: overview median {ov.median_s:.3f} s; timing pandas baseline ...")
    pd_t = timed(lambda con: pandas_overview(con, filters), repeat, setup=connect)
    log(f"{label(rows)}: pandas median {pd_t.median_s:.3f} s; timing pandas, period only ...")
    pd_p = timed(lambda con: pandas_overview(con, filters, period_only=True), repeat, setup=connect)
    log(f"{label(rows)}: pandas (period only) median {pd_p.median_s:.3f} s; checking the numbers agree ...")
    check = compare(duckdb_numbers(ov.result), pd_t.result)
    compare(duckdb_numbers(ov.result), pd_p.result)
    log(f"{label(rows)}: {check['numbers_compared']} numbers agree (max |diff| {check['max_abs_diff']:.2e})")

    extra = {}
    for name, fn in extra_measures(filters).items():
        extra[name] = timed(fn, repeat, setup=connect).as_json()
        log(f"{label(rows)}: {name} median {extra[name]['median_s']:.3f} s")

    # Every page's data, through the functions the page calls (the report command's), default filters;
    # Voice of the customer lists its first page of comments, as a visit does (report lists them all).
    pages = {}
    for page in page_figures.PAGES:
        options = {"all_comments": False} if page == "voc" else {}
        pages[page] = timed(lambda con, page=page, o=options: page_figures.report(con, page, filters, COMPARE, **o),
                            repeat, setup=connect).median_s
        log(f"{label(rows)}: {page} page data median {pages[page]:.3f} s")
    probe = app_probe(info["path"], filters)
    log(f"{label(rows)}: 20 concurrent overview refreshes p95 {probe['concurrent_p95_s']:.3f} s; "
        f"app process peak RSS {probe['app_peak_rss_mb']:,.0f} MiB")

    return {
        "rows": rows,
        "ex_rows": rows // EX_RATIO,
        "overview_median_s": ov.median_s,
        "pandas_median_s": pd_t.median_s,
        "speedup": pd_t.median_s / ov.median_s,
        "pandas_period_only_median_s": pd_p.median_s,
        "speedup_vs_period_only": pd_p.median_s / ov.median_s,
        "overview_runs_s": ov.runs_s,
        "pandas_runs_s": pd_t.runs_s,
        "pandas_period_only_runs_s": pd_p.runs_s,
        "check": check,
        "extra": extra,
        "pages": pages,
        "concurrent_p95_s": probe["concurrent_p95_s"],
        "concurrent_median_s": probe["concurrent_median_s"],
        "app_peak_rss_mb": probe["app_peak_rss_mb"],
        "db": info,
    }


def app_probe(path: str, filters: Filters) -> dict:
    """:mod:`benchmarks.app_probe` in a process of its own: every page's data once, then 20 overview
    refreshes at once on cursors of one connection; its p95 and its own peak RSS (an app process's)."""
    import subprocess

    out = subprocess.run([sys.executable, "-m", "benchmarks.app_probe", path, filters.start.isoformat(),
                          filters.end.isoformat(), "--clients", "20", "--rounds", "3"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


#: Feature benchmarks: (module in benchmarks/, on which database). Each
#: module's ``bench`` returns a dict whose ``*_s`` / ``*_per_s`` keys also go
#: to the top level of results.json (``boardpack_s``, ``voc_median_s``, ...).
FEATURES = {
    "boardpack": "largest",  # the full deck on the biggest database
    "voc_drivers": 1_000_000,  # the 1M-response demo (the largest size if 1M is not run)
    "ingest": None,  # writes its own 1M-row CSV and databases
    "sentiment": "standalone",  # labelled comments in ../shared/sentiment, no database
    "forecast": "demo",  # the backtest on the demo database as `python -m cx_metrics demo` builds it
}


def feature_benches(sizes: list[dict], cache: Path, repeat: int) -> dict:
    """Run each feature benchmark whose module exists; log and return their results."""
    import importlib
    import importlib.util

    out = {}
    for name, on in FEATURES.items():
        if importlib.util.find_spec(f"benchmarks.{name}") is None:
            log(f"{name}: no benchmarks/{name}.py, skipped")
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        largest = max(s["rows"] for s in sizes)
        kwargs = {"repeat": min(repeat, 3)}
        if on == "standalone":
            arg = None
        elif on == "demo":  # built in the cache; smaller only in quick runs (tests)
            arg = cache
            kwargs["rows"] = min(demo.DEFAULT_CX_ROWS, largest)
        elif on is None:
            arg = cache / "ingest"
            arg.mkdir(parents=True, exist_ok=True)
            kwargs["rows"] = min(1_000_000, largest)  # smaller only in quick runs (tests)
        else:
            rows = on if on != "largest" and any(s["rows"] == on for s in sizes) else largest
            arg = next(s["db"]["path"] for s in sizes if s["rows"] == rows)
            # The feature benchmarks may migrate or write; give them a copy, not the timed cache.
            copy = Path(arg).with_name(Path(arg).stem + f"_{name}.duckdb")
            shutil.copyfile(arg, copy)
            arg = copy
        log(f"{name}: running on {arg or 'its own data'} ...")
        out[name] = module.bench(arg, **kwargs)
        log(f"{name}: " + ", ".join(f"{k} {v:.3g}" for k, v in out[name].items() if isinstance(v, (int, float))))
    return out


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
    }


def markdown(results: dict) -> str:
    lines = [
        "| rows | overview median (s) | pandas median (s) | speedup | pandas, period only (s) | speedup |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for s in results["sizes"]:
        lines.append(
            f"| {s['rows']:,} | {s['overview_median_s']:.3f} | {s['pandas_median_s']:.3f}"
            f" | {s['speedup']:.1f}× | {s['pandas_period_only_median_s']:.3f}"
            f" | {s['speedup_vs_period_only']:.1f}× |"
        )
    with_pages = [s for s in results["sizes"] if s.get("pages")]
    if with_pages:
        names = list(with_pages[0]["pages"])
        lines += ["", "| rows | " + " | ".join(f"{n} (s)" for n in names)
                  + " | 20 concurrent overviews, p95 (s) | app peak RSS (MiB) |",
                  "|---:|" + "---:|" * (len(names) + 2)]
        for s in with_pages:
            lines.append(f"| {s['rows']:,} | " + " | ".join(f"{s['pages'][n]:.3f}" for n in names)
                         + f" | {s['concurrent_p95_s']:.3f} | {s['app_peak_rss_mb']:,.0f} |")
    features = {k: v for k, v in results.items()
                if k.endswith(("_s", "_per_s")) and isinstance(v, (int, float))}
    if features:
        lines += ["", "| measure | value |", "|---|---:|"]
        for key, value in features.items():
            shown = f"{value:,.0f} rows/s" if key.endswith("_per_s") else f"{value:.3f} s"
            lines.append(f"| `{key}` | {shown} |")
    sentiment = results.get("features", {}).get("sentiment", {})
    if sentiment:
        lines += ["", "Sentiment, macro-F1 on ../shared/sentiment/test (benchmarks/sentiment.py):", "",
                  sentiment.get("markdown") or sentiment["skipped"]]
    forecast = results.get("features", {}).get("forecast", {})
    if forecast:
        lines += ["", f"Forecast backtest on the demo database ({forecast['rows']:,} responses; last 6 origins, "
                  "1-3 months ahead; benchmarks/forecast.py):", "", forecast["markdown"]]
    m, st = results["machine"], results["settings"]
    lines += [
        "",
        f"Median of {st['repeat']} runs, fresh read-only connection each (warm OS cache); "
        f"period {st['period'][0]} to {st['period'][1]} vs the previous period. "
        "pandas loads every response's KPI columns and filters in pandas; "
        "\"period only\" lets SQL keep just the 14 months the overview reads. "
        f"{m['cpus']} CPUs, Python {m['python']}, DuckDB {m['duckdb']}, pandas {m['pandas']}; "
        f"{results['generated_at']}.",
    ]
    return "\n".join(lines) + "\n"


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes must be comma-separated integers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give at least one positive size")
    return sizes


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES),
                   help="CX response counts, comma-separated (default: 1000000,10000000,100000000)")
    p.add_argument("--repeat", type=int, default=5, help="timed runs per measure (default: 5)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="where results.json and results.md go (default: benchmarks/)")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="database cache (default: data/bench/)")
    return p


def main(argv: list[str] | None = None) -> dict:
    args = _parser().parse_args(argv)
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    filters = bench_filters()
    results = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "repeat": args.repeat,
            "warmup": 1,
            "seed": SEED,
            "ex_ratio": EX_RATIO,
            "attribute_share": ATTRIBUTE_SHARE,
            "period": [filters.start.isoformat(), filters.end.isoformat()],
            "compare": COMPARE,
            "grain": GRAIN,
        },
        "sizes": [],
    }
    t0 = time.perf_counter()
    for rows in args.sizes:
        results["sizes"].append(bench_size(rows, args.repeat, args.cache))
    results["features"] = feature_benches(results["sizes"], args.cache, args.repeat)
    for entry in results["features"].values():
        results.update({k: v for k, v in entry.items()
                        if k.endswith(("_s", "_per_s")) and isinstance(v, (int, float)) or k.endswith("_backtest")})
    results["peak_rss_mb"] = peak_rss_mb()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    table = markdown(results)
    (args.out / "results.md").write_text(table)
    log(f"done in {time.perf_counter() - t0:.0f} s; wrote {args.out / 'results.json'} and results.md")
    print(table)
    return results


if __name__ == "__main__":
    main()
