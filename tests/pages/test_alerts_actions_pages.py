"""The Alerts and Actions pages through AppTest: the alerts are cx_metrics.alerts', acknowledging and
"Create action" work, an action made on the page is stored and listed with its KPI before, viewers read."""

from __future__ import annotations

from datetime import date

import pytest

from cx_metrics import access, actions, alerts, audit, db, kpis
from pagetools import with_con

ALERTS_PAGE, ACTIONS_PAGE = "pages/alerts.py", "pages/actions.py"


@pytest.fixture
def drop_db(demo_db_copy):
    """The small demo (too small to move by itself) with 600 detractors planted in Grocery's last complete
    month, with comments about the parcel arriving late: an NPS fall that is an alert."""
    con = db.connect(demo_db_copy)
    first, _ = alerts.latest_complete_month(kpis.data_range(con)[1])
    con.execute("""INSERT INTO cx_responses (response_id, submitted_at, business_unit, region, channel, segment,
                       journey_stage, nps, comment)
                   SELECT 'planted-' || i, ?::TIMESTAMP + INTERVAL (i % 28) DAY, 'Grocery', 'North', 'web',
                          'consumer', 'buy', 0, 'The parcel arrived late'
                   FROM range(600) t(i)""", [first])
    db.bump_data_version(con)
    con.close()
    return demo_db_copy


def open_page(make_app, path, page):
    at = make_app(path).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def expected_alerts(path):
    return with_con(path, alerts.alerts, None, kpis.Filters(date(2000, 1, 1), date(2000, 1, 1)))


def test_the_alerts_page_lists_cx_metrics_alerts_with_both_windows(make_app, drop_db):
    want = expected_alerts(drop_db)
    assert len(want) > 0
    at = open_page(make_app, drop_db, ALERTS_PAGE)
    assert at.title[0].value == "Alerts"
    assert [m.value for m in at.metric] == [str(len(want)), str(len(want)), str(want.attrs["tested"])]
    first = want.iloc[0]
    box = at.get_by_key(f"alert_{first['key']}")
    assert first["sentence"] in [m.value for m in box.markdown]
    (stats_line,) = [c.value for c in box.caption if c.value.startswith("Now ")]
    assert f"n = {first['n']:,}" in stats_line and f"n = {int(first['previous_n']):,}" in stats_line
    assert f"q = {first['q_value']:.4f}" in stats_line


def test_acknowledging_hides_an_alert_from_open_and_is_audited(make_app, drop_db):
    want = expected_alerts(drop_db)
    key = want["key"].iloc[0]
    at = open_page(make_app, drop_db, ALERTS_PAGE)
    at.button(key=f"ack_{key}").click().run()
    assert not at.exception
    assert [m.value for m in at.metric][1] == str(len(want) - 1)
    assert not [b for b in at.button if b.key == f"ack_{key}"]
    assert with_con(drop_db, alerts.acknowledged).keys() == {key}
    assert list(with_con(drop_db, audit.events, action="alert_acknowledged")["object"]) == [key]
    at.segmented_control(key="alerts_show").set_value("All").run()
    box = at.get_by_key(f"alert_{key}")
    assert any(c.value.startswith(":material/done: Acknowledged by local on ") for c in box.caption)


def test_create_action_from_an_alert_fills_the_form_and_stores_it(make_app, drop_db):
    want = expected_alerts(drop_db)
    cx = want[want["dimension"] == "business_unit"].iloc[0]
    at = open_page(make_app, drop_db, ALERTS_PAGE)
    at.button(key=f"act_{cx['key']}").click().run()
    at.switch_page(ACTIONS_PAGE).run()  # st.switch_page in a script does not carry across AppTest runs
    assert not at.exception
    verb = "fall" if cx["direction"] == "fall" else "rise"
    assert at.text_input(key="new_title").value == f"Respond to the {cx['label']} {verb} in {cx['group']}"
    assert at.selectbox(key="new_kpi").value == cx["kpi"]
    assert at.selectbox(key="new_addresses").value == cx["group"]
    assert cx["sentence"] in [i.value for i in at.info]
    at.text_input(key="new_owner").input("Robin Lee")
    at.selectbox(key="new_function").set_value("Sales")
    [b for b in at.button if b.key.startswith("FormSubmitter:new_action")][0].click().run()
    assert not at.exception and not at.error
    stored = with_con(drop_db, actions.listing)
    assert len(stored) == 1
    a = stored.iloc[0]
    assert (a["title"], a["owner"], a["function"], a["kpi"], a["addresses"], a["source"]) == (
        f"Respond to the {cx['label']} {verb} in {cx['group']}", "Robin Lee", "Sales", cx["kpi"], cx["group"],
        f"alert {cx['key']}")
    table = at.dataframe[0].value
    assert list(table["Title"]) == [a["title"]] and list(table["Owner"]) == ["Robin Lee"]
    assert table["Before"].iloc[0] == f"{a['baseline']:.1f} (n = {int(a['baseline_n']):,})"


def test_updating_an_action_on_the_page_shows_progress_and_history(make_app, demo_db_copy):
    with_con(demo_db_copy, actions.add, access.local_user(), title="Fix the app login", function="Operations",
             owner="Jo", kpi="nps")
    at = open_page(make_app, demo_db_copy, ACTIONS_PAGE)
    at.selectbox(key="update_status").set_value("in progress")
    at.slider(key="update_progress").set_value(60)
    [b for b in at.button if b.key.startswith("FormSubmitter:update_action")][0].click().run()
    assert not at.exception
    assert at.success[0].value == "Action 1: status, progress saved."
    table = at.dataframe[0].value
    assert (table["Status"].iloc[0], table["Progress"].iloc[0]) == ("in progress", 60)
    history = at.dataframe[-1].value
    assert list(history["action"]) == ["action_updated", "action_created"]


@pytest.fixture
def viewer(monkeypatch):
    from pages import shared
    monkeypatch.setattr(shared, "current_user", lambda: access.User("v@example.com", "V", "viewer"))


def test_a_viewer_reads_alerts_and_actions_but_cannot_change_them(make_app, drop_db, viewer):
    with_con(drop_db, actions.add, access.local_user(), title="Fix the app login", function="Operations",
             owner="Jo", kpi="nps")
    at = open_page(make_app, drop_db, ALERTS_PAGE)
    assert at.metric and not [b for b in at.button if b.key.startswith(("ack_", "act_"))]
    at.switch_page(ACTIONS_PAGE).run()
    assert list(at.dataframe[0].value["Title"]) == ["Fix the app login"]
    assert not [b for b in at.button if "new_action" in b.key or "update_action" in b.key]


@pytest.mark.parametrize("page, prefix", [("pages/units.py", "act_unit_"), ("pages/drivers.py", "act_driver_"),
                                          ("pages/voc.py", "act_theme_")])
def test_a_unit_row_weak_driver_or_rising_theme_becomes_a_drafted_action(make_app, drop_db, page, prefix):
    at = open_page(make_app, drop_db, page)
    buttons = [b for b in at.button if b.key.startswith(prefix)]
    for outcome in ("csat", "enps", "engagement") if page == "pages/drivers.py" else ():
        if buttons:
            break
        at.segmented_control(key="driver_outcome").set_value(outcome).run()
        buttons = [b for b in at.button if b.key.startswith(prefix)]
    assert buttons, f"no '{prefix}' button on {page}"
    name = buttons[0].key.removeprefix(prefix)
    buttons[0].click().run()
    at.switch_page(ACTIONS_PAGE).run()
    assert not at.exception
    title = at.text_input(key="new_title").value
    assert title and at.text_input(key="new_owner").value == ""
    if prefix == "act_unit_":
        assert at.selectbox(key="new_addresses").value == name and name in title
    else:
        assert at.text_input(key="new_addresses").value == name
