"""The KPIs: each defined once, here, and used by pages, CLI and exports.

A KPI is a :class:`Kpi` entry in :data:`KPIS` (which table and column, which
statistic) plus the small function that carries its definition in the
docstring (:func:`nps`, :func:`csat`, ...). All aggregation happens in DuckDB:
Python only sees one row of counts per period (or per time bucket), from which
:mod:`cx_metrics.stats` computes intervals and tests.

Rules common to every KPI:

* Blank scores are excluded from n.
* CX groups with n < 30 are flagged ``low_base`` (shown, with a warning).
* EX KPIs read the reporting cells of :mod:`cx_metrics.ex_guard` (table
  ``ex_reporting``): whole months, groups of at least 5 people, so any two
  EX figures differ by 0 or at least 5 people. An EX figure with nothing to
  show has value and n ``None`` and a ``reason`` (``hidden`` for anonymity,
  with ``suppressed`` true; ``filter``, ``period`` or ``no_data`` otherwise).
* A filter on a column the KPI's table lacks gives an empty result.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Literal

import duckdb
import pandas as pd

from . import audit, config, db, ex_guard, rollup, stats
from .filters import FILTER_COLUMNS, GRAINS, JOURNEY_STAGES, TABLES, Compare, Filters, Grain, date_bounds, monthly
from .txn import transaction

Method = Literal["nps", "share", "mean", "ratio"]


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    table: str
    column: str
    method: Method
    #: For "share" and "mean": the lowest score counted as favourable.
    threshold: int = 0
    unit: str = ""
    decimals: int = 1
    group: str = "cx"


KPIS: dict[str, Kpi] = {
    k.key: k
    for k in [
        Kpi("nps", "NPS", "cx_responses", "nps", "nps", group="cx"),
        Kpi("csat", "CSAT", "cx_responses", "csat", "share", threshold=4, unit="%"),
        Kpi("ces", "Customer effort (CES)", "cx_responses", "ces", "mean", threshold=5, decimals=2),
        Kpi("enps", "eNPS", ex_guard.RELATION, "enps", "nps", group="ex"),
        Kpi("engagement", "Engagement", ex_guard.RELATION, "engagement", "share", threshold=4, unit="%", group="ex"),
        Kpi("satisfaction", "Satisfaction", ex_guard.RELATION, "satisfaction", "share", threshold=4, unit="%",
            group="ex"),
        Kpi("retention", "Customer retention", "business_outcomes", "value", "ratio", unit="%", group="outcome"),
    ]
}
CX_KPIS = ("nps", "csat", "ces")
EX_KPIS = ("enps", "engagement")


@dataclass(frozen=True)
class Score:
    """One KPI for one group and period.

    ``value`` is in the KPI's own unit (points for NPS, % for shares, 1-7
    for CES). ``top_box`` is CES's % answering 5-7. The comparison fields are
    set by :func:`scorecard` with ``compare``.
    """

    kpi: str
    value: float | None = None
    n: int | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    low_base: bool = False
    suppressed: bool = False
    top_box: float | None = None
    previous: float | None = None
    delta: float | None = None
    p_value: float | None = None
    significant: bool | None = None
    #: EX with nothing to show: why (a key of :data:`cx_metrics.ex_guard.REASONS`).
    reason: str | None = None

    @property
    def shown(self) -> bool:
        return self.value is not None

    def as_json(self) -> dict:
        """The CLI's object: 2 decimals, 4 for p, flags per KPI group."""
        d = asdict(self)
        d.pop("kpi")
        for key in ("value", "ci_low", "ci_high", "top_box", "previous", "delta"):
            d[key] = _round(d[key], 2)
        d["p_value"] = _round(d["p_value"], 4)
        group = KPIS[self.kpi].group
        d.pop("suppressed" if group == "cx" else "low_base")
        if group != "ex":
            d.pop("reason")
        if self.kpi != "ces":
            d.pop("top_box")
        if group == "outcome":
            d.pop("suppressed", None)
        return d


def _round(x: float | None, places: int) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), places)


# --- SQL -----------------------------------------------------------------

def _aggregates(kpi: Kpi) -> dict[str, str]:
    """``{count name: SQL aggregate}`` for ``kpi`` over the rows of a group.

    Names are ``<kpi>__n`` (answers), ``__k`` (favourable, or promoters),
    ``__d`` (detractors) and ``__s``/``__ss`` (sum, sum of squares): all
    additive. Only allow-listed column names from :data:`KPIS` reach the SQL text.
    """
    c = kpi.column
    if kpi.method == "ratio":
        items = {
            "n": "sum(value) FILTER (WHERE metric = 'active_customers')",
            "k": "sum(value) FILTER (WHERE metric = 'retained_customers')",
        }
    else:
        items = {"n": f"count({c})"}
        if kpi.method == "nps":
            items |= {"k": f"count_if({c} >= 9)", "d": f"count_if({c} <= 6)"}
        else:
            items["k"] = f"count_if({c} >= {kpi.threshold:d})"
        if kpi.method == "mean":
            items |= {"s": f"sum({c})", "ss": f"sum({c}::DOUBLE * {c})"}
    return {f"{kpi.key}__{name}": expr for name, expr in items.items()}


def _unpack(row: dict, kpi: Kpi) -> dict:
    start = f"{kpi.key}__"
    return {k[len(start):]: (v or 0) for k, v in row.items() if k.startswith(start)}


def _whole_months(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1


def source(con: duckdb.DuckDBPyConnection, table: str, group: list[Kpi], needed, spans, grain: str | None
            ) -> tuple[str, str, bool, dict[str, str]]:
    """Where to read ``group``'s counts: (relation, its date column, whether that column is a day or month
    already, {count name: aggregate}).

    Customer KPIs read the rollup cells (:mod:`cx_metrics.rollup`) whenever they can answer: the columns
    ``needed`` (filters and breakdown) are in the cells, and for the monthly cells every span is whole
    months and the trend ``grain`` monthly or coarser. Employee KPIs read the anonymity guard's reporting
    cells summed. The cells' sums are the rows' counts, so the answer is the same to the last decimal.
    Otherwise, and for every other table, the rows themselves.
    """
    exprs = {name: expr for kpi in group for name, expr in _aggregates(kpi).items()}
    if table == "cx_responses":
        whole = all(_whole_months(a, b) for a, b in spans) and grain in (None, "month", "quarter")
        found = rollup.source(needed, whole)
        if found and rollup.usable(con):
            relation, column = found
            return relation, column, True, {name: f"sum({name})" for name in exprs}
    if table == ex_guard.RELATION and rollup.ex_usable(con):  # the reporting cells, summed
        return rollup.EX, "month", True, {name: f"sum({name})" for name in exprs}
    date_col, _ = TABLES[table]
    return table, date_col, monthly(table), exprs


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _by_table(keys) -> dict[str, list[Kpi]]:
    out: dict[str, list[Kpi]] = {}
    for key in keys:
        kpi = KPIS[key]
        out.setdefault(kpi.table, []).append(kpi)
    return out


@dataclass(frozen=True)
class _Buckets:
    """Time buckets for a trend: ``grain`` over ``start``..``end``."""

    grain: Grain
    start: date
    end: date


def _counts(
    con: duckdb.DuckDBPyConnection,
    table: str,
    group: list[Kpi],
    filters: Filters,
    periods: dict[str, tuple[date, date]],
    buckets: _Buckets | None,
) -> tuple[dict[str, dict], list[dict]]:
    """The counts of ``group``'s KPIs for each named period and each bucket.

    Returns ``({period name: row}, [bucket rows with "period"])``; rows hold
    :func:`_aggregates`' names. One statement per table, so one round trip:
    every count adds up, so a single scan grouped by day (by month for
    monthly tables) is taken, and each period and bucket sums its days.
    """
    where, where_params = filters.where(table)
    spans = list(periods.values()) + ([(buckets.start, buckets.end)] if buckets else [])
    relation, date_col, dated, exprs = source(con, table, group, filters.active(), spans,
                                               buckets.grain if buckets else None)
    day = date_col if dated else f"{date_col}::DATE"
    scans = [date_bounds(table, a, b, date_col) for a, b in spans]
    days = (
        f"(SELECT {day} AS day, {', '.join(f'{e} AS {n}' for n, e in exprs.items())} FROM {relation}"
        f" WHERE ({' OR '.join(c for c, _ in scans)}) AND {where} GROUP BY 1)"
    )
    days_params = [p for _, ps in scans for p in ps] + where_params
    items = ", ".join(f"sum({n}) AS {n}" for n in exprs)

    def select(label: str, start: date, end: date, period: str) -> tuple[str, list]:
        cond, params = date_bounds(table, start, end, "day")
        return f"SELECT '{label}' AS _set, {period} AS period, {items} FROM src WHERE {cond}", params

    parts = [select(f"p{i}", a, b, "NULL::DATE") for i, (a, b) in enumerate(periods.values())]
    if buckets:
        # Monthly tables have no weeks: their weekly trend stays monthly.
        grain = "month" if (monthly(table) and buckets.grain == "week") else buckets.grain
        sql, params = select("bucket", buckets.start, buckets.end, f"date_trunc('{grain}', day)::DATE")
        parts.append((sql + " GROUP BY 2", params))
    sql = f"WITH src AS MATERIALIZED {days} " + " UNION ALL BY NAME ".join(f"({s})" for s, _ in parts)
    rows = _fetch(con, sql + " ORDER BY period", days_params + [p for _, ps in parts for p in ps])
    by_period = {name: next(r for r in rows if r["_set"] == f"p{i}") for i, name in enumerate(periods)}
    return by_period, [r for r in rows if r["_set"] == "bucket"]


# --- Scores from counts ----------------------------------------------------

def _score(kpi: Kpi, a: dict) -> Score:
    """Turn one group's counts into a Score (rules in the module docstring)."""
    n = int(a.get("n") or 0)
    low_base = kpi.group == "cx" and n < config.LOW_BASE_N
    if n == 0:
        return Score(kpi.key, n=0, low_base=low_base)
    if kpi.method == "nps":
        value, se = stats.nps(int(a["k"]), int(a["d"]), n)
        lo, hi = stats.normal_interval(value, se)
    elif kpi.method in ("share", "ratio"):
        value = 100 * a["k"] / n
        lo, hi = (100 * x for x in stats.wilson(a["k"], n))
    else:
        value, sd = stats.mean_sd(n, a["s"], a["ss"])
        lo, hi = stats.t_interval(value, sd, n)
    top_box = 100 * a["k"] / n if kpi.method == "mean" else None
    return Score(kpi.key, value, int(n), _nan_none(lo), _nan_none(hi), low_base=low_base, top_box=top_box)


def _explained(con: duckdb.DuckDBPyConnection, filters: Filters, score: Score) -> Score:
    """An EX score with nothing to show, with its reason (and ``suppressed`` when hidden)."""
    if KPIS[score.kpi].group != "ex" or score.shown:
        return score
    why = ex_guard.reason(con, filters)
    return replace(score, n=None, previous=None, delta=None, p_value=None, significant=None,
                   suppressed=why == "hidden", reason=why)


def _nan_none(x: float) -> float | None:
    return None if math.isnan(x) else x


def _p_value(kpi: Kpi, a: dict, b: dict) -> float:
    """Two-sided p for the change between counts ``b`` (before) and ``a`` (now)."""
    if kpi.method == "nps":
        v1, se1 = stats.nps(int(a["k"]), int(a["d"]), int(a["n"]))
        v2, se2 = stats.nps(int(b["k"]), int(b["d"]), int(b["n"]))
        return stats.difference_z_test(v1 - v2, se1, se2)
    if kpi.method in ("share", "ratio"):
        return stats.two_proportion_z_test(a["k"], a["n"], b["k"], b["n"])
    m1, sd1 = stats.mean_sd(int(a["n"]), a["s"], a["ss"])
    m2, sd2 = stats.mean_sd(int(b["n"]), b["s"], b["ss"])
    return stats.welch_t_test(m1, sd1, int(a["n"]), m2, sd2, int(b["n"]))


def _compared(kpi: Kpi, a: dict, b: dict) -> Score:
    now, before = _score(kpi, a), _score(kpi, b)
    if not (now.shown and before.shown):
        return replace(now, previous=before.value)
    p = _p_value(kpi, a, b)
    p = None if math.isnan(p) else p
    return replace(
        now,
        previous=before.value,
        delta=now.value - before.value,
        p_value=p,
        significant=None if p is None else p < 0.05,
    )


# --- Public API --------------------------------------------------------------

def measure(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    kpis: tuple[str, ...] | list[str] = tuple(KPIS),
    compare: Compare | None = None,
    trend_window: Filters | None = None,
    grain: Grain = "month",
) -> tuple[dict[str, Score], pd.DataFrame]:
    """:func:`scorecard` and, over ``trend_window``'s dates, :func:`trend`,
    in one statement per table (a page showing both pays for one scan).

    With ``trend_window`` None the trend frame is empty.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    periods = {"now": (filters.start, filters.end)}
    if compare:
        other = filters.comparison(compare)
        periods["before"] = (other.start, other.end)
    buckets = _Buckets(grain, trend_window.start, trend_window.end) if trend_window else None
    scores: dict[str, Score] = {}
    points: list[dict] = []
    for table, group in _by_table(kpis).items():
        by_period, bucket_rows = _counts(con, table, group, filters, periods, buckets)
        for kpi in group:
            a = _unpack(by_period["now"], kpi)
            score = _compared(kpi, a, _unpack(by_period["before"], kpi)) if compare else _score(kpi, a)
            scores[kpi.key] = _explained(con, filters, score)
            points += _trend_points(kpi, bucket_rows)
    return {k: scores[k] for k in kpis}, _trend_frame(points)


def scorecard(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    kpis: tuple[str, ...] | list[str] = tuple(KPIS),
    compare: Compare | None = None,
) -> dict[str, Score]:
    """Scores for ``kpis`` over ``filters``, with deltas when ``compare`` is set.

    One scan per table covers every KPI and both periods.
    """
    return measure(con, filters, kpis, compare)[0]


def trend(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    kpis: tuple[str, ...] | list[str],
    grain: Grain = "month",
) -> pd.DataFrame:
    """KPIs per time bucket over ``filters``' dates.

    Columns: kpi, period (first day of the bucket; weeks start on Monday),
    value, n, ci_low, ci_high, low_base, suppressed. One row per KPI and
    bucket that has data (an EX month with no reporting cell is a gap).
    Monthly tables (outcomes, and EX, which is reported by whole months) are
    bucketed by month even when ``grain`` is week.
    """
    return measure(con, filters, kpis, None, filters, grain)[1]


TREND_COLUMNS = ["kpi", "period", "value", "n", "ci_low", "ci_high", "low_base", "suppressed"]


def _trend_points(kpi: Kpi, bucket_rows: list[dict]) -> list[dict]:
    points = []
    for row in bucket_rows:
        a = _unpack(row, kpi)
        if a.get("n"):
            points.append({"period": row["period"], **vars(_score(kpi, a))})  # flat fields: no deep copy
    return points


def _trend_frame(points: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(points, columns=list(Score.__dataclass_fields__) + ["period"])[TREND_COLUMNS]


#: Columns a breakdown may group by, per table (an allow-list: never user text).
GROUP_COLUMNS: dict[str, frozenset[str]] = {
    "cx_responses": frozenset({"business_unit", "region", "channel", "segment", "journey_stage"}),
    ex_guard.RELATION: frozenset(ex_guard.DIMENSIONS),
    "business_outcomes": frozenset({"business_unit"}),
}


def by_group(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    kpis: tuple[str, ...] | list[str],
    by: str,
    compare: Compare | None = None,
    grain: Grain | None = None,
    against: Filters | None = None,
) -> pd.DataFrame:
    """Every KPI in ``kpis`` for each value of column ``by`` (e.g. each business unit).

    ``against`` (with ``compare``) names the comparison period's dates instead of
    ``filters.comparison(compare)`` (alerts compare a month with the three before it).

    With ``grain``, one row per group, KPI and time bucket instead, in an
    extra ``period`` column (first day of the bucket; no comparison).

    One tidy row per group and KPI: group, kpi and the :class:`Score` fields
    (value, n, interval, low_base, suppressed, and with ``compare``
    previous, delta, p_value, significant), by the same rules as
    :func:`scorecard`. Tables that lack ``by`` give no rows. One statement
    per table, grouped in SQL. EX groups are reporting cells'
    labels (:mod:`cx_metrics.ex_guard`): without ``grain``, every name the
    employee data has for ``by`` gets a row, hidden (``suppressed``) when no
    reporting cell inside the filters carries it, provided the organisation
    has employee responses in those months (:func:`cx_metrics.ex_guard.reason`
    is ``hidden``); otherwise employee groups get no rows (no data, not hidden).
    """
    if grain is not None and (compare or grain not in GRAINS):
        raise ValueError(f"grain must be one of {GRAINS}, and cannot be combined with compare")
    periods = [(filters.start, filters.end)]
    if compare:
        other = against or filters.comparison(compare)
        periods.append((other.start, other.end))
    rows = []
    for table, group in _by_table(kpis).items():
        if by not in GROUP_COLUMNS[table]:
            continue
        where, where_params = filters.where(table)
        relation, date_col, _, aggregates = source(con, table, group, {*filters.active(), by}, periods, grain)
        exprs = ", ".join(f"{e} AS {n}" for n, e in aggregates.items())
        bucket = "NULL::DATE"
        if grain:
            bucket = f"date_trunc('{'month' if monthly(table) else grain}', {date_col})::DATE"
        parts, params = [], []
        for i, (a, b) in enumerate(periods):
            cond, date_params = date_bounds(table, a, b, date_col)
            parts.append(f"SELECT {i} AS _period, {by} AS grp, {bucket} AS bucket, {exprs} FROM {relation}"
                         f" WHERE {cond} AND {where} AND {by} IS NOT NULL GROUP BY grp, bucket")
            params += date_params + where_params
        found: dict[tuple[int, str, date | None], dict] = {
            (r["_period"], r["grp"], r["bucket"]): r for r in _fetch(con, " UNION ALL ".join(parts), params)
        }
        keys = {(g, d) for p, g, d in found if p == 0}
        # Every employee name gets a row, hidden, only when the organisation answered in these months:
        # a group exists but is too small. With no employee responses at all (or a filter or period
        # the employee figures cannot follow) there is nothing to hide, so no rows: "no data", not "hidden".
        if table == ex_guard.RELATION and not grain and ex_guard.reason(con, filters) == "hidden":
            chosen = filters.active().get(by)
            keys |= {(name, None) for name in ex_guard.names(con, by) if not chosen or name in chosen}
        hidden = Score("", suppressed=True, reason="hidden")
        for name, bucket_day in sorted(keys, key=lambda x: (x[0], x[1] or date.min)):
            for kpi in group:
                a = _unpack(found.get((0, name, bucket_day), {}), kpi)
                if grain and not a.get("n"):
                    continue
                b = _unpack(found.get((1, name, bucket_day), {}), kpi)
                score = _compared(kpi, a, b) if compare else _score(kpi, a)
                if kpi.group == "ex" and not score.shown:
                    score = replace(hidden, kpi=kpi.key)
                rows.append({"group": name, **asdict(score), "period": bucket_day})
    columns = ["group", *Score.__dataclass_fields__, "period"]
    return pd.DataFrame(rows, columns=columns)[columns if grain else columns[:-1]]


def _one(con, filters: Filters, key: str, compare: Compare | None) -> Score:
    return scorecard(con, filters, (key,), compare)[key]


def nps(con, filters: Filters, compare: Compare | None = None) -> Score:
    """Net Promoter Score: % promoters (9-10) minus % detractors (0-6), -100..100.

    SE = 100 * sqrt(((p + d) - (p - d)^2) / n); 95% CI = NPS +/- 1.959964 SE.
    A change is tested with z = delta / sqrt(SE1^2 + SE2^2).
    """
    return _one(con, filters, "nps", compare)


def csat(con, filters: Filters, compare: Compare | None = None) -> Score:
    """CSAT: % of answers 4 or 5 on the 1-5 scale, with a Wilson 95% interval.

    A change is tested with the pooled two-proportion z-test.
    """
    return _one(con, filters, "csat", compare)


def ces(con, filters: Filters, compare: Compare | None = None) -> Score:
    """Customer effort: mean of the 1-7 scale (7 = very easy), t 95% interval.

    ``top_box`` is the % answering 5-7. A change is tested with Welch's t.
    """
    return _one(con, filters, "ces", compare)


def enps(con, filters: Filters, compare: Compare | None = None) -> Score:
    """Employee NPS: NPS computed on the 0-10 ``enps`` answers of employees and partners.

    From the guard's reporting cells (whole months, at least 5 people each).
    """
    return _one(con, filters, "enps", compare)


def engagement(con, filters: Filters, compare: Compare | None = None) -> Score:
    """Engagement: % of respondents scoring engagement 4 or 5 (1-5), Wilson interval.

    From the guard's reporting cells; changes use the two-proportion z-test.
    """
    return _one(con, filters, "engagement", compare)


def satisfaction(con, filters: Filters, compare: Compare | None = None) -> Score:
    """EX satisfaction: % of employees/partners answering 4 or 5 on ``satisfaction``
    (1-5), Wilson interval; anonymity and tests as for engagement."""
    return _one(con, filters, "satisfaction", compare)


def retention(con, filters: Filters, compare: Compare | None = None) -> Score:
    """Customer retention: retained / active customers, summed over unit-months.

    From ``business_outcomes`` metrics ``retained_customers`` and
    ``active_customers``; a month counts when its 15th day lies in
    the period (see :func:`~cx_metrics.filters.date_bounds`). Wilson
    interval; n = active customers.
    """
    return _one(con, filters, "retention", compare)


# --- Targets -----------------------------------------------------------------

TargetStatus = Literal["on track", "at risk", "off track"]


def targets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All targets. Columns: kpi, business_unit ('all' or a unit), value."""
    return con.execute(
        "SELECT kpi, business_unit, value FROM targets ORDER BY kpi, business_unit"
    ).df()


def save_targets(con: duckdb.DuckDBPyConnection, table: pd.DataFrame, *, actor: str) -> int:
    """Replace all targets with ``table`` (kpi, business_unit, value); one transaction.

    Bumps the data version so cached pages show the new status, and records
    the change, before and after, in the audit log as ``actor``.

    Raises ValueError naming the bad row for an unknown KPI or missing value.
    """
    rows = []
    for i, r in enumerate(table.itertuples(index=False), start=1):
        if r.kpi not in KPIS:
            raise ValueError(f"row {i}: unknown KPI {r.kpi!r}; use one of {', '.join(KPIS)}")
        if r.value is None or pd.isna(r.value):
            raise ValueError(f"row {i}: target value is missing")
        unit = (r.business_unit.strip() if isinstance(r.business_unit, str) else "") or "all"
        rows.append((r.kpi, unit, float(r.value)))
    keys = [(k, u) for k, u, _ in rows]
    if len(set(keys)) != len(keys):
        raise ValueError("each KPI may have one target per business unit")
    with transaction(con):
        before = con.execute("SELECT kpi, business_unit, value FROM targets ORDER BY ALL").fetchall()
        con.execute("DELETE FROM targets")
        if rows:
            con.executemany("INSERT INTO targets (kpi, business_unit, value) VALUES (?, ?, ?)", rows)
        audit.record(con, actor, "targets_saved", "targets", {"before": before, "after": sorted(rows)}, rows=len(rows))
        db.bump_data_version(con)
    return len(rows)


#: The smallest change a headline calls a rise or fall (besides being beyond the margin of error):
#: 2 points for NPS-style scores, 1 point for percentages, 0.1 on the 1-7 effort scale.
MATERIALITY_DEFAULTS = {k: {"nps": 2.0, "share": 1.0, "ratio": 1.0, "mean": 0.1}[KPIS[k].method] for k in KPIS}


def materiality(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Each KPI's smallest change that matters: the saved values (Settings) over :data:`MATERIALITY_DEFAULTS`."""
    row = con.execute("SELECT value FROM meta WHERE key = 'materiality'").fetchall()
    saved = json.loads(row[0][0]) if row else {}
    return {k: float(saved.get(k, v)) for k, v in MATERIALITY_DEFAULTS.items()}


def save_materiality(con: duckdb.DuckDBPyConnection, values: dict[str, float], *, actor: str) -> None:
    """Save the smallest changes that matter (one transaction, audited, data version bumped).

    Raises ValueError for an unknown KPI or a value that is not a number of at least 0.
    """
    clean = {}
    for key, value in values.items():
        if key not in KPIS:
            raise ValueError(f"unknown KPI {key!r}; use one of {', '.join(KPIS)}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{KPIS[key].label}: {value!r} is not a number") from None
        if not number >= 0:  # also refuses NaN
            raise ValueError(f"{KPIS[key].label}: the smallest change that matters cannot be below 0")
        clean[key] = number
    with transaction(con):
        before = materiality(con)
        con.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('materiality', ?)",
                    [json.dumps(before | clean, sort_keys=True)])
        audit.record(con, actor, "materiality_saved", "materiality", {"before": before, "after": before | clean})
        db.bump_data_version(con)


def verdict(key: str, j: dict, minimum: float) -> str | None:
    """'rise' or 'fall' when a change is beyond the margin of error *and* at least ``minimum``;
    'same' otherwise; None when there is nothing to compare. ``j`` is :meth:`Score.as_json`."""
    if j.get("delta") is None:
        return None
    if j.get("significant") and abs(j["delta"]) >= minimum - 1e-9:
        return "rise" if j["delta"] > 0 else "fall"
    return "same"


def target_for(con: duckdb.DuckDBPyConnection, kpi: str, filters: Filters) -> float | None:
    """The unit's own target when exactly one unit is selected, else the 'all' target."""
    return targets_for(con, (kpi,), filters)[kpi]


def targets_for(con: duckdb.DuckDBPyConnection, keys, filters: Filters) -> dict[str, float | None]:
    """:func:`target_for` of every KPI in ``keys``, in one query."""
    units = filters.business_units
    rows = con.execute(
        """SELECT kpi, arg_min(value, business_unit = 'all') FROM targets
           WHERE list_position(?::VARCHAR[], kpi) IS NOT NULL AND business_unit IN ('all', ?) GROUP BY kpi""",
        [list(keys), units[0] if len(units) == 1 else "all"],
    ).fetchall()
    found = dict(rows)
    return {k: found.get(k) for k in keys}


def target_status(score: Score, target: float | None) -> TargetStatus | None:
    """On track: value >= target. At risk: below, but the target is inside the
    95% interval (the shortfall is not significant). Off track: otherwise."""
    if target is None or not score.shown:
        return None
    if score.value >= target:
        return "on track"
    if score.ci_high is not None and score.ci_high >= target:
        return "at risk"
    return "off track"


# --- Data range ---------------------------------------------------------------

def data_range(con: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    """First and last response dates (the as-of date): customer days, and the first day of the
    first and last employee months (the guard publishes no finer employee date)."""
    first, last = con.execute("SELECT min(submitted_at)::DATE, max(submitted_at)::DATE FROM cx_responses").fetchone()
    ex_first, ex_last = ex_guard.month_range(con)
    firsts = [d for d in (first, ex_first) if d is not None]
    lasts = [d for d in (last, ex_last) if d is not None]
    return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def dimension_values(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Distinct values of each filter column, for the sidebar's choices.

    Journey stages come in journey order, unknown stages after them.
    """
    out = {}
    table = rollup.MONTH if rollup.usable(con) else "cx_responses"  # the month cells hold every value
    for name, col in FILTER_COLUMNS.items():
        cx = [r[0] for r in con.execute(f"SELECT DISTINCT {col} FROM {table} WHERE {col} IS NOT NULL").fetchall()]
        out[name] = sorted(set(cx) | set(ex_guard.names(con, col)))
    order = {s: i for i, s in enumerate(JOURNEY_STAGES)}
    out["journey_stages"].sort(key=lambda s: (order.get(s, len(order)), s))
    return out
