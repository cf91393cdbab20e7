"""Board-pack sections for the analysis pages: CX-EX link, units, journey, drivers, voice of the customer.

Each builder calls the same cx_metrics function as its page, so the deck's
numbers are the dashboard's. Lines, bars and columns are native PowerPoint
charts and the units heatmap a native table with coloured cells, so the deck
has no pictures but the logo. EX comments never go into a deck.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from . import drivers, fmt, journey, kpis, linkage, units, voc
from .boardpack import Context, KeyNumber, NativeChart, Section, Series, Table, register


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@register("cx_ex", "CX ↔ EX: does employee experience lead?")
def cx_ex_section(con: duckdb.DuckDBPyConnection, ctx: Context) -> Section:
    f = ctx.filters
    profile = linkage.lag_profile(linkage.unit_month_panel(con, linkage.panel_window(f)))
    warning = linkage.early_warning(con, f)
    table = profile.table
    best = profile.best_lag
    sentences = []
    if best is not None:
        row = table.set_index("lag").loc[best]
        sentences.append(
            f"In these data, changes in eNPS have come before changes in NPS by about {_plural(best, 'month')} "
            f"(correlation within units {row['r']:.2f}, 95% range {row['ci_low']:.2f} to {row['ci_high']:.2f}).")
    if not warning.empty:
        names = ", ".join(warning["business_unit"])
        sentences.append(f"eNPS fell beyond the margin of error over the last three months in {names}"
                         + (f"; customer scores have tended to follow about {best} months later." if best else "."))
    else:
        sentences.append("No unit's eNPS fell beyond the margin of error over the last three months.")
    sentences.append("Correlation is not causation: other causes can move both scores.")
    key_numbers = (
        KeyNumber("Strongest lag", "—" if best is None else _plural(best, "month"), "eNPS ahead of NPS"),
        KeyNumber("Units in early warning", str(len(warning)), ", ".join(warning["business_unit"][:3])),
    )
    chart = NativeChart("column", "How closely eNPS now tracks NPS some months later",
                        tuple(_plural(int(k), "month") + " later" for k in table["lag"]),
                        (Series("r", tuple(None if pd.isna(r) else round(float(r), 3) for r in table["r"]),
                                ctx.branding.ex_colour),), number_format="0.00", y_title="Correlation")
    return Section("cx_ex", "Does employee experience lead customer experience?", sentences[0] if sentences else "",
                   key_numbers, (chart,), narrative=tuple(sentences),
                   footnote="Correlation, within each unit, of monthly eNPS with NPS some months later "
                            "(1 = move together, 0 = unrelated). How it is calculated: see the README.")


@register("units", "Units compared")
def units_section(con: duckdb.DuckDBPyConnection, ctx: Context) -> Section:
    table = units.league(con, ctx.filters, ctx.compare)
    text, status = units.matrix(table)
    off = table[(table["kpi"] == "nps") & (table["status"] == "off track")]["group"].tolist()
    moved = table[table["significant"].fillna(False).astype(bool)]
    sentences = [f"NPS is off track in {_plural(len(off), 'unit')}" + (f": {', '.join(off)}." if off else ".")]
    for r in moved.sort_values("delta").head(3).itertuples():
        sentences.append(f"{r.group}: {kpis.KPIS[r.kpi].label} {'fell' if r.delta < 0 else 'rose'} "
                         f"{abs(r.delta):.1f} to {fmt.value(r.kpi, r.value)}, beyond the margin of error.")
    if text.empty:
        return Section("units", "Units compared", "No unit has responses in this period.",
                       narrative=("No unit has responses in this period.",))
    grid = Table(("Unit", *text.columns),
                 tuple((str(unit), *(("–" if pd.isna(v) else str(v)) for v in row)) for unit, row in text.iterrows()),
                 cell_status=tuple((None, *(None if pd.isna(s) else str(s) for s in row))
                                   for _, row in status.iterrows()))
    return Section("units", "Units compared", sentences[0], table=grid, narrative=tuple(sentences),
                   footnote="▲/▼ a real change, beyond the margin of error; · within it. Green on track, amber at "
                            "risk, red off track against the unit's target.")


@register("journey", "Customer journey")
def journey_section(con: duckdb.DuckDBPyConnection, ctx: Context) -> Section:
    stages = journey.stages(con, ctx.filters)
    if stages.empty or stages["nps"].isna().all():
        note = "No response in this period names a journey stage, so there is no journey view."
        return Section("journey", "The customer journey", note, narrative=(note,))
    sentences = []
    weak = stages[stages["weakest"]]
    if not weak.empty:
        w = weak.iloc[0]
        sentences.append(f"'{w['stage']}' is the weakest stage: NPS {fmt.value('nps', w['nps'])}, "
                         f"{w['detractors_pct']:.0f}% detractors.")
    chart = NativeChart("column", "NPS by journey stage", tuple(stages["stage"]),
                        (Series("NPS", tuple(None if pd.isna(v) else round(float(v), 1) for v in stages["nps"]),
                                ctx.branding.cx_colour),), y_title="NPS")
    keys = tuple(KeyNumber(s["stage"].capitalize(), fmt.value("nps", s["nps"]), f"n = {s['nps_n']:,}")
                 for s in stages.to_dict("records"))
    return Section("journey", "The customer journey", sentences[0] if sentences else "No stage data.", keys[:6],
                   (chart,), narrative=tuple(sentences), footnote="Stages in journey order; NPS of each stage's answers.")


@register("drivers", "Key drivers")
def drivers_section(con: duckdb.DuckDBPyConnection, ctx: Context) -> Section:
    result = drivers.drivers(con, ctx.filters, "nps", boot=100)
    if result.table.empty:
        return Section("drivers", "What drives NPS", result.note, narrative=(result.note,))
    t = result.table
    fix = [fmt.name(a) for a in t[t["quadrant"] == "fix first"]["attribute"]]
    top = fmt.name(str(t["attribute"].iloc[0]))
    sentences = [f"{top[:1].upper() + top[1:]} matters most for NPS ({t['pct'].iloc[0]:.0f}% of what the ratings "
                 f"explain; together the ratings explain {result.r2 * 100:.0f}% of the differences in NPS)."]
    if fix:
        sentences.append(f"Fix first: {', '.join(fix)} — important and rated below average.")
    chart = NativeChart("bar", "What matters most for NPS (% of what the ratings explain)",
                        tuple(fmt.name(a) for a in t["attribute"]),
                        (Series("% explained", tuple(round(float(p), 1) for p in t["pct"]), ctx.branding.cx_colour),),
                        number_format='0"%"')
    return Section("drivers", "What drives NPS", sentences[0], charts=(chart,), narrative=tuple(sentences),
                   footnote=f"Each rating's share of what the ratings explain together (method: see the README); "
                            f"{result.n:,} responses with ratings.")


@register("voc", "Voice of the customer")
def voc_section(con: duckdb.DuckDBPyConnection, ctx: Context) -> Section:
    themes = voc.themes(con, ctx.filters, "cx", ctx.compare)
    if themes.empty:
        return Section("voc", "Voice of the customer", "No customer comments mention a theme in this period.")
    rising = [fmt.name(t) for t in themes[themes["rising"]]["theme"]]
    top = themes.iloc[0]
    sentences = [f"Customers talk most about {fmt.name(top['theme'])} ({top['share_pct']:.0f}% of comments)."]
    sentences.append(f"Rising: {', '.join(rising)}." if rising else "No theme rose beyond the margin of error.")
    chart = NativeChart("bar", "Share of customer comments by theme", tuple(fmt.name(t) for t in themes["theme"]),
                        (Series("% of comments", tuple(round(float(s), 1) for s in themes["share_pct"]),
                                ctx.branding.cx_colour),), number_format='0"%"')
    return Section("voc", "Voice of the customer", sentences[0], charts=(chart,), narrative=tuple(sentences),
                   footnote="Themes from the editable taxonomy; customer comments only (employee comments never "
                            "leave the dashboard).")
