"""Settings: KPI targets, the changes that matter (saved to DuckDB) and facts about the database."""

import pandas as pd
import streamlit as st

from cx_metrics import db, kpis
from pages.shared import cursor, db_path, load, require, table_downloads, writing

user = require("edit_targets")
st.title("Settings")
st.subheader("Targets")
st.write(
    "A KPI is **on track** when its value reaches the target, **at risk** when it is below but the target "
    "lies inside its 95% confidence interval, and **off track** otherwise. A unit target applies when exactly "
    "that unit is selected; otherwise the `all` target does."
)
units = ["all", *load(kpis.dimension_values)["business_units"]]
current = load(kpis.targets)
edited = st.data_editor(
    current,
    key="targets_editor",
    num_rows="dynamic",
    hide_index=True,
    column_config={
        "kpi": st.column_config.SelectboxColumn(
            "KPI", options=list(kpis.KPIS), required=True, format_func=lambda k: kpis.KPIS[k].label
        ),
        "business_unit": st.column_config.SelectboxColumn("Business unit", options=units, required=True, default="all"),
        "value": st.column_config.NumberColumn("Target", required=True, format="%.2f"),
    },
)
if st.button("Save targets", key="save_targets", type="primary"):
    try:
        with writing() as con:
            saved = kpis.save_targets(con, pd.DataFrame(edited), actor=user.email)
    except ValueError as exc:
        st.error(f"Targets not saved: {exc}")
    else:
        st.success(f"Saved {saved} targets. Every page now uses them.")
table_downloads(current, "targets", "targets")

st.subheader("Changes that matter")
st.write(
    "A headline calls a KPI's change a rise or a fall only when it is beyond the margin of error **and** at "
    "least this big; smaller changes read \"about the same\", however many people answered. The board pack "
    "and the overview use these values."
)
minimum = load(kpis.materiality)
cols = st.columns(len(minimum))
chosen = {
    key: col.number_input(kpis.KPIS[key].label, min_value=0.0, value=float(value), step=0.5 if value >= 1 else 0.05,
                          key=f"material_{key}", help="points" if kpis.KPIS[key].method != "mean" else "scale points")
    for col, (key, value) in zip(cols, minimum.items())
}
if st.button("Save thresholds", key="save_materiality"):
    try:
        with writing() as con:
            kpis.save_materiality(con, chosen, actor=user.email)
    except ValueError as exc:
        st.error(f"Thresholds not saved: {exc}")
    else:
        st.success("Saved. Headlines now use these thresholds.")

st.subheader("Database")
with cursor() as cur:
    facts = {
        "File": db_path(),
        "Schema version": db.schema_version(cur),
        "Data version": db.data_version(cur),
    }
st.table(pd.DataFrame({"": list(facts), "value": [str(v) for v in facts.values()]}).set_index(""))
