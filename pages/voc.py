"""Voice of the customer (and of employees): themes, sentiment and the verbatims themselves."""

import pandas as pd
import streamlit as st

from cx_metrics import boardpack_story, ex_guard, fmt, voc
from cx_metrics.charts import voc as figures
from cx_metrics.overview import trend_window
from pages.shared import chart, cursor, draft_action, load, require, table_downloads, view, writing

user = require("view")

st.title("Voice of the customer")
v = view()
if v is None:
    st.info("The database has no responses yet.")
    st.stop()
f = v.filters
KINDS = {"cx": "Customers", "ex": "Employees and partners"}
kind = st.segmented_control("Whose comments", list(KINDS), format_func=KINDS.get, default="cx", key="voc_kind",
                            required=True)
score_label = "NPS" if kind == "cx" else "eNPS"
st.caption(f"**{fmt.period(f.start, f.end)}** · Filters: {f.describe()} · Sentiment: score from −1 (negative) to +1 (positive), in English, German, French and Spanish."
           + (" Social media and forum posts appear as their own channels." if kind == "cx" else
              f" Employee comments cover whole months ({ex_guard.months_text(f)}) and groups of at least"
              f" {ex_guard.comment_threshold()} commenters, with no scores beside them."))

themes = load(voc.themes, f, kind, v.compare)
if kind == "ex" and (empty := load(voc.verbatims, f, kind)).reason:
    st.warning(f"Employee comments: {ex_guard.REASONS[empty.reason]}. Widen the filters or the period to see them.",
               icon=":material/visibility_off:")
    st.stop()
if themes.empty:
    st.info("No comments mention a theme for these filters.")
else:
    rising = themes[themes["rising"]]
    if not rising.empty:
        st.markdown("Rising against the previous period: " + ", ".join(
            f"**{r.theme}** ({r.previous_share_pct:.0f}% → {r.share_pct:.0f}% of comments)" for r in rising.itertuples()))
        for col, r in zip(st.columns(4), list(rising.itertuples())[:4]):
            with col:  # a rising theme becomes an owned action on the Actions page
                title, function = boardpack_story.owner_for(kind, r.theme)
                draft_action(f"act_theme_{r.theme}", f"Action: {r.theme}", title=title, function=function,
                             kpi="nps" if kind == "cx" else "enps", addresses_kind="theme", addresses=r.theme,
                             source=f"rising theme {r.theme}",
                             why=f"{r.share_pct:.0f}% of comments mention {r.theme}, up from "
                                 f"{r.previous_share_pct:.0f}%.")
    chart(figures.theme_bars(themes, score_label), key="themes_chart", name=f"themes-{kind}")
    table_downloads(themes, f"themes-{kind}-{f.start}-to-{f.end}", "themes")
    window = trend_window(f)
    trend = load(voc.theme_trend, window, kind)
    left, right = st.columns(2)
    with left:
        chart(figures.theme_trend(trend), key="theme_trend_chart", name=f"theme-trend-{kind}")
    with right:
        chart(figures.sentiment_trend(trend), key="sentiment_trend_chart", name=f"sentiment-trend-{kind}")

st.subheader("Comments")
a, b, c, d = st.columns([3, 2, 2, 2])
search = a.text_input("Search", key="voc_search", placeholder="a word or phrase")
theme = b.selectbox("Theme", ["All", *sorted(themes["theme"])] if not themes.empty else ["All"], key="voc_theme")
mood = c.selectbox("Sentiment", ["All", "positive", "neutral", "negative"], key="voc_sentiment")
# Employees' comments never show (or filter by) the person's own eNPS: see cx_metrics.voc.Verbatims.
group = d.selectbox("Score group", ["All", "promoter", "passive", "detractor"], key="voc_group") if kind == "cx" else "All"
page_no = st.number_input("Page", min_value=1, value=1, step=1, key="voc_page")
result = load(voc.verbatims, f, kind, search.strip(), None if theme == "All" else theme,
              None if mood == "All" else mood, None if group == "All" else group, int(page_no))
pages = max(1, -(-result.total // voc.PAGE_SIZE))
st.caption(f"{result.total:,} comments · page {int(page_no)} of {pages:,} · newest first")
st.dataframe(result.rows, key="verbatims_table", hide_index=True, column_config={
    "submitted_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD"),
    "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
    "comment": st.column_config.TextColumn("Comment", width="large"),
    "score": st.column_config.NumberColumn(score_label),
    "sentiment": st.column_config.NumberColumn(format="%+.2f"),
    "business_unit": "Unit", "channel": "Channel", "journey_stage": "Stage", "themes": "Themes",
})
if kind == "ex":
    st.caption("Employee comments are shown with their month only: never with the person's own eNPS, unit, "
               "department or the day they wrote.")
table_downloads(result.rows, f"comments-{kind}-page-{int(page_no)}", "verbatims")

if user.can("edit_themes"):
    with st.expander("Edit the theme taxonomy"):
        st.caption("A comment mentions a theme when a word in it starts with one of the theme's keywords.")
        with cursor() as cur:
            current = voc.taxonomy(cur, kind)
        edited = st.data_editor(current, key=f"taxonomy_{kind}", num_rows="dynamic", hide_index=True,
                                width="stretch")
        if st.button("Save themes", key="save_themes"):
            try:
                with writing() as con:
                    saved = voc.save_taxonomy(con, kind, pd.DataFrame(edited), actor=user.email)
            except ValueError as exc:
                st.error(f"Themes not saved: {exc}")
            else:
                st.success(f"Saved {saved} keywords. Every chart now uses them.")
