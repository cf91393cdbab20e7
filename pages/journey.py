"""The customer journey map: stages in order, the weakest stage, channels within stages, trends."""

import streamlit as st

from cx_metrics import fmt, journey
from cx_metrics.charts import units as figures
from cx_metrics.filters import JOURNEY_STAGES
from cx_metrics.overview import trend_window
from pages.shared import chart, load, require, table_downloads, view

require("view")

st.title("Customer journey")
v = view()
if v is None:
    st.info("The database has no responses yet.")
    st.stop()
f = v.filters
segment = ", ".join(f.segments) if f.segments else "all segments"
st.caption(f"**{fmt.period(f.start, f.end)}** · {segment} · Filters: {f.describe()}")

stages = load(journey.stages, f)
if stages.empty:
    st.info("No customer responses with a journey stage for these filters.")
    st.stop()
weak = stages[stages["weakest"]]
if not weak.empty:
    w = weak.iloc[0]
    st.markdown(
        f"The weakest stage is **{w['stage']}**: NPS **{fmt.value('nps', w['nps'])}** "
        f"(95% CI {fmt.value('nps', w['nps_ci_low'])} to {fmt.value('nps', w['nps_ci_high'])}), "
        f"{w['detractors_pct']:.0f}% detractors, {int(w['nps_n']):,} NPS answers."
    )

cols = st.columns(len(stages))
for col, row in zip(cols, stages.to_dict("records")):
    with col.container(border=True, key=f"stage_{row['stage'].replace(' ', '_')}"):
        st.markdown(f"**{row['stage'].capitalize()}**" + (" · weakest" if row["weakest"] else ""))
        st.metric("NPS", fmt.value("nps", row["nps"]))
        st.caption(
            f"CSAT {fmt.value('csat', row['csat'])} · CES {fmt.value('ces', row['ces'])}  \n"
            f"{row['volume']:,} responses, {row['nps_n']:,} with an NPS answer · "
            f"{row['detractors_pct']:.0f}% detractors"
            + (" · low base" if row["low_base"] else "")
        )
chart(figures.journey_ribbon(stages), key="ribbon_chart", name="journey")
table_downloads(stages, f"journey-{f.start}-to-{f.end}", "stages")

st.subheader("Stages and channels")
cells = load(journey.stage_channel, f)
chart(figures.stage_channel_heatmap(cells, list(JOURNEY_STAGES)), key="stage_channel_chart", name="stage-channel")
st.caption("Channels are the touchpoints within a stage; this data has no finer touchpoint field. "
           "n counts NPS answers (as in the stage cards, not all responses). "
           "Cells with fewer than 30 answers are low base: read them with care.")

st.subheader("Stage trends")
window = trend_window(f)
trends = load(journey.stage_trends, window)
order = {s: i for i, s in enumerate(JOURNEY_STAGES)}
trends = trends.sort_values("stage", key=lambda s: s.map(order), kind="stable")
chart(figures.lines(trends, "stage", "NPS by journey stage and month", "NPS"), key="stage_trends_chart",
      name="stage-trends")
