"""The Settings page through AppTest: targets in, targets saved, targets used.

AppTest can read a data_editor (``.value`` is the table the page passed in)
but not type into it; a keyed editor is edited by assigning its edit state
(edited_rows / added_rows / deleted_rows) on ``at.session_state`` before a
run, which is what the browser sends too.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cx_metrics import audit, db, fmt, kpis
from pagetools import OVERVIEW_PAGE, SETTINGS_PAGE, default_filters, expected, tile_badge, with_con

DEFAULT_TARGETS = {"ces": 5.0, "csat": 80.0, "engagement": 70.0, "enps": 20.0, "nps": 30.0, "retention": 90.0}


def settings(make_app, path):
    at = make_app(path).run()
    at.switch_page(SETTINGS_PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Settings"
    return at


def facts(at) -> dict[str, str]:
    """The Database table: fact -> value."""
    (table,) = at.table
    return table.value["value"].to_dict()


def edit_state(edited_rows=None, added_rows=None, deleted_rows=None) -> dict:
    return {"edited_rows": edited_rows or {}, "added_rows": added_rows or [], "deleted_rows": deleted_rows or []}


def db_targets(path) -> dict[str, float]:
    t = with_con(path, kpis.targets)
    return dict(zip(t["kpi"], t["value"]))


def test_targets_table_shows_the_database_targets(make_app, demo_db):
    at = settings(make_app, demo_db)
    editor = at.data_editor(key="targets_editor")
    assert editor.editing_mode == "dynamic"
    want = with_con(demo_db, kpis.targets)
    pd.testing.assert_frame_equal(editor.value.reset_index(drop=True), want, check_dtype=False)
    assert dict(zip(editor.value["kpi"], editor.value["value"])) == DEFAULT_TARGETS
    assert set(editor.value["business_unit"]) == {"all"}


def test_database_table_shows_schema_and_data_version(make_app, demo_db):
    at = settings(make_app, demo_db)
    shown = facts(at)
    assert shown["File"] == str(demo_db)
    assert shown["Schema version"] == str(db.SCHEMA_VERSION) == str(with_con(demo_db, db.schema_version))
    assert shown["Data version"] == str(with_con(demo_db, db.data_version))


def test_saving_the_unchanged_table_bumps_the_data_version(make_app, demo_db_copy):
    at = settings(make_app, demo_db_copy)
    before = int(facts(at)["Data version"])
    at.button(key="save_targets").click().run()
    assert not at.exception
    (success,) = at.success
    assert success.value.startswith("Saved 6 targets")
    assert int(facts(at)["Data version"]) == before + 1 == with_con(demo_db_copy, db.data_version)
    assert db_targets(demo_db_copy) == DEFAULT_TARGETS


def test_target_changed_in_the_database_reaches_the_overview_badge(make_app, demo_db_copy):
    at = make_app(demo_db_copy).run()
    f = default_filters(demo_db_copy)
    want = expected(demo_db_copy, f).tiles["nps"]
    assert tile_badge(at, "nps").endswith(f"{want.status.capitalize()} · target 30.0]")

    table = with_con(demo_db_copy, kpis.targets)
    table.loc[table["kpi"] == "nps", "value"] = 35.0
    assert with_con(demo_db_copy, kpis.save_targets, table, actor="tester") == 6

    at.run()  # same session: the bumped data version must bypass the cached overview
    assert not at.exception
    want = expected(demo_db_copy, f).tiles["nps"]
    assert want.target == 35.0
    assert tile_badge(at, "nps").endswith(f"{want.status.capitalize()} · target {fmt.value('nps', 35.0)}]")


def test_editing_a_target_on_the_page_saves_it(make_app, demo_db_copy):
    at = settings(make_app, demo_db_copy)
    kpi_order = list(at.data_editor(key="targets_editor").value["kpi"])
    at.session_state["targets_editor"] = edit_state(edited_rows={kpi_order.index("nps"): {"value": 12.0}})
    at.button(key="save_targets").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Saved 6 targets")
    assert db_targets(demo_db_copy) == DEFAULT_TARGETS | {"nps": 12.0}
    # Local mode: the audit log names the local user.
    event = with_con(demo_db_copy, audit.events).iloc[0]
    assert (event["actor"], event["action"]) == ("local", "targets_saved")

    at.switch_page(OVERVIEW_PAGE).run()
    assert not at.exception
    tile = expected(demo_db_copy, default_filters(demo_db_copy)).tiles["nps"]
    assert tile.score.value > 12.0 and tile.status == "on track"
    assert tile_badge(at, "nps") == ":green-badge[:material/check_circle: On track · target 12.0]"


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (edit_state(added_rows=[{"kpi": "nps", "business_unit": "all", "value": 40.0}]),
         "each KPI may have one target per business unit"),
        (edit_state(edited_rows={0: {"value": None}}), "row 1: target value is missing"),
    ],
)
def test_invalid_targets_are_refused_and_nothing_changes(make_app, demo_db_copy, state, message):
    at = settings(make_app, demo_db_copy)
    version = with_con(demo_db_copy, db.data_version)
    at.session_state["targets_editor"] = state
    at.button(key="save_targets").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [f"Targets not saved: {message}"]
    assert len(at.success) == 0
    assert db_targets(demo_db_copy) == DEFAULT_TARGETS
    assert with_con(demo_db_copy, db.data_version) == version


def test_unit_target_applies_when_that_unit_is_selected(make_app, demo_db_copy):
    at = settings(make_app, demo_db_copy)
    at.session_state["targets_editor"] = edit_state(
        added_rows=[{"kpi": "nps", "business_unit": "Grocery", "value": 45.0}]
    )
    at.button(key="save_targets").click().run()
    assert at.success[0].value.startswith("Saved 7 targets")

    at.switch_page(OVERVIEW_PAGE).run()
    assert "target 30.0]" in tile_badge(at, "nps")
    at.multiselect(key="bu").set_value(["Grocery"]).run()
    assert not at.exception
    assert "target 45.0]" in tile_badge(at, "nps")


def test_settings_page_works_on_an_empty_database(make_app, empty_db):
    at = settings(make_app, empty_db)
    assert dict(zip(at.data_editor(key="targets_editor").value["kpi"],
                    at.data_editor(key="targets_editor").value["value"])) == DEFAULT_TARGETS
    assert facts(at)["Schema version"] == str(db.SCHEMA_VERSION)


def test_the_changes_that_matter_are_edited_saved_and_audited(make_app, demo_db_copy):
    at = settings(make_app, demo_db_copy)
    assert at.number_input(key="material_nps").value == 2.0  # the defaults: 2 points for NPS,
    assert at.number_input(key="material_csat").value == 1.0  # 1 point for percentages
    at.number_input(key="material_nps").set_value(3.0)
    at.button(key="save_materiality").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Saved.")
    assert with_con(demo_db_copy, kpis.materiality)["nps"] == 3.0
    events = with_con(demo_db_copy, lambda con: con.execute(
        "SELECT actor, details FROM audit_log WHERE action = 'materiality_saved'").fetchall())
    assert len(events) == 1 and '"nps": 3.0' in events[0][1]


def test_a_negative_threshold_is_refused_and_nothing_changes(demo_db_copy):
    con = db.connect(demo_db_copy)
    try:
        with pytest.raises(ValueError, match="cannot be below 0"):
            kpis.save_materiality(con, {"nps": -1}, actor="tester")
        with pytest.raises(ValueError, match="not a number"):
            kpis.save_materiality(con, {"csat": "lots"}, actor="tester")
        assert kpis.materiality(con) == kpis.MATERIALITY_DEFAULTS
    finally:
        con.close()
