"""Data: upload a survey export, confirm the mapping, check it, load it (all or nothing), undo."""

import json
from datetime import date

import pandas as pd
import streamlit as st

from cx_metrics import ingest
from pages.shared import cursor, load, require, table_downloads, writing

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
    """The uploaded file, read once per upload (kept in the session): its size is checked first,
    then it is streamed from the upload to the staging file."""
    key = (uploaded.file_id, uploaded.name)
    if st.session_state.get("_parsed_key") != key:
        st.session_state["_parsed_key"] = key
        try:
            st.session_state["_parsed"] = ingest.read_file(uploaded, uploaded.name)
        except ingest.IngestError as exc:
            st.session_state["_parsed"] = exc
    return st.session_state["_parsed"]


def progress_bar(label: str):
    """(an st.progress bar, the ``progress(done, total, stage)`` callback validate and load report to)."""
    bar = st.progress(0.0, text=f"{label}…")

    def update(done: int, total: int | None, stage: str) -> None:
        if total:
            bar.progress(min(done / total, 1.0), text=f"{label}: {stage}, {done:,} of {total:,} rows")
        else:
            bar.progress(0.0, text=f"{label}: {stage}…")

    return bar, update


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

    mapping_file = st.file_uploader("Mapping file (optional: the JSON the CLI takes with --mapping)", type=["json"],
                                    key="mapping_file")
    if mapping_file is not None:
        try:
            suggested = ingest.Mapping.from_bytes(mapping_file.getvalue(), mapping_file.name)
        except ingest.IngestError as exc:
            st.error(f"This mapping file cannot be used: {exc}")
            st.stop()
        if suggested.kind != kind:
            st.error(f"This mapping file is for {KINDS[suggested.kind]} data; the file is marked as {KINDS[kind]}.")
            st.stop()
    else:
        with cursor() as cur:
            suggested = ingest.suggest(parsed, kind, cur)
    for notice in suggested.notices:
        if "email or IP" in notice:
            st.warning(notice, icon=":material/visibility_off:")
        else:
            st.info(notice, icon=":material/info:")
    # Widgets start again for another file, kind or mapping file.
    state = f"{kind}_{uploaded.file_id}_{mapping_file.file_id if mapping_file is not None else ''}"
    st.subheader("1. Confirm the mapping")
    st.caption("Each column of the file becomes a field, an attribute rating (`attribute:NAME`, for key "
               "drivers) or nothing (left out of the database).")
    options = ["", *ingest.fields(kind), *sorted({f"attribute:{name}" for name in
                                                  ingest.attribute_names(parsed.headers).values()}
                                                 | {v for v in suggested.columns.values() if v.startswith("attribute:")})]
    table = pd.DataFrame({
        "column": parsed.headers,
        "question": parsed.questions if len(parsed.questions) == len(parsed.headers) else parsed.headers,
        "field": [suggested.columns.get(h, "") for h in parsed.headers],
    })
    edited = st.data_editor(
        table, key=f"mapping_{state}", hide_index=True, disabled=["column", "question"],
        column_config={
            "column": st.column_config.TextColumn("Column", width="medium"),
            "question": st.column_config.TextColumn("Question", width="medium"),
            "field": st.column_config.SelectboxColumn("Maps to", options=options, width="medium"),
        },
    )
    try:
        columns = {r["column"]: r["field"] or "" for r in edited.to_dict("records")}
        mapping = ingest.Mapping.from_json(suggested.to_json() | {"kind": kind, "columns": columns})
    except ingest.IngestError as exc:
        st.error(f"The mapping cannot be applied: {exc}")
        st.stop()
    if "submitted_at" not in mapping.targets():
        # The CLI's defaults.submitted_at: SurveyMonkey's older exports, anonymised LimeSurvey dates.
        given = mapping.defaults.get("submitted_at")
        try:
            given = date.fromisoformat(str(given)[:10]) if given else None
        except ValueError:
            given = None
        when = st.date_input("Date for every response (the file has no date column)", value=given,
                             key=f"default_date_{state}", format="YYYY-MM-DD", min_value=date(1970, 1, 1),
                             help="No column is mapped to submitted_at, so every response gets this date. "
                                  "Pick the day the survey ran (or closed); map a date column instead when "
                                  "the file has one.")
        if when is None:
            st.info("Pick the date for every response (or map a column to submitted_at) to check the file.",
                    icon=":material/event:")
            st.stop()
        mapping.defaults["submitted_at"] = when.isoformat()
    with st.expander("Answer rules: no-answer codes, dates, scales",
                     expanded=bool(suggested.scales or suggested.date_format or suggested.missing)):
        codes = st.text_input(
            "Codes that mean “no answer” in every score and rating column", key=f"codes_{state}",
            value=", ".join(ingest.missing_codes(mapping)), placeholder="e.g. 0, -99",
            help="Blanks, N/A, Not applicable and Don't know always mean no answer. Add 0 when 0 means "
                 "“not applicable”, or the code your survey tool writes for a skipped question.")
        families = [None, *ingest.DATE_FAMILIES] + (["custom"] if ingest.date_family(mapping) == "custom" else [])
        family = st.selectbox(
            "Dates in the file are written", families, index=families.index(ingest.date_family(mapping)),
            key=f"dates_{state}",
            format_func=lambda f: {None: "detect: ISO, month/day/year, day.month.year or year/month/day",
                                   "custom": f"as the mapping file says: {mapping.date_format}"}.get(f, f))
        rows = ingest.scale_table(mapping)
        scales = []
        if rows:
            st.caption("The file's answer scale for each score and rating. Scores on another scale are converted "
                       "to the field's own scale (the rule is shown under Check); ratings keep their scale.")
            scales = st.data_editor(
                pd.DataFrame(rows), key=f"scales_{state}", hide_index=True, disabled=["target"],
                column_config={"target": st.column_config.TextColumn("Field or rating"),
                               "lowest": st.column_config.NumberColumn("Lowest answer", step=1),
                               "highest": st.column_config.NumberColumn("Highest answer", step=1)},
            ).to_dict("records")
    try:
        mapping = ingest.with_rules(mapping, codes=codes, family=family, scales=scales)
    except ingest.IngestError as exc:
        st.error(f"The answer rules cannot be applied: {exc}")
        st.stop()
    with st.expander("Mapping as JSON (for the CLI's --mapping)"):
        st.code(json.dumps(mapping.to_json(), indent=2, ensure_ascii=False), language="json")
    if user.can("edit_mappings"):
        name_col, save_col = st.columns([3, 1], vertical_alignment="bottom")
        profile = name_col.text_input("Save as profile (re-applied to files with the same columns)",
                                      key="profile_name", placeholder="e.g. Quarterly NPS export")
        if save_col.button("Save profile", key="save_profile", disabled=not profile):
            with writing() as con:
                ingest.save_profile(con, profile, mapping, parsed, actor=user.email)
            st.success(f"Saved profile “{profile}”.")

    st.subheader("2. Check")
    bar, update = progress_bar("Checking")
    with cursor() as cur:
        try:
            report = ingest.validate(cur, parsed, mapping, progress=update)
        except ingest.IngestError as exc:
            bar.empty()
            st.error(f"The mapping cannot be applied: {exc}")
            st.stop()
    bar.empty()
    if report.duplicate_of is not None:
        st.info(f"This exact file is already loaded (upload {report.duplicate_of}): nothing to load. To load it "
                "again, undo that upload below first.", icon=":material/task_alt:")
    else:
        a, b, c = st.columns(3)
        a.metric("Rows in the file", f"{report.rows:,}")
        b.metric("Rows with problems", f"{report.bad_lines:,}")
        c.metric("Problems", f"{report.problem_count:,}")
        for rule in report.rules:
            st.caption(f"Rule: {rule}")
        for notice in report.notices:
            st.warning(notice)
        for warning in report.warnings:  # implausible data: shown, never blocking
            st.warning(f"Check this: {warning}.", icon=":material/report:")
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
        if st.button("Load into the dashboard", key="load_file", type="primary"):
            bar, update = progress_bar("Loading")
            try:
                with writing() as con:
                    result = ingest.load(con, parsed, mapping, on_error=on_error, actor=user.email, progress=update)
            except ingest.IngestError as exc:
                bar.empty()
                st.error(f"Nothing was loaded: {exc}")
                st.stop()
            bar.empty()
            if result.rejected:
                st.error(result.message or "Nothing was loaded.")
            elif result.upload_id is None:
                st.info(result.message or "Nothing was loaded.", icon=":material/task_alt:")
            else:
                skipped = f"; skipped {result.rows_skipped:,}" if result.rows_skipped else ""
                st.session_state["_last_load"] = (f"Loaded {result.rows_loaded:,} rows (upload {result.upload_id})"
                                                  f"{skipped}. Every page now shows them.")
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
            with writing() as con:
                removed = ingest.undo(con, target, actor=user.email)
            st.session_state["_last_load"] = f"Undid {target}: removed {sum(removed.values()):,} rows."
            st.rerun()
