"""The Voice of the customer page through AppTest: themes and verbatims are cx_metrics.voc's."""

from __future__ import annotations

from cx_metrics import ex_guard, voc
from pagetools import default_filters, with_con

PAGE = "pages/voc.py"


def comments(at):
    """The verbatims table (the page also has the taxonomy editor)."""
    [frame] = [d.value for d in at.dataframe if "comment" in d.value.columns]
    return frame


def open_page(make_app, path):
    at = make_app(path)
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def test_verbatims_and_search(make_app, demo_db):
    at = open_page(make_app, demo_db)
    f = default_filters(demo_db)
    want = with_con(demo_db, voc.verbatims, f, "cx")
    caption = [c.value for c in at.main.caption if "comments ·" in c.value][0]
    assert caption.startswith(f"{want.total:,} comments · page 1 of")
    shown = comments(at)
    assert list(shown["comment"]) == list(want.rows["comment"])
    at.text_input(key="voc_search").set_value("app").run()
    want = with_con(demo_db, voc.verbatims, f, "cx", "app")
    assert comments(at)["comment"].str.contains("app", case=False).all()
    assert [c.value for c in at.main.caption if "comments ·" in c.value][0].startswith(f"{want.total:,} comments")


def test_theme_filter_and_rising_text(make_app, demo_db):
    at = open_page(make_app, demo_db)
    themes = with_con(demo_db, voc.themes, default_filters(demo_db), "cx", "previous")
    assert at.selectbox(key="voc_theme").options == ["All", *sorted(themes["theme"])]
    at.selectbox(key="voc_theme").set_value("delivery").run()
    assert not at.exception
    assert comments(at)["themes"].str.contains("delivery").all()


def test_small_ex_group_comments_are_hidden(make_app, small_ex_db):
    at = open_page(make_app, small_ex_db)
    at.segmented_control(key="voc_kind").set_value("ex").run()
    assert not at.exception
    # Sep 2026 has 3 people, Oct 2026 4 (conftest), none of them commented: no comment cell
    # (which needs 10 commenters). The months have responses, so the reason is "hidden", the
    # same whether the small group wrote comments or not.
    want = with_con(small_ex_db, voc.verbatims, default_filters(small_ex_db), "ex")
    assert want.reason == "hidden" and want.hidden and want.total == 0
    assert at.warning[0].value == (f"Employee comments: {ex_guard.REASONS['hidden']}. "
                                   "Widen the filters or the period to see them.")
    assert len(at.dataframe) == 0


def test_employee_comments_without_their_scores(make_app, demo_db):
    at = open_page(make_app, demo_db)
    at.segmented_control(key="voc_kind").set_value("ex").run()
    assert not at.exception
    want = with_con(demo_db, voc.verbatims, default_filters(demo_db), "ex")
    assert not want.hidden and want.total >= 10
    shown = comments(at)
    assert list(shown["comment"]) == list(want.rows["comment"])
    assert "score" not in shown.columns and "department" not in shown.columns
    assert not [s for s in at.selectbox if s.key == "voc_group"]  # no eNPS-group filter for employees
    themes = with_con(demo_db, voc.themes, default_filters(demo_db), "ex", "previous")
    assert at.selectbox(key="voc_theme").options == ["All", *sorted(themes["theme"])]
