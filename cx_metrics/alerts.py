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

from . import access, audit, ex_guard, fmt, kpis, stats, voc
from .filters import Filters, date_bounds, months_before
from .txn import transaction

#: The false-discovery rate held across every test of one run.
FDR = 0.10
#: Groups tested, per KPI family: columns of the allow-lists in :data:`cx_metrics.kpis.GROUP_COLUMNS`.
DIMENSIONS = {"cx": ("business_unit", "region", "journey_stage"), "ex": ("population", "business_unit")}
#: Dimensions that are also filters, so a customer alert can look for the theme that moved with it.
_AS_FILTER = {"business_unit": "business_units", "region": "regions", "journey_stage": "journey_stages"}
COLUMNS = ["key", "kpi", "label", "dimension", "group", "month", "value", "ci_low", "ci_high", "n", "previous",
           "previous_ci_low", "previous_ci_high", "previous_n", "delta", "direction", "p_value", "q_value",
           "sentence", "likely_reason", "reason_theme", "reason_driver"]
#: A driver's mean rating must rest on this many ratings in each window to be named as a reason.
DRIVER_MIN_RATINGS = 30


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
            # The comparison window's own n and 95% range (by_group's comparison gives only its value).
            then = kpis.by_group(con, before, keys, dim)[["group", "kpi", "n", "ci_low", "ci_high"]]
            df = df.merge(then.rename(columns={"n": "previous_n", "ci_low": "previous_ci_low",
                                               "ci_high": "previous_ci_high"}), on=["group", "kpi"], how="left")
            frames.append(df.assign(dimension=dim))
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["p_value"].notna()].reset_index(drop=True)
    rows["q_value"] = stats.benjamini_hochberg(rows["p_value"].tolist()) if len(rows) else []
    return rows


def key(month: date | str, kpi: str, dimension: str, group: str) -> str:
    """An alert's lasting name, for acknowledgements and the actions made from it: ``2026-10|nps|region|North``."""
    month = month if isinstance(month, str) else month.isoformat()
    return f"{month[:7]}|{kpi}|{dimension}|{group}"


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
                    f"({r.n:,} answers this month, {int(r.previous_n):,} then).")
        theme = driver = None
        if kpis.KPIS[r.kpi].group == "cx" and r.dimension in _AS_FILTER:
            group_now = dataclasses.replace(now, **{_AS_FILTER[r.dimension]: (r.group,)})
            theme = _likely_theme(con, group_now, direction)
            driver = _likely_driver(con, group_now, group_now.with_dates(before.start, before.end), direction)
        reason = " ".join(found[1] for found in (theme, driver) if found) or None
        out.append({"key": key(now.start, r.kpi, r.dimension, r.group), "kpi": r.kpi, "label": label,
                    "dimension": r.dimension, "group": r.group,
                    "month": now.start.isoformat(), "value": r.value, "ci_low": r.ci_low, "ci_high": r.ci_high,
                    "n": r.n, "previous": r.previous, "previous_ci_low": r.previous_ci_low,
                    "previous_ci_high": r.previous_ci_high, "previous_n": r.previous_n,
                    "delta": r.delta, "direction": direction,
                    "p_value": r.p_value, "q_value": r.q_value, "sentence": sentence, "likely_reason": reason,
                    "reason_theme": theme[0] if theme else None, "reason_driver": driver[0] if driver else None})
    frame = pd.DataFrame(out, columns=COLUMNS).sort_values(["q_value", "kpi", "group"]).reset_index(drop=True)
    for text in ("likely_reason", "reason_theme", "reason_driver"):  # None, not NaN, where there is none
        frame[text] = frame[text].astype(object).where(frame[text].notna(), None)
    frame.attrs.update(month=(now.start, now.end), before=(before.start, before.end), tested=len(rows), fdr=fdr)
    return frame


def as_json(frame: pd.DataFrame) -> dict:
    """``alerts --format json``: the windows, how many comparisons were tested, and the alerts."""
    month, before = frame.attrs.get("month"), frame.attrs.get("before")
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for r in records:
        for name in ("value", "ci_low", "ci_high", "previous", "previous_ci_low", "previous_ci_high", "delta"):
            r[name] = None if r[name] is None else round(float(r[name]), 2)
        r["p_value"], r["q_value"] = round(float(r["p_value"]), 4), round(float(r["q_value"]), 4)
        r["n"], r["previous_n"] = int(r["n"]), int(r["previous_n"])
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


def _likely_theme(con: duckdb.DuckDBPyConnection, group_now: Filters, direction: str) -> tuple[str, str] | None:
    """(theme, 'Comments about delivery rose 6.1 points …'): for a fall, the theme whose share of the
    group's comments rose most against the month before; for a rise, the one whose share fell most."""
    themes = voc.themes(con, group_now, "cx", "previous").dropna(subset=["change_pts"])
    themes = themes[themes["change_pts"] > 0] if direction == "fall" else themes[themes["change_pts"] < 0]
    if themes.empty:
        return None
    top = themes.loc[themes["change_pts"].abs().sort_values(ascending=False, kind="stable").index[0]]
    verb = "rose" if direction == "fall" else "fell"
    return top["theme"], (f"Comments about {fmt.name(top['theme'])} {verb} {abs(top['change_pts']):.1f} points"
                          " (share of comments).")


def driver_moves(con: duckdb.DuckDBPyConnection, now: Filters, before: Filters) -> pd.DataFrame:
    """Each customer attribute's mean rating (0-100, % of its scale) in ``now`` and ``before``: attribute,
    now, before, n_now, n_before, change and Welch's p for the change. Aggregated in SQL."""
    table = "cx_responses"
    where, params = now.where(table)
    parts, args = [], []
    for i, window in enumerate((now, before)):
        cond, date_params = date_bounds(table, window.start, window.end, "r.submitted_at")
        parts.append(f"SELECT {i} AS w, a.attribute, 100 * avg(a.score) AS mean, 100 * stddev_samp(a.score) AS sd,"
                     f" count(*) AS n FROM {table} r JOIN {ex_guard.customer_ratings()} a"
                     f" ON a.response_id = r.response_id WHERE {cond} AND {where} GROUP BY a.attribute")
        args += date_params + params
    sql = (f"SELECT attribute, max(mean) FILTER (w = 0) AS now, max(mean) FILTER (w = 1) AS before,"
           f" max(sd) FILTER (w = 0) AS sd_now, max(sd) FILTER (w = 1) AS sd_before,"
           f" coalesce(max(n) FILTER (w = 0), 0) AS n_now, coalesce(max(n) FILTER (w = 1), 0) AS n_before"
           f" FROM ({' UNION ALL '.join(parts)}) GROUP BY attribute ORDER BY attribute")
    frame = con.execute(sql, args).df()
    frame["change"] = frame["now"] - frame["before"]
    frame["p_value"] = [stats.welch_t_test(r.now, r.sd_now, int(r.n_now), r.before, r.sd_before, int(r.n_before))
                        if min(r.n_now, r.n_before) >= 2 else float("nan") for r in frame.itertuples()]
    return frame


def _likely_driver(con: duckdb.DuckDBPyConnection, group_now: Filters, group_before: Filters,
                   direction: str) -> tuple[str, str] | None:
    """(attribute, 'Ratings of waiting time fell 7.5 points …'): of the rated attributes that moved the same
    way as the KPI, significantly (Welch, p < 0.05) and on at least :data:`DRIVER_MIN_RATINGS` ratings in
    each window, the one that moved most."""
    moves = driver_moves(con, group_now, group_before)
    moves = moves[(moves["n_now"] >= DRIVER_MIN_RATINGS) & (moves["n_before"] >= DRIVER_MIN_RATINGS)
                  & (moves["p_value"] < 0.05)]
    moves = moves[moves["change"] > 0] if direction == "rise" else moves[moves["change"] < 0]
    if moves.empty:
        return None
    top = moves.loc[moves["change"].abs().idxmax()]
    verb = "rose" if direction == "rise" else "fell"
    return top["attribute"], (f"Ratings of {fmt.name(top['attribute'])} {verb} {abs(top['change']):.1f} points"
                              f" (of 100), from {top['before']:.0f} to {top['now']:.0f}.")


def acknowledge(con: duckdb.DuckDBPyConnection, alert_key: str, user: access.User, note: str | None = None) -> None:
    """Mark an alert as seen by ``user`` (who must be allowed ``edit_actions``), audited.

    Acknowledging twice keeps the first record: an acknowledgement is a fact about when someone first
    took the alert in hand, not a setting.
    """
    access.require(user, "edit_actions")
    if not alert_key or alert_key.count("|") != 3:
        raise ValueError(f"not an alert key: {alert_key!r} (month|kpi|dimension|group)")
    with transaction(con):
        done = con.execute("INSERT INTO alert_acks (alert_key, actor, note) VALUES (?, ?, ?)"
                           " ON CONFLICT DO NOTHING RETURNING alert_key",
                           [alert_key, user.email, (note or "").strip() or None]).fetchall()
        if done:
            audit.record(con, user.email, "alert_acknowledged", alert_key, {"note": note} if note else None)


def acknowledged(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Alert key -> {"actor", "at", "note"} for every acknowledged alert."""
    rows = con.execute("SELECT alert_key, actor, acknowledged_at, note FROM alert_acks").fetchall()
    return {k: {"actor": a, "at": t, "note": n} for k, a, t, n in rows}
