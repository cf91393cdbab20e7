"""Units league table, journey map and internal (EX) breakdowns: hand cases and
agreement with the scorecard of each group."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from cx_metrics import db, demo, ex_guard, internal, journey, kpis, units
from cx_metrics.filters import JOURNEY_STAGES, Filters

OCT = Filters(date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture(scope="module")
def small():
    con = db.connect(":memory:")
    demo.build(con, cx_rows=30_000, ex_rows=10_000, seed=3)
    yield con
    con.close()


def test_league_cells_equal_each_units_scorecard(small):
    f = Filters(date(2026, 8, 1), date(2026, 10, 31))
    table = units.league(small, f, "previous")
    for unit in ("Grocery", "Travel"):
        want = kpis.scorecard(small, Filters(f.start, f.end, business_units=(unit,)), units.LEAGUE_KPIS, "previous")
        got = table[table["group"] == unit].set_index("kpi")
        for key in ("nps", "csat", "ces"):  # CX: no anonymity interplay
            assert got.loc[key, "value"] == pytest.approx(want[key].value)
            assert got.loc[key, "delta"] == pytest.approx(want[key].delta)
            assert got.loc[key, "n"] == want[key].n


def test_cell_text_never_relies_on_colour():
    row = {"kpi": "nps", "value": 38.24, "delta": 4.2, "significant": True, "low_base": False, "suppressed": False}
    assert units.cell_text(row) == "38.2 ▲+4.2 pts"
    assert units.cell_text(row | {"significant": False}) == "38.2 ·+4.2 pts"
    assert units.cell_text(row | {"delta": -1.0}) == "38.2 ▼-1.0 pts"
    assert units.cell_text(row | {"low_base": True, "delta": float("nan")}) == "38.2 (low base)"
    assert units.cell_text(row | {"suppressed": True}) == "hidden"


def _cx(con, stage, channel, scores, day=5):
    for i, s in enumerate(scores):
        con.execute("INSERT INTO cx_responses (response_id, submitted_at, journey_stage, channel, nps, csat)"
                    " VALUES (?, ?, ?, ?, ?, 5)", [f"{stage}{channel}{i}", datetime(2026, 10, day), stage, channel, s])


def test_stages_by_hand():
    con = db.connect(":memory:")
    # buy: 30 answers via web, 20 promoters, 5 detractors -> NPS 50, detractors 16.7%
    _cx(con, "buy", "web", [10] * 20 + [7] * 5 + [3] * 5)
    # get help: 40 answers, 10 promoters, 20 detractors -> NPS -25 (the weakest), detractors 50%
    _cx(con, "get help", "call centre", [9] * 10 + [8] * 10 + [0] * 20)
    # renew: 2 answers only (low base): NPS -100, excluded from "weakest"
    _cx(con, "renew", "app", [0, 0])
    s = journey.stages(con, OCT)
    assert list(s["stage"]) == ["buy", "get help", "renew"]  # journey order, stages with data
    got = s.set_index("stage")
    assert got.loc["buy", "nps"] == pytest.approx(50.0) and got.loc["buy", "detractors_pct"] == pytest.approx(100 * 5 / 30)
    assert got.loc["get help", "nps"] == pytest.approx(-25.0) and got.loc["get help", "detractors_pct"] == 50.0
    assert list(s["weakest"]) == [False, True, False]
    assert bool(got.loc["renew", "low_base"]) and got.loc["renew", "volume"] == 2
    heat = journey.stage_channel(con, OCT)
    assert list(zip(heat["stage"], heat["channel"], heat["n"])) == [
        ("buy", "web", 30), ("get help", "call centre", 40), ("renew", "app", 2)]


def test_stage_nps_equals_the_scorecard_with_that_stage(small):
    f = Filters(date(2026, 5, 1), date(2026, 10, 31), segments=("enterprise",))
    s = journey.stages(small, f).set_index("stage")
    for stage in JOURNEY_STAGES:
        want = kpis.nps(small, Filters(f.start, f.end, segments=("enterprise",), journey_stages=(stage,)))
        assert s.loc[stage, "nps"] == pytest.approx(want.value) and s.loc[stage, "nps_n"] == want.n


def _ex(con, department, n, score=10, start=0):
    for i in range(n):
        con.execute("INSERT INTO ex_responses (response_id, submitted_at, department, respondent_id, enps)"
                    " VALUES (?, ?, ?, ?, ?)", [f"{department}{i}", datetime(2026, 10, 3), department,
                                                f"{department}-{start + i}", score])


def test_a_department_of_three_cannot_be_recovered_from_the_total():
    con = db.connect(":memory:")
    _ex(con, "Sales", 40, 10)
    _ex(con, "Ops", 30, 7)
    _ex(con, "Legal", 3, 0)  # the secret: all three are detractors
    ex_guard.ensure_fresh(con)  # rows written by hand: publish the reporting cells
    # Cells of October: Sales 40 and Ops 30 stand alone; Legal's 3 go up the ladder (department,
    # unit, population dropped) to the whole month, where only Legal's 3 are unplaced -> never
    # counted. So the total is Sales + Ops: 70 people, eNPS 100 * (40 - 0) / 70 = 57.14.
    total = kpis.enps(con, OCT)
    assert total.shown and total.n == 70 and total.value == pytest.approx(400 / 7)
    b = internal.breakdown(con, OCT, "department", compare=None)
    enps = b[b["kpi"] == "enps"].set_index("group")
    assert bool(enps.loc["Legal", "suppressed"]) and pd.isna(enps.loc["Legal", "value"])
    assert enps.loc["Legal", "reason"] == "hidden"
    assert enps.loc["Ops", "value"] == 0.0 and enps.loc["Ops", "n"] == 30  # all passives
    assert enps.loc["Sales", "value"] == 100.0 and enps.loc["Sales", "n"] == 40
    # the total minus every shown department is 0 people: Legal's 3 are in no figure at all
    shown = enps[~enps["suppressed"].astype(bool)]["n"].sum()
    assert total.n - shown == 0


def test_breakdown_rejects_unknown_columns():
    with pytest.raises(ValueError, match="by must be one of"):
        internal.breakdown(db.connect(":memory:"), OCT, "salary")


@pytest.mark.parametrize(("filters", "why"), [
    (Filters(date(2026, 9, 1), date(2026, 9, 30)), "no_data"),  # no employee answered in September
    (Filters(date(2026, 10, 1), date(2026, 10, 31), channels=("web",)), "filter"),  # employees have no channel
    (Filters(date(2026, 10, 2), date(2026, 10, 30)), "period"),  # holds no month's first day
])
def test_no_data_is_not_shown_as_hidden(filters, why):
    """"Hidden" means a group exists but is too small. Where the organisation has no employee
    figure at all for these filters, departments and units get no hidden rows: no data, a dash."""
    con = db.connect(":memory:")
    _ex(con, "Sales", 40, 10)  # October only
    _ex(con, "Legal", 3, 0)
    _cx(con, "buy", "web", [10] * 30)
    ex_guard.ensure_fresh(con)
    assert kpis.enps(con, filters).reason == why
    assert internal.breakdown(con, filters, "department", compare=None).empty
    league = units.league(con, filters, "previous")
    assert not league["suppressed"].astype(bool).any()
    # ...while in October, when the organisation answered, Legal's 3 are hidden (and Sales shown)
    october = internal.breakdown(con, OCT, "department", compare=None)
    hidden = october[october["suppressed"].astype(bool) & (october["kpi"] == "enps")]
    assert set(hidden["group"]) == {"Legal"} and set(hidden["reason"]) == {"hidden"}
