"""Sign-in and roles through AppTest: what each kind of user gets, page by page.

With an ``[auth]`` section in the secrets, app.py requires sign-in; roles
come from a roles file (``$CX_ROLES``). Every page refuses a user whose role
lacks its permission, even when reached directly (switch_page = a typed URL).
"""

from __future__ import annotations

import pytest

from cx_metrics import access, audit, kpis
from pagetools import AUTH, OVERVIEW_PAGE, SETTINGS_PAGE, with_con

ROLES = access.dump_rules(access.RoleRules(
    default="none",
    users={"ceo@example.com": "viewer", "ana@example.com": "analyst", "root@example.com": "admin"},
))


@pytest.fixture
def signed_in(make_app, tmp_path, monkeypatch):
    """``signed_in(db, email or None)``: an AppTest with sign-in on, as that user."""
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLES)
    monkeypatch.setenv("CX_ROLES", str(roles))

    def make(path, email):
        at = make_app(path)
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": False} if email is None else {
            "is_logged_in": True, "email": email, "name": email.split("@")[0].title(), "email_verified": True}
        return at

    return make


def refusal(at) -> str:
    return " ".join(e.value for e in at.error)


def test_anonymous_visitor_sees_only_the_sign_in_page(signed_in, demo_db):
    at = signed_in(demo_db, None).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Experience dashboard"]
    assert at.button(key="sign_in").label == "Sign in"
    assert len(at.metric) == 0 and "period" not in [w.key for w in at.selectbox]
    for page in (SETTINGS_PAGE, OVERVIEW_PAGE):  # a typed URL reaches the page, which asks to sign in
        at.switch_page(page).run()
        assert not at.exception
        assert [i.value for i in at.info] == ["Please sign in to see this page."]
        assert at.button(key="sign_in").label == "Sign in"
        assert [t.value for t in at.title] == [] and len(at.metric) == 0
        assert "period" not in [w.key for w in at.selectbox]  # no filters: they would list units


def test_viewer_sees_the_overview_but_is_refused_settings(signed_in, demo_db):
    at = signed_in(demo_db, "ceo@example.com").run()
    assert not at.exception
    assert at.title[0].value == "Executive overview"
    assert any("Ceo" in c.value and "viewer" in c.value for c in at.sidebar.caption)
    at.switch_page(SETTINGS_PAGE).run()
    assert "This page needs the **analyst** role" in refusal(at)
    assert "Your role is **viewer**" in refusal(at)
    assert [t.value for t in at.title] == []  # the page stopped before drawing anything
    with pytest.raises(KeyError):
        at.button(key="save_targets")


def test_analyst_saves_targets_and_the_audit_log_names_them(signed_in, demo_db_copy):
    at = signed_in(demo_db_copy, "Ana@Example.com")  # case does not matter
    at.switch_page(SETTINGS_PAGE).run()
    assert not at.exception and at.title[0].value == "Settings"
    at.button(key="save_targets").click().run()
    assert at.success[0].value.startswith("Saved 6 targets")
    event = with_con(demo_db_copy, audit.events).iloc[0]
    assert (event["actor"], event["action"]) == ("Ana@Example.com", "targets_saved")


def test_signed_in_without_a_role_gets_no_data(signed_in, demo_db):
    at = signed_in(demo_db, "stranger@elsewhere.org").run()
    assert [t.value for t in at.title] == ["No access"]
    assert "has no role here" in refusal(at)
    assert len(at.metric) == 0
    at.switch_page(OVERVIEW_PAGE).run()
    assert "Your role is **none**" in refusal(at)
    assert [t.value for t in at.title] == [] and len(at.metric) == 0


def test_local_mode_is_labelled_and_may_do_everything(make_app, demo_db):
    at = make_app(demo_db).run()
    assert any("Local mode" in c.value for c in at.sidebar.caption)
    at.switch_page(SETTINGS_PAGE).run()
    assert at.title[0].value == "Settings" and not at.error
    assert len(with_con(demo_db, kpis.targets)) == 6
