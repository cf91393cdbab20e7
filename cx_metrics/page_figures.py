"""Every figure a dashboard page shows, as flat records: ``python -m cx_metrics report PAGE``.

Each page's report calls the very functions the page calls (with the page's
default choices), then flattens what they return. One scriptable surface for
analysts, scheduled jobs and tests::

    {"page": "internal", "filters": {...},
     "figures": [{"id": "enps", "population": "employee", "group": {"department": "IT"},
                  "period": {"start": "2026-08-01", "end": "2026-10-31"},
                  "value": 12.5, "n": 240, "suppressed": false, "reason": null, ...}, ...],
     "comments": [{"text": "...", "population": "internal", "month": "2026-10", "theme": "pay"}, ...]}

``id`` names a measure the same way on every page (a KPI key such as
``enps``, or ``lag_r``, ``driver_weight``, ``theme_mentions`` ...), ``n``
counts the responses behind the figure (unit-months for ``lag_r``, units for
``unit_correlation``), and ``population`` is ``customer``, ``employee``,
``supplier``, ``vendor`` or ``internal`` (employees, suppliers and vendors
together). Employee figures carry the whole months they cover as their
period. Values have 2 decimals (p-values 4).
"""

from __future__ import annotations

import math
from dataclasses import asdict

import duckdb
import pandas as pd

from . import drivers, ex_guard, internal, journey, kpis, linkage, units, voc
from .filters import Compare, Filters, Grain
from .overview import overview, trend_window

PAGES = ("overview", "cx_ex", "units", "journey", "internal", "drivers", "voc")
CUSTOMER_MEASURES = frozenset({"nps", "csat", "ces", "retention", "nps_detractors_pct"})
#: Where an employee figure's label names the population it covers.
POPULATION_LABEL = "population"


def _num(x, places: int = 2):
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return None
    if isinstance(x, bool):
        return x
    return round(float(x), places)


def _int(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA else int(x)


def _period(filters: Filters, employee: bool) -> dict:
    """The figure's period: the filters' days, or for an employee figure the whole months it covers."""
    if not employee:
        return {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    first, last = ex_guard.covered_months(filters)
    if first is None:
        return {"start": None, "end": None}
    return {"start": first.isoformat(), "end": (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date().isoformat()}


def _month(period) -> dict:
    start = pd.Timestamp(period).date().replace(day=1)
    return {"start": start.isoformat(), "end": (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date().isoformat()}


def _population(measure: str, group: dict) -> str:
    if measure in CUSTOMER_MEASURES:
        return "customer"
    return group.get(POPULATION_LABEL) or "internal"


def figure(measure: str, group: dict, period: dict, score: dict, population: str | None = None) -> dict:
    """One flat figure. ``score`` holds value, n and optionally interval, change and flags."""
    population = population or _population(measure, group)
    employee = population != "customer"
    out = {
        "id": measure, "population": population,
        "group": {k: v for k, v in group.items() if v is not None}, "period": period,
        "value": _num(score.get("value")), "n": _int(score.get("n")),
        "suppressed": bool(score.get("suppressed") or False) if employee else False,
        "reason": score.get("reason") if employee else None,
    }
    for key in ("ci_low", "ci_high", "previous", "delta"):
        if key in score:
            out[key] = _num(score[key])
    if "p_value" in score:
        out["p_value"] = _num(score["p_value"], 4)
    if score.get("low_base"):
        out["low_base"] = True
    return out


def _score_figure(score: kpis.Score, filters: Filters, group: dict | None = None) -> dict:
    employee = kpis.KPIS[score.kpi].group == "ex"
    return figure(score.kpi, group or {}, _period(filters, employee), asdict(score))


def _rows(frame: pd.DataFrame, filters: Filters, by: str | None, period_col: str | None = None) -> list[dict]:
    """Figures from a tidy frame of scores (columns kpi, value, n, ... and ``by`` / ``period_col``)."""
    out = []
    for r in frame.to_dict("records"):
        group = {by: r["group"]} if by else {}
        employee = kpis.KPIS[r["kpi"]].group == "ex"
        period = _month(r[period_col]) if period_col else _period(filters, employee)
        out.append(figure(r["kpi"], group, period, r))
    return out


# --- Pages ------------------------------------------------------------------------------

def overview_page(con, filters: Filters, compare: Compare, grain: Grain = "month", **_) -> dict:
    """The tiles and the trends (sparklines and the NPS/eNPS trend at ``grain``)."""
    ov = overview(con, filters, compare, grain)
    figures = [_score_figure(t.score, filters) for t in ov.tiles.values()]
    seen = set()
    for frame in (ov.sparklines, ov.trend):
        for f in _rows(frame, filters, None, "period"):
            key = (f["id"], f["period"]["start"], f["period"]["end"])
            if key not in seen:
                seen.add(key)
                figures.append(f)
    return {"figures": figures}


def cx_ex_page(con, filters: Filters, **_) -> dict:
    """The lag profile, the unit scatter, the early warning, the unit x month panel and outcomes."""
    figures = []
    panel = linkage.unit_month_panel(con, linkage.panel_window(filters))
    profile = linkage.lag_profile(panel)
    window = _period(linkage.panel_window(filters), True)
    for r in profile.table.to_dict("records"):
        figures.append(figure("lag_r", {"lag": int(r["lag"])}, window,
                              {"value": r["r"], "n": r["n"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]},
                              "internal"))
    for r in panel.to_dict("records"):
        unit = {"business_unit": r["business_unit"]}
        for key in ("nps", "enps"):
            if r[key] == r[key]:
                figures.append(figure(key, unit, _month(r["month"]), {"value": r[key], "n": r[f"{key}_n"]}))
    sc = linkage.unit_scatter(con, filters)
    for r in sc.units.to_dict("records"):
        for key in ("enps", "nps"):
            figures.append(figure(key, {"business_unit": r["business_unit"]}, _period(filters, key == "enps"),
                                  {"value": r[key], "n": r[f"{key}_n"]}))
    figures.append(figure("unit_correlation", {}, _period(filters, True),
                          {"value": sc.correlation.r, "n": sc.correlation.n}, "internal"))
    warning = linkage.early_warning(con, filters)
    recent = filters.with_dates(linkage._months_back(filters.end, linkage.WARNING_MONTHS), filters.end)
    for r in warning.to_dict("records"):
        unit = {"business_unit": r["business_unit"]}
        figures.append(figure("enps", unit, _period(recent, True),
                              {"value": r["enps"], "previous": r["enps_previous"], "delta": r["enps_delta"],
                               "p_value": r["p_value"]}))
        figures.append(figure("nps", unit, _period(recent, False), {"value": r["nps"], "delta": r["nps_delta"]}))
    for r in linkage.outcomes(con, filters).to_dict("records"):
        unit = {"business_unit": r["business_unit"]}
        figures.append(figure("nps", unit, _period(filters, False), {"value": r["nps"], "n": r["nps_n"]}))
        figures.append(figure("retention", unit, _period(filters, False),
                              {"value": r["retention"], "n": r["retention_n"]}))
    return {"figures": figures}


def units_page(con, filters: Filters, compare: Compare, drill: str | None = None, **_) -> dict:
    """The league table and, for ``drill`` (default: the first unit, as on the page), its regions,
    its NPS and eNPS trends and its journey."""
    table = units.league(con, filters, compare)
    figures = _rows(table, filters, "business_unit")
    if table.empty:
        return {"figures": figures}
    unit = drill or sorted(table["group"].unique())[0]
    scope = Filters(**{**filters.__dict__, "business_units": (unit,)})
    for f in _rows(units.league(con, scope, compare, "region"), scope, "region"):
        f["group"] = {"business_unit": unit, **f["group"]}
        figures.append(f)
    window = trend_window(scope)
    for f in _rows(kpis.trend(con, window, ("nps", "enps"), "month"), window, None, "period"):
        f["group"] = {"business_unit": unit}
        figures.append(f)
    figures += _journey_figures(journey.stages(con, scope), scope, {"business_unit": unit})
    return {"figures": figures}


def _journey_figures(stages: pd.DataFrame, filters: Filters, extra: dict | None = None) -> list[dict]:
    out = []
    period = _period(filters, False)
    for r in stages.to_dict("records"):
        group = {**(extra or {}), "journey_stage": r["stage"]}
        for key in ("nps", "csat", "ces"):
            out.append(figure(key, group, period, {"value": r[key], "n": r[f"{key}_n"]}))
        out.append(figure("nps_detractors_pct", group, period, {"value": r["detractors_pct"], "n": r["nps_n"]}))
    return out


def journey_page(con, filters: Filters, **_) -> dict:
    """Stages, stage x channel and the stage trends."""
    figures = _journey_figures(journey.stages(con, filters), filters)
    period = _period(filters, False)
    for r in journey.stage_channel(con, filters).to_dict("records"):
        figures.append(figure("nps", {"journey_stage": r["stage"], "channel": r["channel"]}, period,
                              {"value": r["nps"], "n": r["n"]}))
    for r in journey.stage_trends(con, trend_window(filters)).to_dict("records"):
        figures.append(figure("nps", {"journey_stage": r["stage"]}, _month(r["period"]), r))
    return {"figures": figures}


def internal_page(con, filters: Filters, compare: Compare, **_) -> dict:
    """Employees, suppliers and vendors by population, department and tenure band, and eNPS by
    population over time."""
    figures = []
    for by in internal.BREAKDOWNS:
        figures += _rows(internal.breakdown(con, filters, by, compare), filters, by)
    window = trend_window(filters)
    t = internal.population_trends(con, window, "enps").assign(kpi="enps")
    figures += _rows(t, window, "population", "period")
    return {"figures": figures}


def drivers_page(con, filters: Filters, outcome: str = "nps", missing: str = "pairwise", **_) -> dict:
    """Key drivers of ``outcome``: each attribute's weight (% of R²) and performance, and R²."""
    result = drivers.drivers(con, filters, outcome, missing)
    employee = drivers.OUTCOMES[outcome][2] == "ex"
    population = "internal" if employee else "customer"
    period = _period(filters, employee)
    base = {"suppressed": result.hidden, "reason": "hidden" if result.hidden else None}
    if result.table.empty:
        return {"figures": [figure("driver_r2", {"outcome": outcome}, period, {**base, "value": None, "n": result.n},
                                   population)]}
    figures = [figure("driver_r2", {"outcome": outcome}, period, {"value": result.r2, "n": result.n}, population)]
    for r in result.table.to_dict("records"):
        group = {"outcome": outcome, "attribute": r["attribute"]}
        figures.append(figure("driver_weight", group, period,
                              {"value": r["pct"], "n": r["n"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]},
                              population))
        figures.append(figure("driver_performance", group, period, {"value": r["performance"], "n": r["n"]},
                              population))
    return {"figures": figures}


def voc_page(con, filters: Filters, compare: Compare, kind: str = "cx", all_comments: bool = True, **_) -> dict:
    """Themes (volume, share, sentiment, score), theme trends and every comment the page would list
    (``all_comments`` False: only its first page, what one visit to the page computes)."""
    employee = kind == "ex"
    population = "internal" if employee else "customer"
    period = _period(filters, employee)
    figures = []
    for r in voc.themes(con, filters, kind, compare).to_dict("records"):
        group = {"theme": r["theme"]}
        figures.append(figure("theme_mentions", group, period, {"value": r["mentions"], "n": r["mentions"]},
                              population))
        for key, measure in (("share_pct", "theme_share"), ("sentiment", "theme_sentiment"),
                             ("score", "theme_score")):
            if not (employee and key == "score"):
                figures.append(figure(measure, group, period, {"value": r[key], "n": r["mentions"]}, population))
    for r in voc.theme_trend(con, trend_window(filters), kind).to_dict("records"):
        group = {"theme": r["theme"]}
        figures.append(figure("theme_mentions", group, _month(r["period"]), {"value": r["mentions"],
                                                                             "n": r["mentions"]}, population))
    first = voc.verbatims(con, filters, kind, page_size=1 if all_comments else voc.PAGE_SIZE)
    rows = first.rows
    if all_comments:  # the first call counted them; the second lists them all
        rows = voc.verbatims(con, filters, kind, page_size=first.total).rows if first.total else pd.DataFrame()
    comments = []
    for r in rows.to_dict("records"):
        if employee:
            comments.append({"text": r["comment"], "population": population,
                             "month": pd.Timestamp(r["month"]).strftime("%Y-%m"), "theme": r["themes"]})
        else:
            comments.append({"text": r["comment"], "population": population,
                             "month": pd.Timestamp(r["submitted_at"]).strftime("%Y-%m"), "theme": r["themes"],
                             "date": pd.Timestamp(r["submitted_at"]).date().isoformat(), "score": _int(r["score"]),
                             "sentiment": _num(r["sentiment"]), "business_unit": r["business_unit"],
                             "channel": r["channel"], "journey_stage": r["journey_stage"]})
    return {"figures": figures, "comments": comments,
            **({"comments_reason": first.reason} if first.reason else {})}


BUILDERS = {"overview": overview_page, "cx_ex": cx_ex_page, "units": units_page, "journey": journey_page,
            "internal": internal_page, "drivers": drivers_page, "voc": voc_page}


def report(con: duckdb.DuckDBPyConnection, page: str, filters: Filters, compare: Compare = "previous",
           **options) -> dict:
    """``{"page", "filters", "figures", "comments"}`` for ``page`` (one of :data:`PAGES`).

    ``options``: ``grain`` (overview), ``drill`` (units), ``outcome`` and ``missing`` (drivers),
    ``kind`` (voc: cx or ex). ValueError for an unknown page or option value.
    """
    if page not in BUILDERS:
        raise ValueError(f"unknown page {page!r}; choose from {', '.join(PAGES)}")
    body = BUILDERS[page](con, filters, compare=compare, **{k: v for k, v in options.items() if v is not None})
    return {"page": page, "filters": {"start": filters.start.isoformat(), "end": filters.end.isoformat(),
                                      "compare": compare, **{k: list(v) for k, v in filters.active().items()}},
            "figures": body["figures"], "comments": body.get("comments", []),
            **{k: v for k, v in body.items() if k not in ("figures", "comments")}}

