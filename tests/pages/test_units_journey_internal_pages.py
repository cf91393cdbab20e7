"""Units, Customer journey and Employees and partners pages through AppTest:
what they show equals cx_metrics' own results."""

from __future__ import annotations

from cx_metrics import fmt, internal, journey, kpis, units
from pagetools import default_filters, with_con


def open_page(make_app, path, page, **params):
    at = make_app(path, **params)
    at.switch_page(page).run()
    assert not at.exception
    return at


def test_units_page_drills_into_the_chosen_unit(make_app, demo_db):
    at = open_page(make_app, demo_db, "pages/units.py")
    assert at.title[0].value == "Units compared"
    f = default_filters(demo_db)
    table = with_con(demo_db, units.league, f, "previous")
    assert at.selectbox(key="unit").options == sorted(table["group"].unique())
    at.selectbox(key="unit").set_value("Travel").run()
    assert not at.exception
    assert len(at.main.get("plotly_chart")) == 5  # league, regions, NPS, eNPS, journey
    assert len(at.main.get("download_button")) >= 2


def test_journey_page_names_the_weakest_stage(make_app, demo_db):
    at = open_page(make_app, demo_db, "pages/journey.py", segment=["enterprise"])
    f = default_filters(demo_db, segments=("enterprise",))
    stages = with_con(demo_db, journey.stages, f)
    weak = stages[stages["weakest"]].iloc[0]
    text = "\n".join(m.value for m in at.main.markdown)
    assert f"The weakest stage is **{weak['stage']}**: NPS **{fmt.value('nps', weak['nps'])}**" in text
    for row in stages.to_dict("records"):
        box = at.get_by_key(f"stage_{row['stage'].replace(' ', '_')}")
        assert box.metric[0].value == fmt.value("nps", row["nps"])
    assert "enterprise" in at.main.caption[0].value


def test_internal_page_hides_small_groups(make_app, small_ex_db):
    at = open_page(make_app, small_ex_db, "pages/internal.py")
    employees = at.get_by_key("pop_employee")
    assert [m.value for m in employees.metric] == ["hidden", "hidden", "hidden"]  # 4 respondents


def test_internal_page_values_equal_breakdown(make_app, demo_db):
    at = open_page(make_app, demo_db, "pages/internal.py")
    f = default_filters(demo_db)
    pops = with_con(demo_db, internal.breakdown, f, "population", "previous")
    employee = pops[(pops["group"] == "employee") & (pops["kpi"] == "enps")].iloc[0]
    assert at.get_by_key("pop_employee").metric[0].value == fmt.value("enps", employee["value"])
    dept = at.dataframe[0].value
    want = with_con(demo_db, internal.breakdown, f, "department", "previous")
    first = want[want["kpi"] == "enps"].iloc[0]
    assert dept.loc[first["group"], kpis.KPIS["enps"].label].startswith(fmt.value("enps", first["value"]))


def test_units_page_notes_instead_of_an_empty_enps_chart(make_app, demo_db):
    at = open_page(make_app, demo_db, "pages/units.py", channel=["web"])
    keys = [c.key for c in at.main.get("plotly_chart")]
    assert "unit_enps" not in keys and "unit_nps" in keys
    assert "Employee figures have no channel: clear the channel filter to see eNPS." in [i.value for i in at.info]


def test_journey_counts_say_what_they_count(make_app, demo_db):
    """A stage has more responses than NPS answers (some skip the question): both numbers are
    shown, each named, and the NPS figures (sentence, heat map, ribbon) count NPS answers."""
    at = open_page(make_app, demo_db, "pages/journey.py")
    stages = with_con(demo_db, journey.stages, default_filters(demo_db))
    assert (stages["volume"] > stages["nps_n"]).any(), "the demo data should have responses without an NPS"
    for row in stages.to_dict("records"):
        box = at.get_by_key(f"stage_{row['stage'].replace(' ', '_')}")
        assert f"{row['volume']:,} responses, {row['nps_n']:,} with an NPS answer" in box.caption[0].value
    weak = stages[stages["weakest"]].iloc[0]
    assert f"{int(weak['nps_n']):,} NPS answers." in "\n".join(m.value for m in at.main.markdown)
    assert any("n counts NPS answers" in c.value for c in at.main.caption)


def test_units_table_says_no_data_not_hidden_where_employees_did_not_answer(make_app, small_ex_db):
    """small_ex_db: customers answered in Aug-Oct 2026, employees only in Sep-Oct (too few: hidden).
    August has no employee response at all, so the league table has no "hidden" eNPS cell."""
    import json

    def cells(at):
        (spec,) = [json.loads(c.proto.spec) for c in at.main.get("plotly_chart") if c.key == "league_chart"]
        return [t for row in spec["data"][0]["text"] for t in row]

    august = open_page(make_app, small_ex_db, "pages/units.py", period="Custom", dates=["2026-08-01", "2026-08-31"])
    assert "hidden" not in cells(august)
    october = open_page(make_app, small_ex_db, "pages/units.py", period="Custom", dates=["2026-10-01", "2026-10-31"])
    assert "hidden" in cells(october)  # employees answered, but fewer than 5
