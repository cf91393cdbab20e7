"""The Key drivers page through AppTest: the statement and table are cx_metrics.drivers'."""

from __future__ import annotations

from cx_metrics import drivers, ex_guard
from pagetools import default_filters, with_con

PAGE = "pages/drivers.py"


def test_drivers_page_shows_the_analysis(make_app, demo_db):
    at = make_app(demo_db)
    at.switch_page(PAGE).run()
    assert not at.exception and at.title[0].value == "Key drivers"
    want = with_con(demo_db, drivers.drivers, default_filters(demo_db), "nps", "pairwise")
    text = "\n".join(m.value for m in at.main.markdown)
    assert f"explain **{100 * want.r2:.0f}%** of the variance in NPS" in text
    assert f"**{want.table['attribute'].iloc[0]}** matters most" in text
    shown = at.dataframe[0].value
    assert list(shown["attribute"]) == list(want.table["attribute"])
    # switching to employees and to complete cases recomputes
    at.segmented_control(key="driver_outcome").set_value("enps").run()
    at.radio(key="driver_missing").set_value("complete").run()
    assert not at.exception
    want = with_con(demo_db, drivers.drivers, default_filters(demo_db), "enps", "complete")
    assert list(at.dataframe[0].value["attribute"]) == list(want.table["attribute"])
    assert "Complete cases" in " ".join(c.value for c in at.main.caption)


def test_drivers_page_with_too_little_data(make_app, small_ex_db):
    at = make_app(small_ex_db)
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "Too few responses with ratings" in at.warning[0].value


def test_employee_drivers_of_a_small_group_are_hidden(make_app, small_ex_db):
    at = make_app(small_ex_db)
    at.switch_page(PAGE).run()
    at.segmented_control(key="driver_outcome").set_value("enps").run()
    assert not at.exception
    # Sep 2026 has 3 people, Oct 2026 4 (conftest): no reporting cell, so no rated cell either.
    # The months have responses, so the reason is "hidden" (not "no_data").
    want = with_con(small_ex_db, drivers.drivers, default_filters(small_ex_db), "enps")
    assert want.hidden and want.table.empty
    assert at.warning[0].value == want.note == f"Employee drivers: {ex_guard.REASONS['hidden']}."
    assert len(at.dataframe) == 0
