"""Alerts: the latest complete month's significant, material moves, to acknowledge or turn into actions."""

from datetime import date

import streamlit as st

from cx_metrics import alerts, fmt, kpis
from pages.shared import cursor, draft_action, load, require, table_downloads, view, writing

user = require("view")
#: An alert's group column -> what an action made from it addresses (employee populations: nothing narrower).
ADDRESSES = {"business_unit": "unit", "region": "region", "journey_stage": "journey stage"}
#: Who owns a customer alert by default: a unit's or region's operations, a journey stage's customer success;
#: employee alerts go to HR. The form lets the user change it.
OWNER = {"business_unit": "Operations", "region": "Operations", "journey_stage": "Customer success"}

st.title("Alerts")
v = view()
if v is None:
    st.info("The database has no responses yet, so nothing can move. Load a survey file or build the demo data "
            "(`python -m cx_metrics demo`).")
    st.stop()

first, last = load(kpis.data_range)
left, right = st.columns([1, 2])
as_of = left.date_input("Look back from", value=last, min_value=first, max_value=max(last, date.today()),
                        key="alerts_as_of", format="YYYY-MM-DD",
                        help="Alerts cover the last complete calendar month on or before this day.")
show = right.segmented_control("Show", ["Open", "All"], default="Open", key="alerts_show", required=True)
found = load(alerts.alerts, as_of, v.filters)
if not found.attrs.get("month"):
    st.info("No complete month of data before this day.")
    st.stop()
month, before = found.attrs["month"], found.attrs["before"]
with cursor() as cur:  # not cached: an acknowledgement shows on the next rerun
    acks = alerts.acknowledged(cur)
open_count = sum(k not in acks for k in found["key"])
st.caption(f"{fmt.period(*month)} against {fmt.period(*before)}, for each KPI in each unit, region, journey stage "
           f"and population{' (' + v.filters.describe() + ')' if v.filters.active() else ''}. An alert is beyond "
           f"the margin of error after allowing for the {found.attrs['tested']} comparisons made (at most 1 in 10 "
           "alerts false: Benjamini-Hochberg at 10%), and at least the change that matters set in Settings.")
a, b, c = st.columns(3)
a.metric("Alerts", f"{len(found)}", border=True)
b.metric("Open", f"{open_count}", border=True)
c.metric("Comparisons tested", f"{found.attrs['tested']}", border=True)

shown = found if show == "All" else found[~found["key"].isin(acks)]
if found.empty:
    st.success("No group moved by enough to matter.", icon=":material/check_circle:")
elif shown.empty:
    st.success("Every alert has been acknowledged.", icon=":material/check_circle:")
for r in shown.itertuples():
    with st.container(border=True, key=f"alert_{r.key}"):
        arrow = ":red[▼ fall]" if r.direction == "fall" else ":green[▲ rise]"
        st.markdown(f"**{r.label} · {r.group}** {arrow}")
        st.write(r.sentence)
        if r.likely_reason:
            st.markdown(f"*Likely reason:* {r.likely_reason}")
        st.caption(f"Now {fmt.value(r.kpi, r.value)} (95% range {fmt.value(r.kpi, r.ci_low)} to "
                   f"{fmt.value(r.kpi, r.ci_high)}, n = {r.n:,}); before {fmt.value(r.kpi, r.previous)} (95% range "
                   f"{fmt.value(r.kpi, r.previous_ci_low)} to {fmt.value(r.kpi, r.previous_ci_high)}, "
                   f"n = {int(r.previous_n):,}); p = {r.p_value:.4f}, q = {r.q_value:.4f}.")
        ack = acks.get(r.key)
        if ack:
            st.caption(f":material/done: Acknowledged by {ack['actor']} on {ack['at']:%Y-%m-%d}"
                       + (f": {ack['note']}" if ack["note"] else ""))
        if not user.can("edit_actions"):
            continue
        cols = st.columns([1, 1, 3])
        with cols[0]:
            if not ack and st.button("Acknowledge", key=f"ack_{r.key}", icon=":material/done:"):
                with writing() as con:
                    alerts.acknowledge(con, r.key, user)
                st.rerun()
        with cols[1]:
            verb = "fall" if r.direction == "fall" else "rise"
            draft_action(f"act_{r.key}", title=f"Respond to the {r.label} {verb} in {r.group}",
                         function=OWNER.get(r.dimension, "HR") if kpis.KPIS[r.kpi].group == "cx" else "HR",
                         kpi=r.kpi, addresses_kind=ADDRESSES.get(r.dimension),
                         addresses=r.group if r.dimension in ADDRESSES else None, source=f"alert {r.key}",
                         why=r.sentence)

table_downloads(found.drop(columns=["key"]).assign(acknowledged=found["key"].isin(acks)),
                f"alerts-{month[0]:%Y-%m}", "alerts")
