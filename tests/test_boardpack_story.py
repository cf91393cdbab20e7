"""The deck's story: the headline slide, what customers say, and the actions.

Decks are written with ``python -m cx_metrics boardpack`` for the last complete quarter
(no dates given: Q3 2026 on the demo) and read back with python-pptx. The quotes are
checked against an independent computation in Python (regular expressions, hashlib's
MD5 and statistics.median) of the rule in :func:`cx_metrics.boardpack_story.representative_quotes`.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from cx_metrics import boardpack, boardpack_story as story, db, demo, drivers, ex_guard, kpis
from cx_metrics.filters import Filters

ROOT = Path(__file__).resolve().parents[1]
Q3 = Filters(date(2026, 7, 1), date(2026, 9, 30))
OWNERS = {"Customer success", "Operations", "Marketing", "Sales", "HR", "Finance", "Digital", "Logistics"}
#: Words an executive should not meet on these slides or in their notes.
JARGON = ["p =", "p <", "p-value", "Wilson", "k=", "r =", "R²", "((", "ENPS", "python -m", "VADER", "compound",
          "cx_responses", "comment_sentiment", "ex_reporting", "significant"]
ATTRIBUTION = re.compile(r"^— (?P<who>[A-Z][a-z]+(?: [a-z]+)*), (?P<month>[A-Z][a-z]{2} \d{4})$")


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("story") / "demo.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=40_000, ex_rows=12_000)
    con.close()
    return path


def run_cli(path: Path, out: Path, *extra: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "cx_metrics", "boardpack", "--db", str(path), *extra, "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def texts(slide) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text]


def table_rows(slide) -> list[list[str]]:
    tables = [s.table for s in slide.shapes if s.has_table]
    if not tables:
        return []
    (table,) = tables
    return [[c.text for c in row.cells] for row in table.rows]


def slide_titled(prs, title: str):
    (slide,) = [s for s in prs.slides if texts(s) and texts(s)[0] == title]
    return slide


def notes(slide) -> str:
    return slide.notes_slide.notes_text_frame.text


def assert_plain(text: str) -> None:
    for word in JARGON:
        assert word not in text, (word, text)
    assert not re.search(r"\bCI\b", text), text


def no_pictures(slide) -> bool:
    return not [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


@pytest.fixture(scope="module")
def deck(demo_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("deck") / "story.pptx"
    return run_cli(demo_path, out), Presentation(str(out))


# --- An independent computation of the quotes ------------------------------------------

def expected_quotes(path: Path, filters: Filters, n: int = 3) -> dict[str, list[tuple[str, str | None, datetime]]]:
    """Theme -> [(comment, segment, submitted_at)] by the documented rule, in plain Python."""
    con = db.connect(path)
    try:
        taxonomy: dict[str, list[str]] = {}
        for theme, keyword in con.execute("SELECT theme, keyword FROM themes WHERE kind = 'cx'").fetchall():
            taxonomy.setdefault(theme, []).append(keyword)
        scores = dict(con.execute("SELECT comment_hash, compound FROM comment_sentiment").fetchall())
        where, params = ["submitted_at >= ?", "submitted_at < ?"], [filters.start, filters.end + timedelta(days=1)]
        for column, values in filters.active().items():
            where.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params += list(values)
        rows = con.execute(f"SELECT response_id, comment, segment, submitted_at FROM cx_responses "
                           f"WHERE comment IS NOT NULL AND {' AND '.join(where)}", params).fetchall()
    finally:
        con.close()
    rows = [r for r in rows if r[1].strip()]
    patterns = {t: re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(words)) + ")")
                for t, words in taxonomy.items()}
    hits = {t: [r for r in rows if p.search(r[1].lower())] for t, p in patterns.items()}
    top = sorted((t for t in hits if hits[t]), key=lambda t: (-len(hits[t]), t))[:3]
    out = {}
    for theme in top:
        scored = [(r, scores[hashlib.md5(r[1].encode()).hexdigest()]) for r in hits[theme]
                  if hashlib.md5(r[1].encode()).hexdigest() in scores]
        mid = statistics.median(s for _, s in scored)
        latest: dict[str, tuple] = {}
        for r, s in scored:
            if r[1] not in latest or (r[3], r[0]) > (latest[r[1]][0][3], latest[r[1]][0][0]):
                latest[r[1]] = (r, s)

        def rank(text: str) -> tuple:
            readable = 40 <= len(text) <= 220 and "\n" not in text
            return (not readable, abs(latest[text][1] - mid), text)

        chosen = sorted(latest, key=rank)[:n]
        out[theme] = [(t, latest[t][0][2], latest[t][0][3]) for t in chosen]
    return out


def quote_rows(prs) -> list[tuple[str, str, str]]:
    rows = table_rows(slide_titled(prs, "What customers say"))
    assert rows[0] == ["Theme", "What they said", "Who, when"]
    return [(theme, said.strip("“”"), who) for theme, said, who in rows[1:]]


# --- The deck, read back ------------------------------------------------------------------

def test_deck_order_headline_then_summary_then_sections_quotes_and_actions(deck):
    result, prs = deck
    assert result["period"] == "Q3 2026 (1 Jul – 30 Sep 2026), the last complete quarter"
    assert result["sections"] == ["headline", "summary", "overview", "cx_ex", "units", "journey", "drivers", "voc",
                                  "quotes", "actions"]
    assert [texts(s)[0] for s in prs.slides][1:3] == ["Three things to know", "Executive summary"]
    assert [texts(s)[0] for s in prs.slides][-2:] == ["What customers say", "Actions and owners"]


def test_slide_2_is_the_headline_in_three_plain_sentences(demo_path, deck):
    _, prs = deck
    headline = prs.slides[1]
    rows = table_rows(headline)
    assert rows[0] == ["Question", "Answer"]
    assert [r[0] for r in rows[1:]] == ["What changed?", "Why?", "What do we do?"]
    answers = [r[1] for r in rows[1:]]
    for sentence in answers:
        assert sentence[:1].isupper() and sentence.endswith(".") and len(sentence) > 30, sentence
        assert_plain(sentence)
    assert notes(headline).splitlines()[:3] == answers
    assert_plain(notes(headline))
    assert no_pictures(headline)
    # What changed: the demo's Q3 has no change beyond the margin of error and big enough to matter.
    con = db.connect(demo_path)
    figures = {k: s.as_json() for k, s in kpis.scorecard(con, Q3, boardpack.TILE_KPIS, "previous").items()}
    material = kpis.materiality(con)
    weak_ex = drivers.drivers(con, Q3, "enps", boot=0).table
    con.close()
    assert not [k for k in figures if kpis.verdict(k, figures[k], material[k]) in ("rise", "fall")]
    assert answers[0] == ("No headline figure moved by enough to matter against the previous calendar quarter. "
                          f"NPS is {figures['nps']['value']:.1f} and eNPS is {figures['enps']['value']:.1f}.")
    # Why: names the employee drivers to fix first (the demo's Q3 has no customer one).
    fix = weak_ex[weak_ex["quadrant"] == "fix first"]["attribute"].tolist()
    assert fix and all(a in answers[1] for a in fix[:2])
    # What we do: the first row of the actions slide.
    action, owner, _ = table_rows(slide_titled(prs, "Actions and owners"))[1]
    assert answers[2] == f"First action: {action[:1].lower()}{action[1:]}, led by {owner}."


def test_quotes_are_verbatim_comments_of_the_quarter_by_segment_and_month(demo_path, deck):
    _, prs = deck
    rows = quote_rows(prs)
    con = db.connect(demo_path)
    comments = {c for (c,) in con.execute(
        "SELECT DISTINCT comment FROM cx_responses WHERE submitted_at >= ? AND submitted_at < ?",
        [Q3.start, Q3.end + timedelta(days=1)]).fetchall() if c}
    units = {u for (u,) in con.execute("SELECT DISTINCT business_unit FROM cx_responses").fetchall()}
    segments = {s for (s,) in con.execute("SELECT DISTINCT segment FROM cx_responses").fetchall()}
    con.close()
    want = expected_quotes(demo_path, Q3)
    assert len(want) == 3
    for theme in want:
        assert sum(r[0].lower() == theme for r in rows) >= 3, theme
    for theme, said, who in rows:
        assert said in comments, said  # verbatim, and written in Q3
        m = ATTRIBUTION.match(who)
        assert m, who
        assert datetime.strptime(m["month"], "%b %Y").date() in {date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)}
        assert m["who"].lower().removesuffix(" customer") in segments
        assert not any(u in who for u in units) and not re.search(r"\d{1,2} [A-Z][a-z]{2}|C\d{6}|R\d+", who)
    slide = slide_titled(prs, "What customers say")
    assert no_pictures(slide)
    assert_plain(notes(slide))


def test_each_themes_quotes_are_the_closest_to_its_median_sentiment(demo_path, deck):
    _, prs = deck
    want = expected_quotes(demo_path, Q3)
    got = quote_rows(prs)
    assert [(t.lower(), said) for t, said, _ in got] == [(t, text) for t, quotes in want.items() for text, _, _ in quotes]
    assert [who for _, _, who in got] == [story.attribution(segment, at.date()) for quotes in want.values()
                                          for _, segment, at in quotes]


def test_quotes_follow_the_filters(demo_path, tmp_path):
    out = tmp_path / "ent.pptx"
    run_cli(demo_path, out, "--segment", "enterprise", "--channel", "web")
    f = Filters(Q3.start, Q3.end, segments=("enterprise",), channels=("web",))
    want = expected_quotes(demo_path, f)
    got = quote_rows(Presentation(str(out)))
    assert len(want) == 3 and len(got) == 9
    assert [(t.lower(), said) for t, said, _ in got] == [(t, text) for t, quotes in want.items() for text, _, _ in quotes]
    assert {who for _, _, who in got} <= {f"— Enterprise customer, {m} 2026" for m in ("Jul", "Aug", "Sep")}


def test_actions_name_owners_and_evidence(demo_path, deck):
    _, prs = deck
    slide = slide_titled(prs, "Actions and owners")
    rows = table_rows(slide)
    assert rows[0] == ["Action", "Owner", "Why"]
    assert rows[1:] and {owner for _, owner, _ in rows[1:]} <= OWNERS
    con = db.connect(demo_path)
    weak = drivers.drivers(con, Q3, "enps", boot=0).table
    con.close()
    for attribute in weak[weak["quadrant"] == "fix first"]["attribute"]:
        action, owner = story.owner_for("ex", attribute)
        assert [action, owner] in [r[:2] for r in rows[1:]]
        assert any(r[2].startswith(attribute.capitalize()) for r in rows[1:])
    for _, _, why in rows[1:]:
        assert_plain(why)
    assert no_pictures(slide)
    assert_plain(notes(slide))


# --- Empty data: the story still builds and says so -----------------------------------------

@pytest.fixture(scope="module")
def bare_path(tmp_path_factory) -> Path:
    """A demo with responses but no comments and no attribute ratings (so no themes, no drivers)."""
    path = tmp_path_factory.mktemp("bare") / "bare.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=3_000, ex_rows=1_500)
    con.execute("UPDATE cx_responses SET comment = NULL")
    con.execute("UPDATE ex_responses SET comment = NULL")
    con.execute("DELETE FROM attribute_ratings")
    ex_guard.refresh(con)
    db.bump_data_version(con)
    con.close()
    return path


def test_without_comments_or_drivers_the_slides_say_so(bare_path, tmp_path):
    out = tmp_path / "bare.pptx"
    result = run_cli(bare_path, out)
    assert result["sections"][:2] == ["headline", "summary"] and result["sections"][-2:] == ["quotes", "actions"]
    prs = Presentation(str(out))
    quotes = slide_titled(prs, "What customers say")
    assert not table_rows(quotes)
    assert "No customer comment in this period mentions a theme, so there is nothing to quote." in texts(quotes)
    actions = slide_titled(prs, "Actions and owners")
    assert not table_rows(actions)  # no drivers, no themes, and every unit's base is under 30 answers
    nothing = ("No action can be proposed: this period has no themed comments and too few attribute ratings, "
               "and no unit's NPS fell by enough to matter.")
    assert nothing in texts(actions)
    headline = table_rows(prs.slides[1])
    assert [r[0] for r in headline[1:]] == ["What changed?", "Why?", "What do we do?"]
    assert headline[2][1] == "This period has no themed comments and too few attribute ratings to explain the figures."
    assert headline[3][1] == nothing
    for slide in (prs.slides[1], quotes, actions):
        assert no_pictures(slide)
        assert_plain(notes(slide))


# --- The rules, one by one --------------------------------------------------------------------

MATERIAL = dict(kpis.MATERIALITY_DEFAULTS)
COMPARISON = "the previous calendar quarter"


def j(value: float, delta: float | None, significant: bool, **extra) -> dict:
    return {"value": value, "delta": delta, "significant": significant, **extra}


@pytest.mark.parametrize(("figures", "sentence"), [
    # NPS −3.1 is 1.55 times its 2-point threshold; CSAT +1.5 is 1.5 times its 1 point: NPS is the story.
    ({"nps": j(14.2, -3.1, True), "csat": j(74.0, 1.5, True), "enps": j(12.0, 0.5, False)},
     "NPS fell 3.1 points to 14.2 against the previous calendar quarter, a real change, beyond the margin of error."),
    ({"nps": j(14.2, -2.5, True), "csat": j(74.0, 2.8, True)},
     "CSAT rose 2.8 points to 74.0% against the previous calendar quarter, a real change, beyond the margin of "
     "error."),
    # Beyond the margin of error but too small to matter, or big but within it: no story.
    ({"nps": j(14.2, -1.5, True), "enps": j(12.0, 6.0, False)},
     "No headline figure moved by enough to matter against the previous calendar quarter. NPS is 14.2 and eNPS is "
     "12.0."),
    # A hidden eNPS is neither the story nor quoted.
    ({"nps": j(14.2, None, False), "enps": {"value": None, "delta": None, "reason": "hidden"}},
     "No headline figure moved by enough to matter against the previous calendar quarter. NPS is 14.2."),
    ({}, "No headline figure moved by enough to matter against the previous calendar quarter."),
])
def test_what_changed(figures, sentence):
    assert story.what_changed(figures, MATERIAL, COMPARISON) == sentence


@pytest.mark.parametrize(("kind", "name", "owner"), [
    ("cx", "waiting_time", "Operations"),
    ("cx", "waiting time", "Operations"),
    ("cx", "staff", "HR"),
    ("cx", "delivery", "Logistics"),
    ("cx", "price", "Finance"),
    ("cx", "app", "Digital"),
    ("cx", "cleanliness", "Operations"),
    ("cx", "returns", "Customer success"),
    ("ex", "manager", "HR"),
    ("ex", "workload", "Operations"),
    ("ex", "tools", "Digital"),
    ("cx", "advertising", "Marketing"),
    ("cx", "contract renewal", "Sales"),
    ("cx", "billing", "Finance"),
    ("cx", "happiness", "Customer success"),  # "app" only at the start of a word
    ("ex", "canteen", "HR"),
])
def test_owner_for(kind, name, owner):
    action, who = story.owner_for(kind, name)
    assert who == owner and who in OWNERS and action[:1].isupper()


def test_every_owner_is_a_business_function():
    assert story.OWNER_FUNCTIONS == OWNERS


@pytest.mark.parametrize(("segment", "month", "text"), [
    ("small business", date(2026, 9, 14), "— Small business customer, Sep 2026"),
    ("consumer", date(2026, 7, 1), "— Consumer, Jul 2026"),
    ("Business customer", date(2026, 8, 31), "— Business customer, Aug 2026"),
    (None, date(2026, 8, 2), "— Customer, Aug 2026"),
    ("  ", date(2026, 8, 2), "— Customer, Aug 2026"),
])
def test_attribution_is_segment_and_month_only(segment, month, text):
    assert story.attribution(segment, month) == text
