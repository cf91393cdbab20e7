"""Internal customers: employees, suppliers and vendors, by population, department and tenure."""

import streamlit as st

from cx_metrics import ex_guard, fmt, internal, kpis
from cx_metrics.charts import units as figures
from cx_metrics.overview import trend_window
from pages.shared import chart, load, require, table_downloads, view

require("view")

st.title("Employees and partners")
v = view()
if v is None:
    st.info("The database has no responses yet.")
    st.stop()
f = v.filters
st.caption(f"**{fmt.period(f.start, f.end)}** (employee figures: whole months, {ex_guard.months_text(f)}) · "
           f"Filters: {f.describe()} · {ex_guard.rule_text()}")

why = load(kpis.scorecard, f, ["enps"])["enps"].reason
if why in ("filter", "period", "no_data"):
    st.info(f"Employee and partner figures: {ex_guard.REASONS[why]}.", icon=":material/info:")
    st.stop()
pops = load(internal.breakdown, f, "population", v.compare)
cols = st.columns(3)
for col, population in zip(cols, ("employee", "supplier", "vendor")):
    rows = pops[pops["group"] == population].set_index("kpi")
    with col.container(border=True, key=f"pop_{population}"):
        st.markdown(f"**{population.capitalize()}s**")
        for key in internal.EX_KEYS:
            if key not in rows.index or bool(rows.loc[key, "suppressed"]):
                st.metric(kpis.KPIS[key].label, "hidden", help=ex_guard.HIDDEN_TEXT)
                continue
            r = rows.loc[key]
            st.metric(kpis.KPIS[key].label, fmt.value(key, r["value"]), fmt.delta(key, r["delta"]),
                      delta_color="normal" if r["significant"] else "off")
            st.caption(f"n = {int(r['n']):,}")

for by, label in (("department", "Department"), ("tenure_band", "Tenure band")):
    st.subheader(f"By {label.lower()}")
    table = load(internal.breakdown, f, by, v.compare)
    shown = table.assign(cell=[
        "hidden" if s else (f"{fmt.value(k, val)} (n = {int(n):,})" if val == val and val is not None else "—")
        for s, k, val, n in zip(table["suppressed"], table["kpi"], table["value"], table["n"].fillna(0))
    ]).pivot(index="group", columns="kpi", values="cell")
    shown = shown.reindex(index=table["group"].drop_duplicates(), columns=[k for k in internal.EX_KEYS if k in shown])
    shown = shown.rename(columns=lambda k: kpis.KPIS[k].label).rename_axis(label)
    st.dataframe(shown, key=f"{by}_table")
    table_downloads(table, f"ex-by-{by}", by)

st.subheader("eNPS by population over time")
window = trend_window(f)
trend = load(internal.population_trends, window, "enps")
chart(figures.lines(trend, "group", "eNPS by population and month (gaps: hidden)", "eNPS"), key="pop_trend",
      name="enps-by-population")
