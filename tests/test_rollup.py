"""Rollups: answers from the cells equal answers from the rows exactly, over a grid of filters, periods,
comparisons, grains and breakdowns; the cells follow every load, replace and undo, and a raw change."""

from __future__ import annotations

import itertools
from dataclasses import asdict
from datetime import date

import pandas as pd
import pytest

from cx_metrics import db, demo, drivers, kpis, rollup, voc
from cx_metrics.filters import Filters
from cx_metrics.ingest import Mapping, load, read_file, suggest, undo

from ingest_helpers import KEY_HEX, csv_bytes


@pytest.fixture(scope="module")
def con():
    c = db.connect()
    demo.build(c, cx_rows=30_000, ex_rows=3_000, seed=7)
    yield c
    c.close()


class Routes:
    """Which relation each customer query read (kpis.source), to prove the grid used the cells."""

    def __init__(self, monkeypatch):
        self.seen: list[str] = []
        original = kpis.source

        def spy(*args, **kwargs):
            found = original(*args, **kwargs)
            self.seen.append(found[0])
            return found

        monkeypatch.setattr(kpis, "source", spy)


def raw(monkeypatch, fn, *args, **kwargs):
    """``fn`` with the rollups switched off: the rows' own answer."""
    with monkeypatch.context() as m:
        m.setattr(rollup, "usable", lambda con, ratings=False: False)
        return fn(*args, **kwargs)


PERIODS = [
    (date(2026, 10, 1), date(2026, 10, 31)),   # a month
    (date(2026, 7, 1), date(2026, 9, 30)),     # a quarter
    (date(2025, 11, 1), date(2026, 10, 31)),   # twelve months
    (date(2026, 10, 5), date(2026, 10, 25)),   # part of a month: day cells only
    (date(2026, 9, 30), date(2026, 9, 30)),    # one day
    (date(2026, 2, 14), date(2026, 5, 3)),     # odd range over a leap-free February
]
FILTERS = [
    {},
    {"business_units": ("Grocery",)},
    {"business_units": ("Grocery", "Travel"), "regions": ("Nordics",)},
    {"journey_stages": ("buy", "get help")},
    {"channels": ("web",)},                                      # month cells only
    {"segments": ("enterprise",), "business_units": ("Insurance",)},    # month cells only
    {"regions": ("DACH",), "channels": ("call centre", "store")},
]


def scores(result: dict) -> dict:
    return {k: asdict(v) for k, v in result.items()}


def test_scorecards_and_trends_from_the_cells_equal_the_rows_exactly(con, monkeypatch):
    routes = Routes(monkeypatch)
    for (start, end), values, compare, grain in itertools.product(PERIODS, FILTERS, [None, "previous", "year"],
                                                                  ["week", "month", "quarter"]):
        f = Filters(start, end, **values)
        window = Filters(date(2025, 11, 1), end, **values)
        cells = kpis.measure(con, f, kpis.CX_KPIS, compare, window, grain)
        rows = raw(monkeypatch, kpis.measure, con, f, kpis.CX_KPIS, compare, window, grain)
        assert scores(cells[0]) == scores(rows[0]), (start, end, values, compare, grain)
        pd.testing.assert_frame_equal(cells[1], rows[1], check_exact=True)
    # The grid really read the cells, both kinds, and fell back to the rows where neither could answer.
    assert {rollup.SMALL, rollup.DAY, rollup.MONTH, "cx_responses"} <= set(routes.seen)


@pytest.mark.parametrize("by", ["business_unit", "region", "journey_stage", "channel", "segment"])
def test_breakdowns_from_the_cells_equal_the_rows_exactly(con, monkeypatch, by):
    routes = Routes(monkeypatch)
    for (start, end), values in itertools.product(PERIODS[:4], FILTERS[:5]):
        f = Filters(start, end, **values)
        for compare, grain in [(None, None), ("previous", None), (None, "month"), (None, "week")]:
            cells = kpis.by_group(con, f, kpis.CX_KPIS, by, compare, grain)
            rows = raw(monkeypatch, kpis.by_group, con, f, kpis.CX_KPIS, by, compare, grain)
            pd.testing.assert_frame_equal(cells, rows, check_exact=True)
    assert set(routes.seen) & {rollup.DAY, rollup.MONTH}


def test_the_cells_hold_every_row_once(con):
    for cells in rollup.CELLS:
        total = con.execute(f"SELECT sum(responses), sum(nps__n), sum(ces__s) FROM {cells.table}").fetchone()
        assert total == con.execute("SELECT count(*), count(nps), sum(ces) FROM cx_responses").fetchone()
        keys = ", ".join((cells.grain, *cells.dims))
        assert con.execute(f"SELECT count(*) = count(DISTINCT ({keys})) FROM {cells.table}").fetchone()[0]
    cells = con.execute(f"SELECT count(*) FROM {rollup.DAY}").fetchone()[0]
    assert cells < con.execute("SELECT count(*) FROM cx_responses").fetchone()[0]
    comments = con.execute("SELECT count(*) FROM cx_responses WHERE trim(comment) <> ''").fetchone()[0]
    for cells in rollup.CELLS:
        assert con.execute(f"SELECT sum(comments) FROM {cells.table}").fetchone()[0] == comments
        keys = ", ".join((cells.grain, *cells.dims, "theme"))
        table = rollup.themes_table(cells)
        assert con.execute(f"SELECT count(*) = count(DISTINCT ({keys})), min(mentions) > 0 FROM {table}"
                           ).fetchone() == (True, True)
    assert con.execute(f"SELECT count(*) FROM {rollup.RATED}").fetchone() == \
        con.execute("SELECT count(*) FROM attribute_ratings WHERE kind = 'cx'").fetchone()


def test_the_rollup_measures_are_the_kpis_own_aggregates():
    want = {n: e for key in kpis.CX_KPIS for n, e in kpis._aggregates(kpis.KPIS[key]).items()}
    assert rollup.MEASURES == want
    ex = {n: e for key in ("enps", "engagement", "satisfaction") for n, e in kpis._aggregates(kpis.KPIS[key]).items()}
    assert rollup.EX_MEASURES == ex


def test_employee_figures_from_the_cells_equal_the_guards_rows_exactly(con, monkeypatch):
    ex_keys = ("enps", "engagement", "satisfaction")
    routes = Routes(monkeypatch)
    for (start, end), units in itertools.product(PERIODS, [(), ("Grocery",), ("Grocery", "Travel", "Banking")]):
        f = Filters(start, end, business_units=units)
        window = Filters(date(2025, 11, 1), end, business_units=units)
        for compare in (None, "previous", "year"):
            with_cells = kpis.measure(con, f, ex_keys, compare, window, "month")
            with monkeypatch.context() as m:
                m.setattr(rollup, "ex_usable", lambda con: False)
                rows = kpis.measure(con, f, ex_keys, compare, window, "month")
            assert scores(with_cells[0]) == scores(rows[0])
            pd.testing.assert_frame_equal(with_cells[1], rows[1], check_exact=True)
        for by in ("population", "business_unit", "department", "tenure_band"):
            with_cells = kpis.by_group(con, f, ex_keys, by, "previous")
            with monkeypatch.context() as m:
                m.setattr(rollup, "ex_usable", lambda con: False)
                rows = kpis.by_group(con, f, ex_keys, by, "previous")
            pd.testing.assert_frame_equal(with_cells, rows, check_exact=True)
    assert rollup.EX in routes.seen


def ingest(c, *lines, replace=False):
    parsed = read_file(csv_bytes(*lines), "f.csv")
    return load(c, parsed, suggest(parsed, "cx"), actor="test", replace=replace)


def test_loads_replaces_and_undos_keep_the_cells_in_step(monkeypatch):
    monkeypatch.setenv("CX_PSEUDONYM_KEY", KEY_HEX)
    c = db.connect()
    f = Filters(date(2026, 1, 1), date(2026, 12, 31))

    def check():
        assert rollup.usable(c)
        assert scores(kpis.scorecard(c, f, kpis.CX_KPIS)) == scores(raw(monkeypatch, kpis.scorecard, c, f,
                                                                          kpis.CX_KPIS))
        for table in (cells.table for cells in rollup.CELLS):
            assert c.execute(f"SELECT coalesce(sum(responses), 0) FROM {table}").fetchone()[0] == \
                c.execute("SELECT count(*) FROM cx_responses").fetchone()[0]

    head = "response_id,submitted_at,business_unit,nps,csat,ces"
    first = ingest(c, head, "a1,2026-03-02,North,10,5,7", "a2,2026-03-02,North,3,2,2", "a3,2026-04-09,South,8,4,5")
    check()
    assert kpis.nps(c, f).value == pytest.approx(0.0)  # 1 promoter, 1 detractor of 3: by hand
    # Replacing a2 moves it to May and makes it a promoter: March's cell loses it, May's gains it.
    ingest(c, head, "a2,2026-05-20,North,9,5,6", replace=True)
    check()
    assert kpis.nps(c, f).value == pytest.approx(200 / 3)  # 2 promoters, 0 detractors of 3
    assert c.execute(f"SELECT sum(responses) FROM {rollup.DAY} WHERE day = DATE '2026-03-02'").fetchone()[0] == 1
    undo(c, first.upload_id, actor="test")
    check()
    assert kpis.nps(c, f).n == 1


def test_rows_changed_by_hand_are_never_answered_from_stale_cells(tmp_path, monkeypatch):
    path = tmp_path / "hand.duckdb"
    c = db.connect(path)
    c.execute("INSERT INTO cx_responses (response_id, submitted_at, nps) VALUES ('a', DATE '2026-01-05', 10)")
    f = Filters(date(2026, 1, 1), date(2026, 1, 31))
    assert not rollup.usable(c)  # the count moved: the rows answer
    assert kpis.nps(c, f).value == 100
    c.close()
    c = db.connect(path)  # a writable connection rebuilds the cells
    assert rollup.usable(c) and kpis.nps(c, f).value == 100
    c.execute("UPDATE cx_responses SET nps = 0")  # same count, other scores
    c.close()
    c = db.connect(path)  # the hash notices
    assert rollup.usable(c) and kpis.nps(c, f).value == -100
    # A rating added by hand: the drivers read the join until a writable connection rebuilds the rated table.
    c.execute("INSERT INTO attribute_ratings (response_id, kind, attribute, score, scale_max, source) "
              "VALUES ('a', 'cx', 'speed', 4, 5, 'manual')")  # cx_responses.source's default
    assert rollup.usable(c) and not rollup.usable(c, ratings=True)
    assert drivers.ratings_matrix(c, f, "nps").to_dict("records") == [{"outcome": 0.0, "speed": 0.8, "weight": 1}]
    c.close()
    c = db.connect(path)
    assert rollup.usable(c, ratings=True)
    assert c.execute(f"SELECT response_id, score FROM {rollup.RATED}").fetchall() == [("a", 0.8)]


def test_journey_tables_from_the_cells_equal_the_rows_exactly(con, monkeypatch):
    from cx_metrics import journey
    for (start, end), values in itertools.product(PERIODS[:4], FILTERS):
        f = Filters(start, end, **values)
        for fn in (journey.stages, journey.stage_channel):
            pd.testing.assert_frame_equal(fn(con, f), raw(monkeypatch, fn, con, f), check_exact=True)


class ThemeRoutes:
    """Which theme cells (or the comments: None) each customer theme query read."""

    def __init__(self, monkeypatch):
        self.seen: list[str | None] = []
        original = voc._cells

        def spy(con, kind, filters):
            found = original(con, kind, filters)
            self.seen.append(found and found[1])
            return found

        monkeypatch.setattr(voc, "_cells", spy)


def test_themes_from_the_cells_equal_the_comments_exactly(con, monkeypatch):
    routes = ThemeRoutes(monkeypatch)
    for (start, end), values in itertools.product(PERIODS, FILTERS):
        f = Filters(start, end, **values)
        for compare in ("previous", "year"):
            cells = voc.themes(con, f, "cx", compare)
            pd.testing.assert_frame_equal(cells, raw(monkeypatch, voc.themes, con, f, "cx", compare),
                                          check_exact=True)
        trend = voc.theme_trend(con, Filters(date(2025, 11, 1), end, **values))
        pd.testing.assert_frame_equal(trend, raw(monkeypatch, voc.theme_trend, con,
                                                 Filters(date(2025, 11, 1), end, **values)), check_exact=True)
    assert {rollup.themes_table(c) for c in rollup.CELLS} | {None} <= set(routes.seen)
    october = voc.themes(con, Filters(*PERIODS[0]), "cx")
    assert october["mentions"].sum() > 200 and october["sentiment"].notna().all()


def test_driver_ratings_from_the_rated_table_equal_the_join_exactly(con, monkeypatch):
    for (start, end), values in itertools.product(PERIODS, FILTERS):
        f = Filters(start, end, **values)
        for outcome in ("nps", "csat"):
            cells = drivers.ratings_matrix(con, f, outcome)
            pd.testing.assert_frame_equal(cells, raw(monkeypatch, drivers.ratings_matrix, con, f, outcome),
                                          check_exact=True)
    # Patterns, weighted: the weights add up to the rated responses of the period.
    f = Filters(*PERIODS[1])
    rated = con.execute("SELECT count(DISTINCT r.response_id) FROM cx_responses r JOIN attribute_ratings a"
                        " USING (response_id) WHERE a.kind = 'cx' AND r.nps IS NOT NULL"
                        " AND r.submitted_at >= ? AND r.submitted_at < ?", [f.start, date(2026, 10, 1)]).fetchone()[0]
    assert drivers.ratings_matrix(con, f, "nps")["weight"].sum() == rated > 100


MAPPING = {"kind": "cx", "columns": {"response_id": "response_id", "submitted_at": "submitted_at",
                                     "business_unit": "business_unit", "nps": "nps", "comment": "comment",
                                     "speed": "attribute:speed", "price": "attribute:price"},
           "scales": {"attribute:speed": {"from": [1, 5]}, "attribute:price": {"from": [1, 5]}}}


def test_theme_and_driver_cells_follow_loads_replaces_undos_and_taxonomy_saves(monkeypatch):
    monkeypatch.setenv("CX_PSEUDONYM_KEY", KEY_HEX)
    c = db.connect()
    f = Filters(date(2026, 3, 1), date(2026, 5, 31))
    mapping = Mapping.from_json(MAPPING)

    def load_lines(lines, replace=False):
        parsed = read_file(csv_bytes("response_id,submitted_at,business_unit,nps,comment,speed,price", *lines),
                           "f.csv")
        return load(c, parsed, mapping, actor="test", replace=replace)

    def check():
        assert rollup.usable(c)
        for fn, args in ((voc.themes, (c, f, "cx", "previous")), (voc.theme_trend, (c, f, "cx")),
                         (drivers.ratings_matrix, (c, f, "nps"))):
            pd.testing.assert_frame_equal(fn(*args), raw(monkeypatch, fn, *args), check_exact=True)
        return voc.themes(c, f, "cx").set_index("theme")["mentions"].to_dict()

    first = load_lines([f"a{i},2026-03-0{1 + i % 9},North,{i % 11},The delivery was late,{1 + i % 5},{5 - i % 5}"
                        for i in range(30)])
    assert check() == {"delivery": 30}
    # b1 moves to April and its comment to the staff; 5 more staff comments, one of them blank.
    second = load_lines([f"b{i},2026-04-1{i},South,9,{'Helpful staff' if i else ''},4,2" for i in range(6)])
    assert check() == {"delivery": 30, "staff": 5}
    load_lines(["a1,2026-04-20,North,10,Staff were rude,5,5"], replace=True)
    assert check() == {"delivery": 29, "staff": 6}
    undo(c, second.upload_id, actor="test")
    assert check() == {"delivery": 29, "staff": 1}
    voc.save_taxonomy(c, "cx", pd.DataFrame({"theme": ["lateness", "staff"], "keywords": ["late", "rude"]}),
                      actor="test")
    assert check() == {"lateness": 29, "staff": 1}
    undo(c, first.upload_id, actor="test")  # a1 stays: the replace loaded it
    assert check() == {"staff": 1}
    assert drivers.ratings_matrix(c, f, "nps")["weight"].tolist() == [1]
