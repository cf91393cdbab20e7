"""The Board pack page's Schedules section through AppTest: an analyst creates and stops schedules,
the list shows them with their latest send, a viewer sees the list and no form.

What the page saved is read back with cx_metrics (:func:`cx_metrics.schedules.stored`) on the same file.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from cx_metrics import access, audit, schedules
from pagetools import AUTH, rendered_text, with_con

PAGE = "pages/boardpack.py"
ANALYST = access.User("ana@example.com", "Ana", "analyst")


def page(make_app, path, **query):
    at = make_app(path, **query).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def listed(at) -> list[dict]:
    """The schedules table (AppTest does not expose a dataframe's key, so via its container)."""
    (table,) = at.get_by_key("schedule_list_box").dataframe
    return table.value.to_dict("records")


def test_an_analyst_creates_a_deck_schedule_with_the_sidebar_filters(make_app, demo_db_copy):
    at = page(make_app, demo_db_copy, bu="Grocery")
    assert [i.value for i in at.get_by_key("schedule_list_box").info] == ["No schedules yet."]
    at.text_input(key="schedule_name").input("Monthly board pack")
    at.radio(key="schedule_format").set_value("pptx")
    at.multiselect(key="schedule_sections").set_value(["overview", "units"])
    at.number_input(key="schedule_day").set_value(5)
    at.text_area(key="schedule_recipients").input("a@example.com, b@example.com\nc@example.com")
    at.button(key="schedule_create").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == ("Created schedule 1, Monthly board pack: monthly on day 5. The next "
                                   "`schedule run` sends it.")
    (saved,) = with_con(demo_db_copy, schedules.stored)
    assert (saved.name, saved.kind, saved.format, saved.sections, saved.cadence, saved.day) == (
        "Monthly board pack", "deck", "pptx", ("overview", "units"), "monthly", 5)
    assert saved.filters == {"business_units": ("Grocery",)} and saved.created_by == access.LOCAL_USER
    assert saved.recipients == ("a@example.com", "b@example.com", "c@example.com")
    assert listed(at) == [{"schedule_id": 1, "name": "Monthly board pack", "what": "Board pack (PPTX): overview, units",
                           "when": "monthly on day 5", "recipients": "a@example.com, b@example.com, c@example.com",
                           "filters": "business unit: Grocery", "active": True, "status": "not sent yet"}]
    assert with_con(demo_db_copy, audit.events, action="schedule_saved").iloc[0]["actor"] == access.LOCAL_USER


def test_a_weekly_digest_and_a_refused_address(make_app, demo_db_copy):
    at = page(make_app, demo_db_copy)
    at.text_input(key="schedule_name").input("Alerts")
    at.radio(key="schedule_kind").set_value("digest")
    at.radio(key="schedule_cadence").set_value("weekly").run()
    with pytest.raises(KeyError):
        at.radio(key="schedule_format")  # a digest has no file
    at.selectbox(key="schedule_weekday").set_value(4)
    at.text_area(key="schedule_recipients").input("ops@example.com, nobody")
    at.button(key="schedule_create").click().run()
    assert [e.value for e in at.error] == ["Schedule not created: 'nobody' is not an e-mail address."]
    assert with_con(demo_db_copy, schedules.stored) == []
    at.text_area(key="schedule_recipients").input("ops@example.com")
    at.button(key="schedule_create").click().run()
    assert not at.error
    (row,) = listed(at)
    assert (row["what"], row["when"], row["recipients"]) == ("Alerts digest", "weekly on Thursday", "ops@example.com")


def test_the_list_shows_the_latest_send_and_an_analyst_can_deactivate(make_app, demo_db_copy):
    con_args = schedules.Schedule("Digest", "digest", "monthly", 1, ("a@example.com",))

    def seed(con):
        s = schedules.add(con, con_args, user=ANALYST)
        schedules.record(con, s, "2026-12", at=datetime(2026, 12, 1, 7), error="the mail server answered 451 busy",
                         attachment=None, actor="tester")

    with_con(demo_db_copy, seed)
    at = page(make_app, demo_db_copy)
    assert listed(at)[0]["status"] == ("failed 2026-12 on 2026-12-01 07:00 (retried at the next run): "
                                       "the mail server answered 451 busy")
    assert at.selectbox(key="schedule_pick").value == 1
    at.button(key="schedule_deactivate").click().run()
    assert at.success[0].value == "Schedule 1, Digest, is deactivated; its sends stay recorded."
    assert listed(at)[0]["active"] is False
    assert [s.active for s in with_con(demo_db_copy, schedules.stored)] == [False]


@pytest.fixture
def as_viewer(make_app, tmp_path, monkeypatch):
    roles = tmp_path / "roles.toml"
    roles.write_text(access.dump_rules(access.RoleRules(users={"ceo@example.com": "viewer"})))
    monkeypatch.setenv("CX_ROLES", str(roles))

    def make(path):
        at = make_app(path)
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": True, "email": "ceo@example.com", "name": "Ceo", "email_verified": True}
        return at

    return make


def test_a_viewer_sees_the_list_but_no_form(as_viewer, demo_db_copy):
    with_con(demo_db_copy, schedules.add, schedules.Schedule("Board", "deck", "weekly", 1, ("a@example.com",)),
             user=ANALYST)
    at = as_viewer(demo_db_copy).run()
    at.switch_page(PAGE).run()
    assert not at.exception and at.title[0].value == "Board pack"
    assert [r["name"] for r in listed(at)] == ["Board"]
    for key in ("schedule_name", "schedule_create", "schedule_deactivate"):
        with pytest.raises(KeyError):
            at.get_by_key(key)
    assert "Analysts and admins can add and stop schedules." in rendered_text(at)
