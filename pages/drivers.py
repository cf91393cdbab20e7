"""Key drivers: what to fix first, for customers and for employees."""

import streamlit as st

from cx_metrics import boardpack_story, drivers, fmt, kpis
from cx_metrics.charts import drivers as figures
from pages.shared import chart, draft_action, load, require, table_downloads, view

require("view")

st.title("Key drivers")
v = view()
if v is None:
    st.info("The database has no responses yet.")
    st.stop()
f = v.filters
left, right = st.columns(2)
outcome = left.segmented_control("Outcome", list(drivers.OUTCOMES), default="nps", key="driver_outcome",
                                 format_func=lambda k: kpis.KPIS[k].label, required=True)
missing = right.radio("Missing ratings", ["pairwise", "complete"], key="driver_missing", horizontal=True,
                      format_func={"pairwise": "Pairwise deletion", "complete": "Complete cases"}.get,
                      help="Pairwise: each correlation uses every response that rated both items. "
                           "Complete cases: only responses that rated every attribute.")
st.caption(f"**{fmt.period(f.start, f.end)}** · Filters: {f.describe()} · Johnson's relative weights with "
           "bootstrap 95% intervals (200 resamples, seed 42).")

result = load(drivers.drivers, f, outcome, missing)
if result.table.empty:
    st.warning(result.note)
    st.stop()
top = result.table.iloc[0]
fix = result.table[result.table["quadrant"] == "fix first"]
st.markdown(
    f"The attributes explain **{100 * result.r2:.0f}%** of the variance in {kpis.KPIS[outcome].label} "
    f"(R², {result.n:,} responses). **{top['attribute']}** matters most ({top['pct']:.0f}% of what is explained)."
    + (f" Fix first: **{', '.join(fix['attribute'])}** — important and rated below average." if not fix.empty else "")
)
st.caption(result.note)
kind = drivers.OUTCOMES[outcome][2]
for col, attribute in zip(st.columns(4), fix["attribute"][:4]):
    with col:  # a weak driver becomes an owned action on the Actions page
        title, function = boardpack_story.owner_for(kind, attribute)
        draft_action(f"act_driver_{attribute}", f"Action: {attribute}", title=title, function=function,
                     kpi=outcome, addresses_kind="driver", addresses=attribute,
                     source=f"driver {attribute} of {outcome}",
                     why=f"{attribute} is important for {kpis.KPIS[outcome].label} and rated below average.")
a, b = st.columns(2)
with a:
    chart(figures.importance(result.table, f"What drives {kpis.KPIS[outcome].label}"), key="importance_chart",
          name=f"drivers-{outcome}")
with b:
    chart(figures.quadrant(result.table), key="quadrant_chart", name=f"quadrant-{outcome}")
st.dataframe(result.table, hide_index=True, key="drivers_table", column_config={
    "weight": st.column_config.NumberColumn("weight (R² share)", format="%.3f"),
    "pct": st.column_config.NumberColumn("% of R²", format="%.1f"),
    "ci_low": st.column_config.NumberColumn("95% CI low", format="%.3f"),
    "ci_high": st.column_config.NumberColumn("95% CI high", format="%.3f"),
    "n": st.column_config.NumberColumn("ratings"),
    "correlation": st.column_config.NumberColumn("r with outcome", format="%.2f"),
    "performance": st.column_config.NumberColumn("performance %", format="%.1f"),
})
table_downloads(result.table, f"drivers-{outcome}", "drivers")
