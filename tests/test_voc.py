"""Voice of the customer: themes by SQL matching, sentiment, verbatims, EX comment threshold."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from cx_metrics import audit, db, ex_guard, voc
from cx_metrics.filters import Filters

OCT = Filters(date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture
def con():
    c = db.connect(":memory:")
    yield c
    c.close()


def add(con, rid, comment, nps, month=10, unit="A"):
    con.execute("INSERT INTO cx_responses (response_id, submitted_at, business_unit, nps, comment) VALUES (?, ?, ?, ?, ?)",
                [rid, datetime(2026, month, 5, 9), unit, nps, comment])


def test_themes_by_hand(con):
    add(con, "1", "The delivery was late and the courier rude.", 2)  # delivery (deliver, courier), staff (rude)
    add(con, "2", "Happy with my order.", 10)  # "happy" must not count as "app"
    add(con, "3", "Love the app, checkout is quick.", 9)  # app, waiting time (quick)
    add(con, "4", "Parcel arrived on time.", 8)  # delivery
    add(con, "5", None, 9)  # no comment: not counted
    voc.score_missing(con)
    t = voc.themes(con, OCT).set_index("theme")
    # 4 comments. delivery: 2 mentions (50%), NPS of its comments: one detractor, one passive -> -50
    assert t.loc["delivery", "mentions"] == 2 and t.loc["delivery", "share_pct"] == 50.0
    assert t.loc["delivery", "score"] == -50.0
    assert t.loc["app", "mentions"] == 1 and t.loc["app", "score"] == 100.0
    assert t.loc["staff", "mentions"] == 1 and "returns" not in t.index
    # The late/rude delivery is negative, the loved app positive
    assert t.loc["app", "sentiment"] > 0.05 and t.loc["staff", "sentiment"] < -0.05
    # late -1.5, rude -2.0: N = 3.5 x 1.5 = 5.25, r = -5.25 / 6.25 = -0.84, score -(0.84 - 0.2) / 0.8 = -0.8
    assert t.loc["staff", "sentiment"] == pytest.approx(-0.8)


def test_sentiment_is_scored_once_per_distinct_comment(con):
    for i in range(5):
        add(con, f"r{i}", "Great service, thank you!", 10)
    assert voc.score_missing(con) == 1
    assert voc.score_missing(con) == 0
    (compound,) = con.execute("SELECT compound FROM comment_sentiment").fetchone()
    # great 3.1 + "thank you" 2.0 = 5.1; r = 5.1 / 6.1 = 0.836; (0.836 - 0.2) / 0.8 = 0.7951
    assert compound == pytest.approx(0.7951)


def test_rising_theme_against_the_previous_period(con):
    for i in range(40):  # September: 2 of 40 comments on price; October: 20 of 40
        add(con, f"s{i}", "Too expensive." if i < 2 else "Fine.", 7, month=9)
        add(con, f"o{i}", "Too expensive." if i < 20 else "Fine.", 7, month=10)
    voc.score_missing(con)
    t = voc.themes(con, OCT).set_index("theme")
    assert (t.loc["price", "share_pct"], t.loc["price", "previous_share_pct"]) == (50.0, 5.0)
    assert bool(t.loc["price", "rising"])


def test_verbatims_search_filters_and_paging(con):
    for i in range(30):
        add(con, f"v{i:02d}", f"Comment {i} about the app" if i % 2 else "100% rubbish, dirty store", 9 if i % 3 else 2)
    add(con, "x", "<script>alert(1)</script> nice staff", 10)
    voc.score_missing(con)
    page = voc.verbatims(con, OCT, search="100%")  # % is literal, not a wildcard
    assert page.total == 15 and set(page.rows["comment"]) == {"100% rubbish, dirty store"}
    app = voc.verbatims(con, OCT, theme="app", page=2, page_size=10)
    assert app.total == 15 and len(app.rows) == 5
    detractors = voc.verbatims(con, OCT, nps_group="detractor")
    assert detractors.total == 10 and (detractors.rows["score"] <= 6).all()
    script = voc.verbatims(con, OCT, search="<script>")
    assert list(script.rows["comment"]) == ["<script>alert(1)</script> nice staff"]  # text, untouched
    negative = voc.verbatims(con, OCT, sentiment="negative")
    assert negative.total > 0 and (negative.rows["sentiment"] <= -0.05).all()


def _ex(con, n, unit="A", comment="My manager never gives feedback.", start=0):
    for i in range(start, start + n):
        con.execute("INSERT INTO ex_responses (response_id, submitted_at, business_unit, department, respondent_id,"
                    " enps, comment) VALUES (?, ?, ?, 'Finance', ?, 5, ?)",
                    [f"{unit}{i}", datetime(2026, 10, 3), unit, f"{unit}-{i}", comment])


def ex_units(*units):
    return Filters(OCT.start, OCT.end, business_units=units)


def test_ex_comments_need_ten_people(con):
    _ex(con, 9, "A")
    _ex(con, 12, "B")
    _ex(con, 15, "C")
    ex_guard.ensure_fresh(con)  # rows written by hand: publish the comment cells
    voc.score_missing(con)
    # Comment cells (10 commenters) of October x Finance: B 12 and C 15 stand alone; A's 9 go up the
    # ladder (department, unit, population dropped) to the whole month, where only A's 9 are still
    # unplaced -> never counted. So "all" is B + C = 27, and A is hidden.
    small = voc.verbatims(con, ex_units("A"), "ex")
    assert small.hidden and small.reason == "hidden" and small.total == 0 and small.rows.empty
    assert voc.themes(con, ex_units("A"), "ex").empty and voc.theme_trend(con, ex_units("A"), "ex").empty
    # nine people in A and a searched word common to all: still nothing from A
    assert voc.verbatims(con, ex_units("A"), "ex", search="manager").rows.empty
    assert voc.verbatims(con, OCT, "ex").total == 27
    big = voc.verbatims(con, ex_units("B"), "ex")
    assert not big.hidden and big.reason is None and big.total == 12
    # a person's own eNPS and department, or the day they wrote, never sit beside their comment
    assert list(big.rows.columns) == ["month", "comment", "sentiment", "themes"]
    assert set(big.rows["month"].astype(str)) == {"2026-10-01"}
    with pytest.raises(ValueError, match="anonymity"):
        voc.verbatims(con, ex_units("B"), "ex", nps_group="detractor")


def test_ex_comments_cannot_be_recovered_by_leaving_a_small_group_out(con):
    # "all" minus "B and C" would be D's 3 comments. Comment cells: B 12 and C 15 each stand alone;
    # D's 3 go up to the whole month, where only D's 3 are unplaced -> never counted. So "all" is
    # 12 + 15 = 27, exactly "B and C": the difference is 0 comments, and D alone is hidden.
    _ex(con, 12, "B")
    _ex(con, 15, "C")
    _ex(con, 3, "D")
    ex_guard.ensure_fresh(con)
    voc.score_missing(con)
    everyone, b_and_c = voc.verbatims(con, OCT, "ex"), voc.verbatims(con, ex_units("B", "C"), "ex")
    assert everyone.total == b_and_c.total == 27 and not b_and_c.hidden
    d = voc.verbatims(con, ex_units("D"), "ex")
    assert d.hidden and d.total == 0
    themes_all, themes_bc = voc.themes(con, OCT, "ex"), voc.themes(con, ex_units("B", "C"), "ex")
    assert themes_all.loc[0, "mentions"] == themes_bc.loc[0, "mentions"] == 27  # manager, both
    assert voc.themes(con, ex_units("D"), "ex").empty


def test_ex_theme_figures_come_from_comment_cells_and_have_no_score(con):
    _ex(con, 12, "B")  # 12 people on the manager theme
    _ex(con, 4, "B", "The pay is awful, I am angry.", start=100)  # 4 people on pay
    ex_guard.ensure_fresh(con)
    voc.score_missing(con)
    # One comment cell: October x B x Finance, 16 commenters (>= 10). Themes are counted inside it,
    # so pay's 4 mentions are shown (their comments are in the same list anyway); the eNPS of a
    # theme would tie a comment to a person's answer, so it is always null for employees.
    t = voc.themes(con, OCT, "ex").set_index("theme")
    assert t.loc["manager", "mentions"] == 12 and t.loc["pay", "mentions"] == 4
    assert t.loc["manager", "share_pct"] == 75.0 and t.loc["pay", "share_pct"] == 25.0  # of 16 comments
    assert t["score"].isna().all()
    assert t.loc["pay", "sentiment"] < -0.05 and t.loc["pay", "negative_pct"] == 100.0  # awful, angry
    trend = voc.theme_trend(con, OCT, "ex").set_index("theme")
    assert trend.loc["manager", "sentiment"] == t.loc["manager", "sentiment"] and trend.loc["pay", "mentions"] == 4


def test_taxonomy_edit_is_saved_and_audited(con):
    table = pd.DataFrame({"theme": ["Parking", "price"], "keywords": ["car park, parking", "expensive"]})
    assert voc.save_taxonomy(con, "cx", table, actor="ana@example.com") == 3
    assert list(voc.taxonomy(con, "cx")["theme"]) == ["parking", "price"]
    event = audit.events(con).iloc[0]
    assert (event["actor"], event["action"], event["rows"]) == ("ana@example.com", "themes_saved", 3)
    with pytest.raises(ValueError, match="row 1"):
        voc.save_taxonomy(con, "cx", pd.DataFrame({"theme": ["x"], "keywords": [""]}), actor="a")
    assert list(voc.taxonomy(con, "cx")["theme"]) == ["parking", "price"]


def test_uploaded_comments_get_sentiment(con, tmp_path, monkeypatch):
    from cx_metrics import ingest

    monkeypatch.setenv("CX_PSEUDONYM_KEY", "00" * 32)
    data = b"response_id,submitted_at,nps,comment\nU1,2026-10-02,10,Absolutely wonderful service!\nU2,2026-10-03,1,Terrible and rude.\n"
    parsed = ingest.read_file(data, "c.csv")
    result = ingest.load(con, parsed, ingest.suggest(parsed, "cx", con), actor="t")
    assert result.rows_loaded == 2
    page = voc.verbatims(con, OCT)
    mood = dict(zip(page.rows["comment"], page.rows["sentiment"]))
    # absolutely x1.3 wonderful 2.5 = 3.25 -> r 0.765 -> 0.7059; terrible -2.5, rude -2.0: N = 4.5 x 1.5
    # = 6.75 -> r -0.871 -> -0.8387
    assert mood["Absolutely wonderful service!"] == pytest.approx(0.7059)
    assert mood["Terrible and rude."] == pytest.approx(-0.8387)


def test_theme_chart_says_when_figures_are_withheld():
    from cx_metrics.charts import voc as figures

    t = pd.DataFrame({"theme": ["manager", "pay"], "share_pct": [20.0, 5.0], "sentiment": [0.2, None],
                      "score": [-25.0, None], "rising": [False, False]})
    fig = figures.theme_bars(t, "eNPS")
    texts = [x for trace in fig.data for x in trace.text]
    assert texts == ["20% · sentiment +0.20 · eNPS -25", "5% · sentiment and eNPS hidden (fewer than 5 people)"]
    assert fig.data[1].marker.color == "#d5d5d5"  # grey, not a sentiment colour


def test_benchmark_reports_both_pages_and_leaves_the_database_alone(tmp_path):
    from benchmarks.voc_drivers import bench
    from cx_metrics import demo

    path = tmp_path / "demo.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=5_000, ex_rows=1_000)
    before = con.execute("SELECT count(DISTINCT comment) FROM cx_responses").fetchone()[0]
    con.close()
    out = bench(path, repeat=1)
    assert {"voc_median_s", "drivers_median_s", "voc_unique_median_s"} <= set(out)
    assert all(out[k] > 0 for k in ("voc_median_s", "drivers_median_s", "voc_unique_median_s"))
    con = db.connect(path)
    assert con.execute("SELECT count(DISTINCT comment) FROM cx_responses").fetchone()[0] == before  # a copy was changed
