"""Board pack: pick a period, comparison and sections; preview the slides; download PPTX and PDF;
schedule the deck or an alerts digest by e-mail (sent by `python -m cx_metrics schedule run`)."""

import pandas as pd
import streamlit as st

from cx_metrics import boardpack, config, export, kpis, schedules
from pages.shared import COMPARE, chart, cursor, load, load_with_progress, require, table_downloads, view, writing

user = require("view")

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
KINDS = {"Month": "month", "Quarter": "quarter", "Custom": "custom"}

st.title("Board pack")
v = view()
if v is None:
    st.info("The database has no responses yet, so there is nothing to report. Load a survey file or build "
            "the demo data (`python -m cx_metrics demo`).")
    st.stop()

first, as_of = load(kpis.data_range)
brand = config.branding()
left, middle, right = st.columns([1.3, 1.4, 1.3])
kind = KINDS[left.segmented_control("Period", list(KINDS), default="Quarter", key="bp_kind", required=True)]
if kind == "custom":
    picked = middle.date_input("Dates (inclusive)", value=(v.filters.start, v.filters.end), min_value=first,
                               max_value=as_of, key="bp_dates", format="YYYY-MM-DD")
    start, end = (picked[0], picked[-1]) if picked else (v.filters.start, v.filters.end)
else:
    choices = boardpack.period_choices(first, as_of, kind)
    complete = boardpack.default_period(first, as_of)[:2]  # the last complete quarter comes first to mind
    index = next((i for i, c in enumerate(choices) if c[1:] == complete), 0) if kind == "quarter" else 0
    label = middle.selectbox(kind.capitalize(), [c[0] for c in choices], index=index, key=f"bp_{kind}")
    _, start, end = next(c for c in choices if c[0] == label)
compare = right.radio("Compare with", list(COMPARE), index=list(COMPARE).index(v.compare), format_func=COMPARE.get,
                      key="bp_compare", horizontal=True)
sections = st.multiselect(
    "Sections (the headline comes before the executive summary, the others after it)", list(boardpack.SECTIONS),
    default=list(boardpack.SECTIONS), format_func=lambda k: boardpack.SECTIONS[k].title, key="bp_sections",
)
org = st.text_input("Organisation name", value=brand.org_name, key="bp_org",
                    help="Shown on the title slide. The default comes from branding.toml.")
filters = v.filters.with_dates(start, end)
st.caption(f"Filters from the sidebar: {filters.describe()}. Data as of {as_of:%d %b %Y}.")

try:
    pack = load_with_progress(boardpack.build, filters, compare, tuple(sections), org or None)
except boardpack.NoData as exc:
    st.warning(f"Nothing to report: {exc}.", icon=":material/block:")
    st.stop()

stem = f"board-pack-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}"
# Without Chromium the files that need chart images cannot be made: say so and disable their buttons.
missing = export.chromium_missing()
blocked = {k: missing is not None and boardpack.draws_images(pack, k) for k in ("pptx", "pdf")}
if any(blocked.values()):
    st.warning(missing, icon=":material/image_not_supported:")
d1, d2, _ = st.columns([1, 1, 2])
d1.download_button("Download PowerPoint", data=lambda: boardpack.render(pack, "pptx"), file_name=f"{stem}.pptx",
                   mime=PPTX_MIME, key="bp_download_pptx", type="primary", on_click="ignore",
                   icon=":material/slideshow:", width="stretch", disabled=blocked["pptx"])
d2.download_button("Download PDF", data=lambda: boardpack.render(pack, "pdf"), file_name=f"{stem}.pdf",
                   mime="application/pdf", key="bp_download_pdf", on_click="ignore",
                   icon=":material/picture_as_pdf:", width="stretch", disabled=blocked["pdf"])
st.caption(f"{len(pack.sections) + 1} slides. Lines are native PowerPoint charts (editable); the speaker notes "
           "carry the narrative. The PDF has the same 16:9 pages, then the speaker notes.")

st.subheader("Preview")
with st.container(border=True, key="bp_slide_title"):
    st.markdown(f"**1 · {pack.org}** — Board pack: customer and employee experience")
    st.markdown(f"### {pack.period_text}")
    st.caption(f"{pack.comparison_text} · {pack.filters_text} · Data as of {pack.as_of:%d %b %Y}")

for number, section in enumerate(pack.sections, start=2):
    with st.container(border=True, key=f"bp_slide_{section.key}"):
        st.markdown(f"**{number} · {section.title}**")
        st.write(section.headline)
        if section.key_numbers:
            for col, kn in zip(st.columns(len(section.key_numbers)), section.key_numbers):
                col.metric(kn.label, kn.value)
                col.caption(kn.detail)
        if section.table is not None:
            st.dataframe(pd.DataFrame(list(section.table.rows), columns=list(section.table.columns)),
                         hide_index=True, key=f"bp_table_{section.key}")
            if section.key == "summary":
                table_downloads(pack.scorecard, f"{stem}-kpis", "bp_summary")
        for col, (i, c) in zip(st.columns(len(section.charts)) if section.charts else [], enumerate(section.charts)):
            with col:
                chart(export.figure(c), key=f"bp_chart_{section.key}_{i}", name=f"{stem}-{section.key}-{i + 1}")
        if section.footnote:
            st.caption(section.footnote)
        with st.expander("Speaker notes"):
            st.markdown("\n".join(f"- {s}" for s in section.narrative))

st.subheader("Schedules")
st.caption("`python -m cx_metrics schedule run` (cron or a systemd timer, see the README) e-mails each schedule once "
           "per period, from its day on: a deck covers the data's last complete quarter with the sidebar's filters "
           "as they were when it was created; a digest lists the latest complete month's alerts.")
listed = st.container(key="schedule_list_box")
if user.can("edit_schedules"):
    with st.container(border=True, key="schedule_form"):
        s_name = st.text_input("Name", key="schedule_name", placeholder="Monthly board pack")
        c1, c2, c3 = st.columns(3)
        s_kind = c1.radio("Send", list(schedules.KINDS), format_func=schedules.KINDS.get, key="schedule_kind")
        s_cadence = c2.radio("Every", list(schedules.CADENCES), key="schedule_cadence",
                             format_func={"monthly": "Month", "weekly": "Week"}.get)
        if s_cadence == "monthly":
            s_day = c3.number_input("On day", 1, schedules.LAST_MONTH_DAY, 1, key="schedule_day")
        else:
            s_day = c3.selectbox("On", range(1, 8), format_func=lambda d: schedules.WEEKDAYS[d - 1],
                                 key="schedule_weekday")
        s_format, s_sections = None, None
        if s_kind == "deck":
            s_format = st.radio("Format", list(schedules.FORMATS), format_func=str.upper, key="schedule_format",
                                horizontal=True)
            s_sections = st.multiselect("Sections", list(boardpack.SECTIONS), default=sections,
                                        format_func=lambda k: boardpack.SECTIONS[k].title, key="schedule_sections")
        s_to = st.text_area("Recipients (e-mail addresses, one per line or separated by commas)",
                            key="schedule_recipients")
        st.caption(f"Filters from the sidebar: {v.filters.describe()}.")
        if st.button("Create schedule", key="schedule_create", type="primary", icon=":material/schedule_send:"):
            spec = schedules.Schedule(
                name=s_name, kind=s_kind, cadence=s_cadence, day=int(s_day), format=s_format,
                sections=None if s_sections is None else tuple(s_sections), filters=schedules.value_filters(v.filters),
                recipients=schedules.parse_recipients(s_to))
            try:
                with writing() as con:
                    saved = schedules.add(con, spec, user=user)
            except ValueError as exc:
                st.error(f"Schedule not created: {exc}.", icon=":material/error:")
            else:
                st.success(f"Created schedule {saved.schedule_id}, {saved.name}: {saved.when}. The next "
                           "`schedule run` sends it.", icon=":material/check_circle:")
    with cursor() as cur:
        active = {s.schedule_id: s.name for s in schedules.stored(cur, active_only=True)}
    if active:
        d1, d2 = st.columns([3, 1], vertical_alignment="bottom")
        stop = d1.selectbox("Stop a schedule", list(active), format_func=lambda i: f"{i} · {active[i]}",
                            key="schedule_pick")
        if d2.button("Deactivate", key="schedule_deactivate", icon=":material/cancel_schedule_send:"):
            with writing() as con:
                schedules.set_active(con, stop, False, user=user)
            st.success(f"Schedule {stop}, {active[stop]}, is deactivated; its sends stay recorded.")
else:
    st.caption("Analysts and admins can add and stop schedules.")
with cursor() as cur:
    table = schedules.listing(cur)
if table.empty:
    listed.info("No schedules yet.", icon=":material/schedule:")
else:
    listed.dataframe(table[["schedule_id", "name", "what", "when", "recipients", "filters", "active", "status"]],
                     hide_index=True, key="schedule_list",
                     column_config={"schedule_id": "Id", "name": "Name", "what": "Sends", "when": "When",
                                    "recipients": "To", "filters": "Filters", "active": "Active",
                                    "status": "Latest send"})
