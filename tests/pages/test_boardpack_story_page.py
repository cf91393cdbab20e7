"""The Board pack page previews the story sections (headline, quotes, actions) as tables."""

from __future__ import annotations

from cx_metrics import boardpack_story as story


def test_story_slides_preview_as_tables(make_app, demo_db):
    at = make_app(demo_db).run()
    at.switch_page("pages/boardpack.py").run()
    assert not at.exception
    headline = at.get_by_key("bp_slide_headline")
    (table,) = headline.dataframe
    assert list(table.value.columns) == ["Question", "Answer"]
    assert list(table.value["Question"]) == ["What changed?", "Why?", "What do we do?"]
    (quotes,) = at.get_by_key("bp_slide_quotes").dataframe
    assert list(quotes.value.columns) == ["Theme", "What they said", "Who, when"] and len(quotes.value) == 9
    (actions,) = at.get_by_key("bp_slide_actions").dataframe
    assert set(actions.value["Owner"]) <= story.OWNER_FUNCTIONS
