"""The Admin page: roles editor (saved to the roles file, audited) and audit log."""

from __future__ import annotations

import pytest

from cx_metrics import access, audit
from pagetools import with_con

ADMIN_PAGE = "pages/admin.py"


@pytest.fixture
def roles_file(tmp_path, monkeypatch):
    path = tmp_path / "roles.toml"
    monkeypatch.setenv("CX_ROLES", str(path))
    return path


def edit_state(added_rows=(), edited_rows=None, deleted_rows=()):
    return {"edited_rows": edited_rows or {}, "added_rows": list(added_rows), "deleted_rows": list(deleted_rows)}


def admin(make_app, path):
    at = make_app(path)
    at.switch_page(ADMIN_PAGE).run()
    assert not at.exception
    return at


def test_admin_adds_a_rule_and_the_log_shows_it(make_app, demo_db_copy, roles_file):
    at = admin(make_app, demo_db_copy)
    assert at.title[0].value == "Admin"
    assert "single-user local mode" in at.info[0].value
    at.selectbox(key="roles_default").set_value("viewer")
    at.session_state["roles_editor"] = edit_state(
        added_rows=[{"kind": "domain", "name": "Example.com", "role": "analyst"}])
    at.button(key="save_roles").click().run()
    assert at.success[0].value.startswith("Roles saved")
    rules = access.load_rules(roles_file)
    assert (rules.default, rules.domains) == ("viewer", {"example.com": "analyst"})
    log = at.dataframe[-1].value  # the audit log, redrawn after the save
    events = with_con(demo_db_copy, audit.events)
    assert list(events["action"])[:1] == ["roles_saved"] and events.iloc[0]["actor"] == "local"
    assert '"role": "analyst"' in events.iloc[0]["details"]
    assert list(log["action"]) == ["roles_saved"]


def test_bad_rule_is_refused_and_nothing_is_written(make_app, demo_db_copy, roles_file):
    at = admin(make_app, demo_db_copy)
    at.session_state["roles_editor"] = edit_state(added_rows=[{"kind": "user", "name": "", "role": "viewer"}])
    at.button(key="save_roles").click().run()
    assert at.error[0].value == "Roles not saved: row 1: the user name is empty"
    assert not roles_file.exists()
    assert with_con(demo_db_copy, audit.events).empty


def test_roles_file_edited_by_hand_is_audited_when_the_app_opens_the_database(make_app, demo_db_copy, roles_file):
    roles_file.write_text('default = "viewer"\n[users]\n"ceo@example.com" = "admin"\n')
    at = admin(make_app, demo_db_copy)
    events = with_con(demo_db_copy, audit.events)
    assert list(events["action"]) == ["roles_file_changed"]
    assert events.iloc[0]["sha256"] == access.file_sha256(roles_file)
    # the page shows the file's rules
    assert at.selectbox(key="roles_default").value == "viewer"


def test_audit_log_filters_by_action(make_app, demo_db_copy, roles_file):
    with_con(demo_db_copy, audit.record, "a@x.com", "targets_saved", "targets")
    with_con(demo_db_copy, audit.record, "b@x.com", "undo", "upload-1", rows=5)
    at = admin(make_app, demo_db_copy)
    at.selectbox(key="audit_action").set_value("undo").run()
    table = at.dataframe[-1].value
    assert list(table["actor"]) == ["b@x.com"] and list(table["rows"]) == [5]
    assert "1 event shown (at most 1,000)." in [c.value for c in at.main.caption]
