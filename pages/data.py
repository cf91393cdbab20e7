"""Data: upload a survey export, confirm the mapping, check it, load it (all or nothing), undo."""

import json

import pandas as pd
import streamlit as st

from cx_metrics import ingest
from pages.shared import cursor, load, require, table_downloads

user = require("upload")

st.title("Data")
st.write(
    "Upload a survey export as it comes from Qualtrics, SurveyMonkey, Google Forms, LimeSurvey or your own "
    "CSV/TSV/TXT, XLSX or Parquet file. Nothing is loaded until you confirm; a load is all or nothing, and "
    "every upload can be undone."
)
KINDS = {"cx": "Customers (CX)", "ex": "Employees, suppliers and vendors (EX)"}
kind = st.radio("What the file holds", list(KINDS), format_func=KINDS.get, key="data_kind", horizontal=True)
uploaded = st.file_uploader("Survey file", type=["csv", "tsv", "txt", "xlsx", "parquet"], key="data_file",
                            max_upload_size=ingest.MAX_UPLOAD_BYTES // 2**20)


def parsed_file():
    """The uploaded file, read once per upload (kept in the session)."""
    key = (uploaded.file_id, uploaded.name)
    if st.session_state.get("_parsed_key") != key:
        st.session_state["_parsed_key"] = key
        try:
            st.session_state["_parsed"] = ingest.read_file(uploaded.getvalue(), uploaded.name)
        except ingest.IngestError as exc:
            st.session_state["_parsed"] = exc
    return st.session_state["_parsed"]


if uploaded is not None:
    parsed = parsed_file()
    if isinstance(parsed, ingest.IngestError):
        st.error(f"This file cannot be read: {parsed}", icon=":material/error:")
        st.stop()
    delimiter = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(parsed.delimiter, parsed.delimiter)
    st.success(
        f"Read **{parsed.name}**: {parsed.layout} layout, {parsed.encoding}"
        + (f", {delimiter}-separated" if delimiter else "")
        + f", {parsed.header_rows} header row{'s' if parsed.header_rows != 1 else ''}, {len(parsed.headers)} columns.",
        icon=":material/description:",
    )
    for notice in parsed.notices:
        st.info(notice)

    with cursor() as cur:
        suggested = ingest.suggest(parsed, kind, cur)
    for notice in suggested.notices:
        st.warning(notice, icon=":material/visibility_off:")
    st.subheader("1. Confirm the mapping")
    st.caption("Each column of the file becomes a field, an attribute rating (`attribute:NAME`, for key "
               "drivers) or nothing (left out of the database).")
    options = ["", *ingest.fields(kind), *sorted({f"attribute:{h.strip().lower().replace(' ', '_')}"
                                                  for h in parsed.headers}
                                                 | {v for v in suggested.columns.values() if v.startswith("attribute:")})]
    table = pd.DataFrame({
        "column": parsed.headers,
        "question": parsed.questions if len(parsed.questions) == len(parsed.headers) else parsed.headers,
        "field": [suggested.columns.get(h, "") for h in parsed.headers],
    })
    edited = st.data_editor(
        table, key=f"mapping_{kind}_{uploaded.file_id}", hide_index=True, disabled=["column", "question"],
        column_config={
            "column": st.column_config.TextColumn("Column", width="medium"),
            "question": st.column_config.TextColumn("Question", width="medium"),
            "field": st.column_config.SelectboxColumn("Maps to", options=options, width="medium"),
        },
    )
    mapping = ingest.Mapping.from_json(
        suggested.to_json() | {"kind": kind, "columns": {r["column"]: r["field"] or "" for r in edited.to_dict("records")}}
    )
    with st.expander("Mapping as JSON (for the CLI's --mapping)"):
        st.code(json.dumps(mapping.to_json(), indent=2, ensure_ascii=False), language="json")
    if user.can("edit_mappings"):
        name_col, save_col = st.columns([3, 1], vertical_alignment="bottom")
        profile = name_col.text_input("Save as profile (re-applied to files with the same columns)",
                                      key="profile_name", placeholder="e.g. Quarterly NPS export")
        if save_col.button("Save profile", key="save_profile", disabled=not profile):
            with cursor() as cur:
                ingest.save_profile(cur, profile, mapping, parsed, actor=user.email)
            st.success(f"Saved profile “{profile}”.")

    st.subheader("2. Check")
    with cursor() as cur:
        try:
            report = ingest.validate(cur, parsed, mapping)
        except ingest.IngestError as exc:
            st.error(f"The mapping cannot be applied: {exc}")
            st.stop()
    a, b, c = st.columns(3)
    a.metric("Rows in the file", f"{report.rows:,}")
    b.metric("Rows with problems", f"{report.bad_lines:,}")
    c.metric("Problems", f"{report.problem_count:,}")
    for rule in report.rules:
        st.caption(f"Scale rule: {rule}")
    for notice in report.notices:
        st.warning(notice)
    if report.problems:
        st.dataframe(pd.DataFrame(report.problems), key="problems_table", hide_index=True)
        table_downloads(pd.DataFrame(report.problems), f"problems-{parsed.name}", "problems")
        st.caption(", ".join(f"{reason}: {n:,}" for reason, n in report.by_reason.items()))
    st.caption("Preview of the first mapped rows (customer and respondent ids already replaced by pseudonyms):")
    st.dataframe(report.preview, key="preview_table", hide_index=True)

    st.subheader("3. Load")
    on_error = st.radio(
        "When rows have problems", ["reject", "skip"], key="on_error", horizontal=True,
        format_func={"reject": "Reject the whole file", "skip": "Load the valid rows, skip the reported ones"}.get,
    )
    if st.button("Load into the dashboard", key="load_file", type="primary", disabled=report.duplicate_of is not None):
        with cursor() as cur:
            result = ingest.load(cur, parsed, mapping, on_error=on_error, actor=user.email)
        if result.rejected or result.upload_id is None:
            st.error(result.message or "Nothing was loaded.")
        else:
            st.session_state["_last_load"] = (
                f"Loaded {result.rows_loaded:,} rows (upload {result.upload_id})"
                + (f"; skipped {result.rows_skipped:,}" if result.rows_skipped else "") + ". Every page now shows them."
            )
            st.rerun()
if "_last_load" in st.session_state:
    st.success(st.session_state.pop("_last_load"), icon=":material/check_circle:")

st.subheader("Upload history")
history = load(ingest.uploads)
if history.empty:
    st.caption("No uploads yet.")
else:
    st.dataframe(history, key="uploads_table", hide_index=True)
    table_downloads(history, "uploads", "uploads")
    active = history[history["undone_at"].isna()]["upload_id"].tolist()
    if active and user.can("undo"):
        target = st.selectbox("Upload to undo", active, key="undo_upload")
        if st.button("Undo this upload", key="undo_button"):
            with cursor() as cur:
                removed = ingest.undo(cur, target, actor=user.email)
            st.session_state["_last_load"] = f"Undid {target}: removed {sum(removed.values()):,} rows."
            st.rerun()
