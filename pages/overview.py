"""Executive overview: KPI tiles and the CX and EX trends side by side."""

import streamlit as st

from cx_metrics import alerts, boardpack_story, charts, fmt, forecast, kpis
from cx_metrics.boardpack import scorecard_table
from cx_metrics.charts.forecast import with_cone
from cx_metrics.overview import overview, trend_window
from pages.shared import COMPARE, chart, load, require, table_downloads, view

require("view")

STATUS_BADGE = {  # text always says the status; colour and icon only repeat it
    "on track": ("green", ":material/check_circle:"),
    "at risk": ("orange", ":material/warning:"),
    "off track": ("red", ":material/cancel:"),
}
GROUPS = [
    ("Customers", ("nps", "csat", "ces")),
    ("Employees, partners and business", ("enps", "engagement", "retention")),
]
BASE = {"retention": "active customer-months"}

st.title("Executive overview")
v = view()
if v is None:
    st.info("The database has no responses yet. Load a survey file or build the demo data "
            "(`python -m cx_metrics demo`).")
    st.stop()

f, compare = v.filters, v.compare
header, summary_area, alerts_area, tiles_area = st.container(), st.container(), st.container(), st.container()
st.subheader("Trends")
grain = st.segmented_control(
    "Trend grain", ["week", "month", "quarter"], default="month", key="grain", bind="query-params",
    format_func=str.capitalize, required=True,
)
data = load(overview, f, compare, grain)
cmp = data.comparison
header.caption(
    f"**{fmt.period(f.start, f.end)}** compared with the {f.comparison_rule(compare)} "
    f"({fmt.period(cmp.start, cmp.end)}) · Filters: {f.describe()} · "
    f"Data as of {v.as_of:%d %b %Y}"
)


minimum = load(kpis.materiality)


def tile(key: str) -> None:
    t = data.tiles[key]
    s, k = t.score, kpis.KPIS[key]
    verdict = kpis.verdict(key, {"delta": s.delta, "significant": s.significant}, minimum[key])
    spark = data.sparklines[(data.sparklines["kpi"] == key)]["value"].dropna().tolist()
    with st.container(border=True, key=f"tile_{key}"):
        st.metric(
            k.label, fmt.value(key, s.value), fmt.delta(key, s.delta),
            delta_description=f"vs {COMPARE[compare].lower()}" if s.delta is not None else None,
            chart_data=spark or None, delta_color="normal" if verdict in ("rise", "fall") else "off", help=kpis.__dict__[key].__doc__.split("\n\n")[0],
        )
        if s.reason:  # an employee figure with nothing to show, and why
            why = fmt.reason(s.reason)
            st.caption(why[:1].upper() + why[1:])
            return
        missing = f.unsupported(k.table)
        if missing:
            st.caption(f"Not available with a {' / '.join(m.replace('_', ' ') for m in missing)} filter: "
                       "this data has no such field.")
            return
        if not s.shown:
            st.caption("No responses in this period.")
            return
        st.caption(f"n = {s.n:,} {BASE.get(key, 'responses')} · {fmt.interval(key, s)}"
                   + (f" · {s.top_box:.0f}% answer 5–7" if s.top_box is not None else ""))
        st.caption(fmt.verdict(verdict, s), help=f"For analysts: {fmt.significance(s)}; a change counts from "
                   f"{fmt.delta(key, minimum[key]).lstrip('+')} (Settings).")
        if s.low_base:
            st.caption(":material/warning: Few people answered (fewer than 30): read with care.")
        if t.status:
            colour, icon = STATUS_BADGE[t.status]
            st.badge(f"{t.status.capitalize()} · target {fmt.value(key, t.target)}", color=colour, icon=icon)


with tiles_area:
    for heading, keys in GROUPS:
        st.subheader(heading)
        for col, key in zip(st.columns(len(keys)), keys):
            with col:
                tile(key)
    st.caption("Sparklines show the last 12 months. A change is coloured, and called a rise or a fall, only "
               "when it is beyond the margin of error and big enough to matter (thresholds in Settings).")
    table_downloads(scorecard_table(data), f"kpis-{f.start}-to-{f.end}", "overview_kpis")

window = trend_window(f)
x_range = (window.start, window.end)
left, right = st.columns(2)
with left:
    cone = load(forecast.cone, f, "nps", grain)  # the next 3 months, when the chart reaches the latest month
    chart(
        with_cone(charts.trend(data.trend, "nps", x_range, charts.CX_COLOUR, data.tiles["nps"].target,
                               title="Customers: NPS with its 95% range", highlight=(f.start, f.end)),
                  cone, charts.CX_COLOUR),
        key="trend_nps",
    )
    st.caption(cone.note)
with right:
    if note := fmt.ex_filter_note(f):  # e.g. a channel filter: an eNPS chart would be empty
        st.info(note, icon=":material/filter_alt_off:")
    else:
        cone = load(forecast.cone, f, "enps", grain)
        chart(
            with_cone(charts.trend(data.trend, "enps", x_range, charts.EX_COLOUR, data.tiles["enps"].target,
                                   title="Employees and partners: eNPS with its 95% range",
                                   highlight=(f.start, f.end)),
                      cone, charts.EX_COLOUR),
            key="trend_enps",
        )
        st.caption(cone.note)
st.caption(f"Trends cover {fmt.period(window.start, window.end)} by {grain}; the band is the 95% range. "
           "Employee figures are monthly, from groups of at least 5 people (a gap: no such group).")
with st.expander("How we calculate", icon=":material/calculate:"):
    st.markdown(fmt.HOW_WE_CALCULATE)

# Last, so tiles and charts draw first; the paragraph then fills the space reserved above them.
with summary_area:  # the board headline's three messages, from the same numbers
    st.info(load(boardpack_story.plain_summary, f, compare), icon=":material/summarize:")
with alerts_area:  # the latest complete month against the three before, in every group (cx_metrics.alerts)
    found = load(alerts.alerts, None, f)
    if found.attrs.get("month"):
        month = found.attrs["month"][0]
        with st.expander(f"Alerts for {month:%B %Y}: {len(found)} of {found.attrs['tested']} group comparisons",
                         icon=":material/notifications:", expanded=False):
            st.caption("Each KPI in each unit, region, journey stage and population, against the three months "
                       "before; an alert is beyond the margin of error after allowing for the number of groups "
                       "tested (at most 1 in 10 false), and big enough to matter.")
            for r in found.itertuples():
                st.markdown(f"- {r.sentence}" + (f" *{r.likely_reason}*" if r.likely_reason else ""))
            if found.empty:
                st.write("No group moved by enough to matter.")
