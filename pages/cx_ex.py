"""CX <-> EX: does employee experience move ahead of customer experience?"""

import streamlit as st

from cx_metrics import fmt, forecast, linkage
from cx_metrics.charts import CX_COLOUR, EX_COLOUR
from cx_metrics.charts import forecast as cones
from cx_metrics.charts import linkage as figures
from pages.shared import chart, load, require, table_downloads, view

require("view")

st.title("Customer and employee experience")
v = view()
if v is None:
    st.info("The database has no responses yet.")
    st.stop()
f = v.filters
window = linkage.panel_window(f)
st.caption(
    f"Unit comparisons for **{fmt.period(f.start, f.end)}**; monthly analysis over "
    f"{fmt.period(window.start, window.end)} · Filters: {f.describe()}"
)
st.info(
    "Correlation is not causation. A link between employee and customer scores, even one where employees "
    "move first, is consistent with employee experience driving customer experience, but something else "
    "(a reorganisation, a local market) can move both.",
    icon=":material/info:",
)

panel = load(linkage.unit_month_panel, window)
profile = linkage.lag_profile(panel)
left, right = st.columns(2)
with left:
    st.subheader("Does eNPS lead NPS?")
    best = profile.best_lag
    if best is None:
        st.write("No lag shows a correlation clearly above zero.")
    else:
        row = profile.table.set_index("lag").loc[best]
        st.markdown(
            f"The link is strongest when eNPS leads NPS by **{best} month{'s' if best != 1 else ''}**: "
            f"r = **{row['r']:.2f}** (95% CI {row['ci_low']:.2f} to {row['ci_high']:.2f}, {int(row['n']):,} unit-months).",
            help="Within-unit correlation: each unit's own average is removed first, so it measures "
                 "movement over time, not which units are better.",
        )
    chart(figures.lag_chart(profile.table, best), key="lag_chart", name="cx-ex-lag")
with right:
    st.subheader("Units: eNPS and NPS")
    sc = load(linkage.unit_scatter, f)
    c = sc.correlation
    r_text = (f"r = {c.r:.2f} (95% CI {c.ci_low:.2f} to {c.ci_high:.2f}, {c.n} units)"
              if c.n >= 4 and c.r == c.r else "too few units for a correlation")
    st.markdown(f"Across units this period: {r_text}.")
    chart(figures.scatter(sc.units, sc.slope, sc.intercept, r_text), key="scatter_chart", name="cx-ex-units")

st.subheader("Early warning: eNPS fell significantly in the last quarter")
warning = load(linkage.early_warning, f)
if warning.empty:
    st.success("No unit's eNPS fell significantly over the last three months.", icon=":material/check_circle:")
else:
    lag = f" Customer scores have tended to follow about {best} months later." if best else ""
    st.markdown(f"**{len(warning)}** unit{'s' if len(warning) != 1 else ''} to watch, worst first.{lag}")
    shown = warning.rename(columns={
        "business_unit": "Unit", "enps": "eNPS now", "enps_previous": "eNPS before", "enps_delta": "eNPS change",
        "p_value": "p", "nps": "NPS now", "nps_delta": "NPS change", "nps_significant": "NPS change significant",
    })
    st.dataframe(shown, hide_index=True, key="warning_table", column_config={
        c: st.column_config.NumberColumn(format="%.1f") for c in
        ("eNPS now", "eNPS before", "eNPS change", "NPS now", "NPS change")
    } | {"p": st.column_config.NumberColumn(format="%.4f")})
    table_downloads(warning, "early-warning", "warning")

st.subheader("Where NPS and eNPS are heading")
outlook = [(load(forecast.cone, f, key), colour) for key, colour in (("nps", CX_COLOUR), ("enps", EX_COLOUR))]
drawn = [(c.forecast, colour) for c, colour in outlook if c.forecast is not None]
if drawn:
    chart(cones.outlook(drawn, "NPS and eNPS by month, and the next 3 months forecast"), key="forecast_chart",
          name="cx-ex-forecast")
for c, _ in outlook:
    st.caption(c.note)

st.subheader("By unit and month")
chart(figures.small_multiples(panel), key="multiples_chart", name="cx-ex-by-unit")

st.subheader("Customer outcomes")
out = load(linkage.outcomes, f)
if out.empty:
    st.write("No business outcome data for this period.")
else:
    chart(figures.outcomes_scatter(out), key="outcomes_chart", name="nps-retention")
    table_downloads(out, "nps-retention-by-unit", "outcomes")
