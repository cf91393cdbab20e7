"""Units compared: a league table of units x KPIs, regions as a second level, and a drill-down."""

from dataclasses import replace

import streamlit as st

from cx_metrics import boardpack_story, fmt, journey, kpis, units
from cx_metrics.charts import trend as trend_chart
from cx_metrics.charts import units as figures
from cx_metrics.overview import trend_window
from pages.shared import chart, draft_action, load, require, table_downloads, view

require("view")

st.title("Units compared")
v = view()
if v is None:
    st.info("The database has no responses yet.")
    st.stop()
f, compare = v.filters, v.compare
cmp = f.comparison(compare)
st.caption(f"**{fmt.period(f.start, f.end)}** compared with the {f.comparison_rule(compare)} "
           f"({fmt.period(cmp.start, cmp.end)}) · Filters: {f.describe()}")

table = load(units.league, f, compare)
if table.empty:
    st.info("No unit has responses for these filters.")
    st.stop()
text, status = units.matrix(table)
chart(figures.status_heatmap(text, status, "Business units × KPIs"), key="league_chart", name="units-league")
st.caption(
    "Each cell: value, then the change against the comparison period — ▲/▼ when significant (p < 0.05), · when not. "
    "Cell colour repeats the status against target (green on track, amber at risk, red off track, grey no target). "
    "Employee figures under 5 respondents, and any that would reveal one by subtraction, read “hidden”."
)
table_downloads(table, f"units-{f.start}-to-{f.end}", "league")

st.subheader("Drill into a unit")
unit = st.selectbox("Unit", sorted(table["group"].unique()), key="unit")
draft_action(f"act_unit_{unit}", f"Create an action for {unit}",
             title=f"Find out what holds back customers in {unit} and put it right",
             function=boardpack_story.UNIT_OWNER, kpi="nps", addresses_kind="unit", addresses=unit,
             source=f"unit {unit}")
scope = replace(f, business_units=(unit,))
regions = load(units.league, scope, compare, "region")
if not regions.empty:
    r_text, r_status = units.matrix(regions)
    chart(figures.status_heatmap(r_text, r_status, f"{unit}: regions × KPIs"), key="region_chart",
          name=f"{unit}-regions")
window = trend_window(scope)
trends = load(kpis.trend, window, ("nps", "enps"), "month")
left, right = st.columns(2)
with left:
    chart(trend_chart(trends, "nps", (window.start, window.end), title=f"{unit}: NPS with 95% CI",
                      highlight=(f.start, f.end)), key="unit_nps", name=f"{unit}-nps")
with right:
    if note := fmt.ex_filter_note(f):  # e.g. a channel filter: an eNPS chart would be empty
        st.info(note, icon=":material/filter_alt_off:")
    else:
        chart(trend_chart(trends, "enps", (window.start, window.end), title=f"{unit}: eNPS with 95% CI",
                          highlight=(f.start, f.end)), key="unit_enps", name=f"{unit}-enps")
stages = load(journey.stages, scope)
if not stages.empty:
    chart(figures.journey_ribbon(stages), key="unit_journey", name=f"{unit}-journey")
