"""The board pack's content: a title, an executive summary and one section per area.

:func:`build` returns a :class:`BoardPack`, plain data that the exporters
(:mod:`cx_metrics.export`) turn into PPTX and PDF and the page previews.

Sections come from a registry, so each analysis area adds its own with
:func:`register`: a function ``(con, ctx) -> Section`` giving a title, key
numbers, one or two charts (:class:`NativeChart` for lines and bars, which
PowerPoint can edit, or :class:`ImageChart` holding a Plotly figure for
heatmaps and scatters) and narrative sentences.

One source of truth: every number comes from :func:`cx_metrics.kpis.measure`
(through :func:`cx_metrics.overview.overview`) and is rounded the way
``python -m cx_metrics kpis`` rounds it (:meth:`~cx_metrics.kpis.Score.as_json`)
before it is formatted, so the deck and the CLI cannot disagree.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import duckdb
import pandas as pd

from . import config, ex_guard, fmt, kpis
from .export import narrative
from .filters import Compare, Filters, date_bounds
from .overview import TILE_KPIS, Overview, overview, trend_window

STATUS_TEXT = {"on track": "On track", "at risk": "At risk", "off track": "Off track", None: "No target"}


# --- What a section holds ----------------------------------------------------------

@dataclass(frozen=True)
class KeyNumber:
    """A headline figure: ``label`` ('NPS'), ``value`` ('16.6'), ``detail`` ('−1.2 pts · about the same')."""

    label: str
    value: str
    detail: str = ""
    kpi: str | None = None


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    colour: str
    dashed: bool = False


@dataclass(frozen=True)
class NativeChart:
    """A chart PowerPoint draws itself (editable): line, bar (horizontal) or column.

    ``categories`` label the x axis; each series has one value per category
    (None leaves a gap). ``number_format`` is an Excel format ('0.0', '0.0"%"').
    """

    kind: Literal["line", "bar", "column"]
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    number_format: str = "0.0"
    y_title: str = ""


@dataclass(frozen=True)
class ImageChart:
    """A Plotly figure placed as a picture (heatmaps, scatters)."""

    title: str
    figure: Any  # plotly.graph_objects.Figure


Chart = NativeChart | ImageChart


@dataclass(frozen=True)
class Table:
    """Text cells, one row per item; ``status`` colours a row's last cell, ``cell_status``
    (one tuple per row, one entry per column) colours any cell: a native heatmap."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    status: tuple[str | None, ...] = ()
    cell_status: tuple[tuple[str | None, ...], ...] = ()

    def status_of(self, row: int, col: int) -> str | None:
        """The target status colouring data cell (row, col), 0-based; None for a plain cell."""
        if self.cell_status:
            return self.cell_status[row][col]
        if self.status and col == len(self.columns) - 1:
            return self.status[row]
        return None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    #: One-line takeaway under the title.
    headline: str
    key_numbers: tuple[KeyNumber, ...] = ()
    charts: tuple[Chart, ...] = ()
    table: Table | None = None
    #: Sentences for the speaker notes (and the PDF page).
    narrative: tuple[str, ...] = ()
    footnote: str = ""


@dataclass(frozen=True)
class BoardPack:
    org: str
    filters: Filters
    compare: Compare
    comparison: Filters
    as_of: date
    #: The headline (when chosen), the executive summary, then the chosen sections.
    sections: tuple[Section, ...]
    #: The KPIs as numbers (:func:`scorecard_table`), for downloads.
    scorecard: pd.DataFrame | None = None
    #: Why this period, when it was chosen for the user ("the last complete quarter").
    period_note: str | None = None

    @property
    def period_text(self) -> str:
        """'Q3 2026 (1 Jul – 30 Sep 2026)', 'September 2026', or the dates of any other range."""
        start, end = self.filters.start, self.filters.end
        months = self.filters.calendar_months()
        dates = fmt.period(start, end)
        if months == 1:
            text = f"{start:%B %Y}"
        elif months == 3 and start.month % 3 == 1:
            text = f"Q{(start.month + 2) // 3} {start.year} ({dates})"
        else:
            text = dates
        return f"{text}, {self.period_note}" if self.period_note else text

    @property
    def comparison_text(self) -> str:
        return (f"Compared with the {self.filters.comparison_rule(self.compare)} "
                f"({fmt.period(self.comparison.start, self.comparison.end)})")

    @property
    def filters_text(self) -> str:
        return f"Filters: {self.filters.describe()}"

    @property
    def footer(self) -> str:
        return f"{self.org} · {self.period_text} · {self.filters.describe()} · data as of {self.as_of:%d %b %Y}"


@dataclass(frozen=True)
class Context:
    """What every section builder gets: the request and the figures computed once."""

    filters: Filters
    compare: Compare
    as_of: date
    overview: Overview
    #: The scorecard as ``python -m cx_metrics kpis`` prints it (2 decimals).
    json: dict[str, dict]
    branding: config.Branding
    #: Each KPI's smallest change that matters (:func:`cx_metrics.kpis.materiality`).
    material: dict[str, float] = dataclasses.field(default_factory=lambda: dict(kpis.MATERIALITY_DEFAULTS))

    def sentence(self, key: str) -> str:
        """:func:`narrative.kpi_sentence` for ``key`` in this pack."""
        return narrative.kpi_sentence(key, self.json[key], self.comparison_text, self.material[key])

    def verdict(self, key: str) -> str | None:
        """'rise', 'fall', 'same' or None: :func:`cx_metrics.kpis.verdict` with this pack's thresholds."""
        return kpis.verdict(key, self.json[key], self.material[key])

    @property
    def comparison_text(self) -> str:
        return f"the {self.filters.comparison_rule(self.compare)}"


# --- Registry ----------------------------------------------------------------

@dataclass(frozen=True)
class SectionDef:
    key: str
    title: str
    build: Callable[[duckdb.DuckDBPyConnection, Context], Section]


SECTIONS: dict[str, SectionDef] = {}


def register(key: str, title: str):
    """Decorator: add a section builder ``(con, ctx) -> Section`` to the pack's menu."""

    def add(fn: Callable[[duckdb.DuckDBPyConnection, Context], Section]):
        SECTIONS[key] = SectionDef(key, title, fn)
        return fn

    return add


# --- Building a pack -----------------------------------------------------------

class NoData(ValueError):
    """The period (with these filters) has no responses at all."""


def build(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    compare: Compare = "previous",
    sections: tuple[str, ...] | None = None,
    org: str | None = None,
    branding: config.Branding | None = None,
    progress: Callable[[int, int, str], object] | None = None,
    period_note: str | None = None,
) -> BoardPack:
    """The board pack for ``filters`` against ``compare``: executive summary and ``sections``
    (default: every registered section, in registry order; those in :data:`BEFORE_SUMMARY` come
    before the summary).

    ``progress(done, total, title)`` is called before each slide is built and once at the end.

    Raises NoData when no KPI has a single response in the period, and
    ValueError for an unknown section.
    """
    unknown = [s for s in sections or () if s not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}")
    branding = branding or config.branding()
    if not any(responses(con, filters).values()):
        first, last = kpis.data_range(con)
        span = f"the data covers {first} to {last}" if first else "the database has no responses"
        raise NoData(f"no responses between {filters.start} and {filters.end} for {filters.describe()}; {span}")
    ctx = context(con, filters, compare, branding)
    chosen = [k for k in SECTIONS if sections is None or k in sections]
    chosen.sort(key=lambda k: k not in BEFORE_SUMMARY)  # stable: the headline first, then registry order
    first = sum(k in BEFORE_SUMMARY for k in chosen)
    steps = [(SECTIONS[k].title, lambda k=k: SECTIONS[k].build(con, ctx)) for k in chosen]
    steps.insert(first, ("Executive summary", lambda: executive_summary(ctx)))
    built = []
    for done, (title, make) in enumerate(steps):
        if progress is not None:
            progress(done, len(steps), title)
        built.append(make())
    if progress is not None:
        progress(len(steps), len(steps), "done")
    return BoardPack(
        org=org or branding.org_name,
        filters=filters,
        compare=compare,
        comparison=ctx.overview.comparison,
        as_of=ctx.as_of,
        sections=tuple(built),
        period_note=period_note,
        scorecard=scorecard_table(ctx.overview),
    )


def context(con: duckdb.DuckDBPyConnection, filters: Filters, compare: Compare = "previous",
            branding: config.Branding | None = None) -> Context:
    """The figures every section (and the overview's summary) starts from, computed once."""
    ov = overview(con, filters, compare, "month")
    as_of = kpis.data_range(con)[1]
    return Context(filters, compare, as_of, ov, {k: t.score.as_json() for k, t in ov.tiles.items()},
                   branding or config.branding(), kpis.materiality(con))


def responses(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, int]:
    """Rows in ``filters``' period: ``{"cx_responses": n, "ex_reporting": m}`` (employee responses
    as the guard publishes them). A table whose columns cannot take the filters counts 0.
    """
    out = {}
    for table in ("cx_responses", ex_guard.RELATION):
        where, params = filters.where(table)
        dates, date_params = date_bounds(table, filters.start, filters.end)
        out[table] = con.execute(f"SELECT count(*) FROM {table} WHERE {dates} AND {where}",
                                 date_params + params).fetchone()[0]
    return out


def default_period(first: date, as_of: date) -> tuple[date, date, str]:
    """The board pack's period when none is given: the last complete calendar quarter of the data,
    ``(start, end, note)``; when the data does not cover one yet, the quarter so far."""
    quarter = pd.Period(as_of, freq="Q")
    if quarter.end_time.date() > as_of:  # as_of falls inside it: not complete
        if (quarter - 1).end_time.date() >= first:
            quarter -= 1
        else:
            start = max(quarter.start_time.date(), first)
            return start, as_of, "the quarter so far"
    return quarter.start_time.date(), quarter.end_time.date(), "the last complete quarter"


def period_choices(first: date, as_of: date, kind: Literal["month", "quarter"]) -> list[tuple[str, date, date]]:
    """Whole months or quarters with data, latest first: ``[(label, start, end)]``.

    The latest one ends at ``as_of`` and says so when it is not complete
    ('November 2026 (to 12 Nov)').
    """
    months = 1 if kind == "month" else 3
    period = pd.Period(as_of, freq="M" if kind == "month" else "Q")
    out = []
    while period.end_time.date() >= first:
        start, end = period.start_time.date(), period.end_time.date()
        label = f"{start:%B %Y}" if months == 1 else f"Q{period.quarter} {period.year} ({start:%b}–{end:%b})"
        if end > as_of:
            label += f" (to {as_of.day} {as_of:%b})"
        out.append((label, max(start, first), min(end, as_of)))
        period -= 1
    return out


# --- Tables -------------------------------------------------------------------------

SCORECARD_COLUMNS = ["kpi", "label", "value", "n", "ci_low", "ci_high", "previous", "delta", "p_value",
                     "significant", "target", "status", "low_base", "suppressed"]


def scorecard_table(ov: Overview) -> pd.DataFrame:
    """The overview's KPIs as one tidy table (for downloads): one row per KPI.

    Columns: kpi, label, value, n, ci_low, ci_high, previous, delta, p_value,
    significant, target, status, low_base, suppressed. Numbers are rounded as
    in ``python -m cx_metrics kpis`` (2 decimals, p 4); hidden EX figures are empty.
    """
    rows = []
    for key, tile in ov.tiles.items():
        j = tile.score.as_json()
        rows.append({
            "kpi": key, "label": kpis.KPIS[key].label, **{c: j.get(c) for c in SCORECARD_COLUMNS[2:10]},
            "target": tile.target, "status": tile.status,
            "low_base": tile.score.low_base, "suppressed": tile.score.suppressed,
        })
    return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)


# --- Executive summary ----------------------------------------------------------------

SUMMARY_COLUMNS = ("KPI", "Value", "95% range", "n", "Change", "Verdict", "Target", "Status")
VERDICT_TEXT = {"rise": "Rose", "fall": "Fell", "same": "About the same", None: "—"}


def _not_shown(reason: str) -> str:
    """An employee figure's value cell when it has nothing to show: "Hidden" for anonymity, else a dash."""
    return "Hidden" if reason == "hidden" else "—"


def _summary_row(key: str, j: dict, tile, verdict: str | None) -> tuple[str, ...]:
    if j.get("reason"):
        return (kpis.KPIS[key].label, _not_shown(j["reason"]), fmt.reason(j["reason"]), "—", "—", "—", fmt.value(key, tile.target), STATUS_TEXT[None] if tile.target is None else "—")
    ci = "—" if j["ci_low"] is None else f"{fmt.value(key, j['ci_low'])} to {fmt.value(key, j['ci_high'])}"
    n = "—" if not j["n"] else f"{j['n']:,}" + (" (low base)" if j.get("low_base") else "")
    return (kpis.KPIS[key].label, fmt.value(key, j["value"]), ci, n, fmt.delta(key, j.get("delta")) or "—",
            VERDICT_TEXT[verdict],
            fmt.value(key, tile.target), STATUS_TEXT[tile.status])


def executive_summary(ctx: Context) -> Section:
    """The KPI table (value, 95% range, n, change, verdict, target, status) and its story."""
    tiles = ctx.overview.tiles
    rows = tuple(_summary_row(k, ctx.json[k], tiles[k], ctx.verdict(k)) for k in TILE_KPIS)
    moves = {k: ctx.json[k]["delta"] for k in TILE_KPIS if ctx.verdict(k) in ("rise", "fall")}
    headline = narrative.summary_sentence({k: tiles[k].status for k in TILE_KPIS}, moves)
    sentences = [headline]
    for k in TILE_KPIS:
        target = narrative.target_sentence(k, tiles[k].status, tiles[k].target)
        sentences.append(" ".join(filter(None, [ctx.sentence(k), target])))
    return Section(
        key="summary",
        title="Executive summary",
        headline=headline,
        table=Table(SUMMARY_COLUMNS, rows, tuple(tiles[k].status for k in TILE_KPIS)),
        narrative=tuple(sentences),
        footnote=(f"Change against {ctx.comparison_text}. Rose or fell: beyond the margin of error and at least "
                  f"{fmt.delta('nps', ctx.material['nps']).lstrip('+')} for NPS, "
                  f"{fmt.delta('csat', ctx.material['csat']).lstrip('+')} for percentages. On track: at or above "
                  "target; at risk: below it, but the target is inside the 95% range; off track: otherwise."),
    )


# --- Sections --------------------------------------------------------------------------

def _key_number(ctx: Context, key: str) -> KeyNumber:
    j = ctx.json[key]
    if j.get("reason"):
        return KeyNumber(kpis.KPIS[key].label, _not_shown(j["reason"]), fmt.reason(j["reason"]), key)
    if j.get("delta") is not None:
        detail = f"{fmt.delta(key, j['delta'])} · {VERDICT_TEXT[ctx.verdict(key)].lower()}"
    else:
        detail = f"n = {j['n']:,}" if j["n"] else "no responses"
    return KeyNumber(kpis.KPIS[key].label, fmt.value(key, j["value"]), detail, key)


def monthly_trend(ctx: Context, key: str) -> tuple[list[date], list[float | None]]:
    """The overview's monthly points for ``key`` over the 12-month window, rounded like the CLI.

    Every month of the window appears; a month without data (or hidden) is None.
    """
    window = trend_window(ctx.filters)
    months = pd.period_range(window.start, window.end, freq="M")
    rows = ctx.overview.sparklines[ctx.overview.sparklines["kpi"] == key]
    by_month = {pd.Timestamp(p).to_period("M"): v for p, v in zip(rows["period"], rows["value"])}
    values = [by_month.get(m) for m in months]
    return [m.start_time.date() for m in months], [None if v is None or pd.isna(v) else round(float(v), 2)
                                                    for v in values]


def _trend_chart(ctx: Context, key: str, title: str, colour: str) -> NativeChart:
    months, values = monthly_trend(ctx, key)
    series = [Series(kpis.KPIS[key].label, tuple(values), colour)]
    target = ctx.overview.tiles[key].target
    if target is not None:
        series.append(Series(f"Target {fmt.value(key, target)}", tuple(target for _ in months), "#555555", dashed=True))
    return NativeChart("line", title, tuple(f"{m:%b %y}" for m in months), tuple(series), y_title=kpis.KPIS[key].label)


@register("overview", "Overview: customer and employee trends")
def overview_section(con: duckdb.DuckDBPyConnection, ctx: Context) -> Section:
    """NPS and eNPS by month over the last 12 months, as native line charts, with their targets."""
    b = ctx.branding
    charts = (
        _trend_chart(ctx, "nps", "Customers: NPS by month", b.cx_colour),
        _trend_chart(ctx, "enps", "Employees and partners: eNPS by month", b.ex_colour),
    )
    sentences = [ctx.sentence(k) for k in ("nps", "enps")]
    sentences += [s for k in ("nps", "enps") if (s := narrative.trend_sentence(k, list(zip(*monthly_trend(ctx, k)))))]
    window = trend_window(ctx.filters)
    return Section(
        key="overview",
        title="Customer and employee experience",
        headline=sentences[0],
        key_numbers=tuple(_key_number(ctx, k) for k in TILE_KPIS),
        charts=charts,
        narrative=tuple(sentences),
        footnote=(f"Changes against {ctx.comparison_text} ({fmt.period(ctx.overview.comparison.start, ctx.overview.comparison.end)}). "
                  f"Monthly values {fmt.period(window.start, window.end)}. {ex_guard.rule_text()}"),
    )


def month_bounds(ctx_filters: Filters, month: date) -> Filters:
    """The filters of one trend month (clipped to the trend window): used to check chart points."""
    window = trend_window(ctx_filters)
    end = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()
    return ctx_filters.with_dates(max(month, window.start), min(end, window.end))



# --- Files ------------------------------------------------------------------------------

FORMATS = (".pptx", ".pdf")


def render(pack: BoardPack, kind: str) -> bytes:
    """The pack as ``"pptx"`` or ``"pdf"`` bytes."""
    from . import export

    return export.pptx_bytes(pack) if kind == "pptx" else export.pdf_bytes(pack)


def draws_images(pack: BoardPack, kind: str) -> bool:
    """True when ``render(pack, kind)`` draws chart images, which need Chromium.

    The PDF draws every chart as an image; PowerPoint only the :class:`ImageChart` ones
    (its native charts need nothing). A section with a table shows the table, not its charts.
    """
    charts = [c for s in pack.sections if s.table is None for c in s.charts]
    return bool(charts) if kind == "pdf" else any(isinstance(c, ImageChart) for c in charts)


def write(db_path, filters: Filters | None, compare: Compare, out, sections: tuple[str, ...] | None = None,
          progress: Callable[[int, int, str], object] | None = None, **value_filters) -> dict:
    """Build the pack from the database at ``db_path`` and write ``out`` (.pptx or .pdf).

    Returns ``{"out", "format", "slides", "sections", "seconds"}``. Raises
    ValueError (NoData included) with a one-line message for a missing database,
    a wrong file type, an unknown section, a period without data, or chart images
    that could not be made (the PDF, and PowerPoint image charts, need Chromium).
    """
    import time
    from pathlib import Path

    from . import export, service

    started = time.perf_counter()
    out, db_path = Path(out), Path(db_path)
    if out.suffix.lower() not in FORMATS:
        raise ValueError(f"--out must end in .pptx or .pdf, not {out.name!r}")
    con = service.read(db_path)  # a published snapshot: runs beside the app and a load
    try:
        note = None
        if filters is None:  # no dates given: the last complete quarter of the data
            first, as_of = kpis.data_range(con)
            if as_of is None:
                raise NoData("the database has no responses")
            start, end, note = default_period(first, as_of)
            filters = Filters(start, end, **value_filters)
        pack = build(con, filters, compare, sections, progress=progress, period_note=note)
    finally:
        con.close()
    try:
        data = render(pack, out.suffix.lower()[1:])
    except export.ImageError as exc:  # no Chromium, say: the CLI prints one line, not a traceback
        raise ValueError(str(exc)) from exc
    out.write_bytes(data)
    return {
        "out": str(out), "format": out.suffix.lower()[1:], "slides": len(pack.sections) + 1,
        "start": pack.filters.start.isoformat(), "end": pack.filters.end.isoformat(), "period": pack.period_text,
        "sections": [s.key for s in pack.sections], "seconds": round(time.perf_counter() - started, 2),
    }


# --- Sections defined by other modules ----------------------------------------------------

#: Modules (under cx_metrics) whose import registers their sections with :func:`register`,
#: in slide order after the overview. Each analysis area adds its module name here.
SECTION_MODULES: tuple[str, ...] = ("boardpack_areas", "boardpack_story")
#: Registered sections that come before the executive summary (the pack's three messages).
BEFORE_SUMMARY: tuple[str, ...] = ("headline",)

for _name in SECTION_MODULES:
    importlib.import_module(f"{__package__}.{_name}")
