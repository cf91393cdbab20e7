"""Action plans: the gate (roles, validation, audit), before and after by hand, the CLI, the board pack."""

from __future__ import annotations

import itertools
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from cx_metrics import access, actions, audit, cli, db, kpis, service
from cx_metrics.filters import Filters

ROOT = Path(__file__).resolve().parents[1]
ANALYST = access.User("ana@example.com", "Ana", "analyst")
VIEWER = access.User("vic@example.com", "Vic", "viewer")

#: Hand-made NPS answers for unit "North": (day, score). Three complete months before 2026-11-15
#: are Aug, Sep and Oct 2026. Aug-Oct: 10, 10, 9, 7, 3, 0 -> 3 promoters, 2 detractors of 6:
#: NPS = (3 - 2) / 6 x 100 = 16.67. From 2026-11-15 on: 10, 10, 6 -> (2 - 1) / 3 x 100 = 33.33.
#: "South" answers 0 throughout and must never enter North's figures; July is outside the window.
NORTH = [(date(2026, 8, 3), 10), (date(2026, 9, 9), 10), (date(2026, 10, 1), 9), (date(2026, 10, 20), 7),
         (date(2026, 10, 31), 3), (date(2026, 8, 15), 0), (date(2026, 7, 31), 10),
         (date(2026, 11, 15), 10), (date(2026, 11, 20), 10), (date(2026, 11, 30), 6), (date(2026, 11, 10), 0)]


@pytest.fixture
def con():
    c = db.connect()
    rows = [(f"N{i}", datetime.combine(d, datetime.min.time()), "North", s) for i, (d, s) in enumerate(NORTH)]
    rows += [(f"S{i}", datetime(2026, 9 + i % 3, 5), "South", 0) for i in range(9)]
    c.executemany("INSERT INTO cx_responses (response_id, submitted_at, business_unit, nps) VALUES (?, ?, ?, ?)",
                  rows)
    return c


def make(con, **extra):
    fields = dict(title="Call back every detractor", function="Customer success", owner="Kim", kpi="nps",
                  addresses_kind="unit", addresses="North", target=30, due="2027-01-31",
                  today=date(2026, 11, 15)) | extra
    return actions.add(con, ANALYST, **fields)


def test_before_and_since_by_hand(con):
    action_id = make(con)
    a = actions.get(con, action_id)
    assert (a["baseline_start"], a["baseline_end"]) == (date(2026, 8, 1), date(2026, 10, 31))
    assert (a["baseline"], a["baseline_n"]) == (pytest.approx(100 / 6), 6)
    moved = actions.progress(con, a)
    assert (moved["after"], moved["after_n"]) == (pytest.approx(100 / 3), 3)
    assert moved["change"] == pytest.approx(100 / 3 - 100 / 6)
    assert moved["to_target"] == pytest.approx(30 - 100 / 3)
    # Not narrowed to a group: everyone (North and South) over the same windows, as the scorecard says.
    everyone = actions.get(con, make(con, addresses_kind="theme", addresses="call-backs"))
    want = kpis.scorecard(con, Filters(date(2026, 8, 1), date(2026, 10, 31)), ("nps",))["nps"]
    assert (everyone["baseline"], everyone["baseline_n"]) == (pytest.approx(want.value), want.n)


@pytest.mark.parametrize("day, last, window", [
    (date(2026, 11, 15), date(2026, 11, 30), (date(2026, 8, 1), date(2026, 10, 31))),
    (date(2026, 11, 1), date(2026, 11, 30), (date(2026, 8, 1), date(2026, 10, 31))),
    (date(2026, 12, 2), date(2026, 10, 31), (date(2026, 8, 1), date(2026, 10, 31))),  # data ends before today
    (date(2026, 12, 2), date(2026, 10, 30), (date(2026, 7, 1), date(2026, 9, 30))),  # October incomplete
    (date(2026, 1, 10), date(2026, 12, 31), (date(2025, 10, 1), date(2025, 12, 31))),
])
def test_the_baseline_is_the_three_complete_months_before(day, last, window):
    c = db.connect()
    c.execute("INSERT INTO cx_responses (response_id, submitted_at, nps) VALUES ('a', ?, 9), ('b', ?, 9)",
              [datetime(2024, 1, 1), datetime.combine(last, datetime.min.time())])
    assert actions.baseline_window(c, day) == window


def test_every_day_of_a_year_gives_three_whole_months_ending_before_it():
    c = db.connect()
    c.execute("INSERT INTO cx_responses (response_id, submitted_at, nps) VALUES ('a', DATE '2020-01-01', 9),"
              " ('b', DATE '2030-01-01', 9)")
    for offset in range(366):
        day = date(2026, 1, 1) + timedelta(days=offset)
        start, end = actions.baseline_window(c, day)
        assert start.day == 1 and (end + timedelta(days=1)).day == 1 and end < day
        assert day <= end + timedelta(days=31) and (end.year * 12 + end.month) - (start.year * 12 + start.month) == 2


def test_viewers_read_and_cannot_write(con):
    action_id = make(con)
    with pytest.raises(access.Forbidden):
        actions.add(con, VIEWER, title="x", function="Sales", owner="y", kpi="nps")
    with pytest.raises(access.Forbidden):
        actions.update(con, VIEWER, action_id, status="done")
    assert len(actions.listing(con)) == 1 and actions.get(con, action_id)["status"] == "open"


BAD = [
    ({"title": "  "}, "needs a title"),
    ({"owner": ""}, "needs an owner"),
    ({"function": ""}, "needs a function"),
    ({"kpi": "happiness"}, "unknown KPI"),
    ({"kpi": "nps", "target": 101}, "between -100 and 100"),
    ({"kpi": "csat", "target": -1}, "between 0 and 100"),
    ({"kpi": "ces", "target": 7.5}, "between 1 and 7"),
    ({"target": "lots"}, "must be a number"),
    ({"due": "31/01/2027"}, "YYYY-MM-DD"),
    ({"addresses_kind": "planet", "addresses": "Mars"}, "addresses one of"),
    ({"addresses_kind": None, "addresses": "North"}, "what kind of thing"),
    ({"title": "x" * 201}, "at most 200"),
]


@pytest.mark.parametrize("change, message", BAD)
def test_a_bad_field_is_refused_in_one_sentence_and_nothing_is_written(con, change, message):
    with pytest.raises(ValueError, match=message):
        make(con, **change)
    assert actions.listing(con).empty and audit.events(con).empty


def test_targets_over_a_grid_of_kpis_and_values():
    """The rule: a target is accepted exactly when the KPI can reach it."""
    for key, value in itertools.product(kpis.KPIS, [-101, -100, -1, 0, 0.5, 1, 5, 7, 7.01, 50, 100, 100.01]):
        low, high = {"nps": (-100, 100), "mean": (1, 7)}.get(kpis.KPIS[key].method,
                                                              (-100, 100) if key == "nps" else (0, 100))
        ok = low <= value <= high
        try:
            actions._target(key, value)
        except ValueError:
            assert not ok, (key, value)
        else:
            assert ok, (key, value)


def test_updates_are_audited_field_by_field_and_a_no_op_writes_nothing(con):
    action_id = make(con)
    assert actions.update(con, ANALYST, action_id, status="in progress", progress=40, owner="Kim") == {
        "status": ["open", "in progress"], "progress": [0, 40]}
    assert actions.update(con, ANALYST, action_id, status="in progress") == {}
    assert actions.update(con, ANALYST, action_id, status="done") == {"status": ["in progress", "done"],
                                                                       "progress": [40, 100]}
    with pytest.raises(ValueError, match="cannot change created_by"):
        actions.update(con, ANALYST, action_id, created_by="someone else")
    with pytest.raises(ValueError, match="between 0 and 100"):
        actions.update(con, ANALYST, action_id, progress=101)
    events = audit.events(con, object=f"action {action_id}")
    assert list(events["action"]) == ["action_updated", "action_updated", "action_created"]
    assert json.loads(events["details"].iloc[0]) == {"status": ["in progress", "done"], "progress": [40, 100]}
    created = json.loads(events["details"].iloc[-1])
    assert created["title"] == "Call back every detractor" and created["baseline_n"] == 6
    assert set(events["actor"]) == {ANALYST.email}


def test_function_names_are_known_or_custom(con):
    assert actions.get(con, make(con, function="  customer SUCCESS "))["function"] == "Customer success"
    assert actions.get(con, make(con, function="Legal"))["function"] == "Legal"


def test_only_the_actions_module_writes_the_actions_table():
    """The gate: no other module or page inserts, updates or deletes actions (or acknowledgements)."""
    writes = re.compile(r"(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(actions|alert_acks)\b", re.I)
    owners = {"cx_metrics/actions.py": "actions", "cx_metrics/alerts.py": "alert_acks"}
    for path in [*ROOT.glob("cx_metrics/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]:
        rel = path.relative_to(ROOT).as_posix()
        for m in writes.finditer(path.read_text()):
            assert owners.get(rel) == m.group(2).lower(), f"{rel} writes {m.group(2)} around the gate"


def test_the_cli_adds_lists_and_updates_and_the_board_pack_shows_it(tmp_path, capsys):
    from pptx import Presentation

    from cx_metrics import boardpack, demo
    path = tmp_path / "cli.duckdb"
    with service.writer(path) as con:
        demo.build(con, cx_rows=20_000, ex_rows=6_000)
    assert cli.main(["actions", "add", "--db", str(path), "--title", "Shorten the checkout queue",
                     "--function", "operations", "--owner", "Sam Ortiz", "--kpi", "csat", "--target", "80",
                     "--due", "2027-02-28", "--addresses-kind", "unit", "--addresses", "Grocery"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert (added["action_id"], added["function"], added["due"], added["status"]) == (1, "Operations", "2027-02-28",
                                                                                       "open")
    assert cli.main(["actions", "update", "1", "--db", str(path), "--status", "in progress", "--progress", "25"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] == {"status": ["open", "in progress"], "progress": [0, 25]}
    assert cli.main(["actions", "list", "--db", str(path), "--format", "json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    con = service.read(path)
    before = kpis.scorecard(con, Filters(date.fromisoformat(listed["baseline_start"]),
                                         date.fromisoformat(listed["baseline_end"]), business_units=("Grocery",)),
                            ("csat",))["csat"]
    assert (listed["before"], listed["before_n"]) == (round(before.value, 2), before.n)
    assert (listed["status"], listed["progress"], listed["kpi_label"]) == ("in progress", 25, "CSAT")
    assert list(audit.events(con, object="action 1")["action"]) == ["action_updated", "action_created"]
    # Bad input: one line, status 2, nothing changed.
    assert cli.main(["actions", "update", "1", "--db", str(path), "--progress", "130"]) == 2
    assert capsys.readouterr().err.strip() == "error: progress is between 0 and 100 percent, not 130"
    assert cli.main(["actions", "update", "9", "--db", str(path), "--status", "done"]) == 2
    assert capsys.readouterr().err.strip() == "error: no action 9"
    # The board pack's actions slide lists it with its progress and its KPI before.
    out = tmp_path / "pack.pptx"
    boardpack.write(path, None, "previous", out, ("actions",))
    cells = [[c.text for c in row.cells] for slide in Presentation(out).slides for shape in slide.shapes
             if shape.has_table for row in shape.table.rows]
    row = next(r for r in cells if r[0] == "Shorten the checkout queue")
    assert row[1] == "Sam Ortiz (Operations)" and row[2] == "In progress, 25% done, due 2027-02-28"
    assert row[3].startswith(f"CSAT in Grocery: {before.value:.1f}% from {before.n:,} answers before;")
