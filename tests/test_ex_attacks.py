"""A determined reader against EX anonymity: the invariant over a grid, and the listed attacks.

The database plants small groups beside ordinary ones: Skunkworks, a unit of
3 people; a tenure band of 2; a department of 4; 3 vendors; and one person who
answers in a week of their own. Every figure the product can show is taken
from ``report`` (all pages), ``kpis`` and the board pack, over a grid of
filter sets (each unit, unions, all-but-one) and date windows (shifted by 1-6
days, a week inside a month, a quarter).

For each shown employee figure the test takes the responses the guard says are
behind it, recomputes the figure from the raw rows to prove that claim, and
then checks the rule pairwise: the responses in one figure but not in another
come from 0 or at least 5 people (comments: 10).
"""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from cx_metrics import boardpack, cli, db, ex_guard, fmt, page_figures
from cx_metrics.filters import Filters

UNITS = ("Insurance", "Retail", "Skunkworks")
MONTHS = [date(2026, m, 1) for m in range(1, 11)]  # Jan-Oct 2026
K, KC = 5, 10


def _people():
    """(respondent, unit, population, department, tenure_band, base score) for everyone."""
    out = []
    for i in range(24):
        out.append((f"I{i}", "Insurance", "employee", "Legal" if i < 4 else ("Sales" if i < 14 else "Ops"),
                    "<1 year" if i < 2 else ("1-2 years" if i < 12 else "3-5 years"), 6 + i % 5))
    for i in range(22):
        out.append((f"R{i}", "Retail", "employee", "Sales" if i < 11 else "Ops", "1-2 years" if i < 11 else "3-5 years",
                    5 + i % 6))
    for i in range(6):
        out.append((f"S{i}", "Retail", "supplier", "Procurement", None, 7 + i % 3))
    for i in range(3):
        out.append((f"V{i}", "Insurance", "vendor", "Procurement", None, 8))
    for i in range(3):
        out.append((f"K{i}", "Skunkworks", "employee", "Labs", "3-5 years", 0))
    return out


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    path = tmp_path_factory.mktemp("attack") / "attack.duckdb"
    con = db.connect(path)
    ex, ratings, n = [], [], 0
    for m, month in enumerate(MONTHS):
        for who, unit, pop, dept, tenure, base in _people():
            n += 1
            day = 3 + (n * 7) % 20
            if who == "I23":  # one person alone in a week of their own: the last days of the month
                day = 27
            score = max(0, min(10, base + (m + n) % 3 - 1))
            comment = f"{who} says the {('tools', 'pay', 'workload')[n % 3]} are {'fine' if score > 6 else 'bad'}" \
                if (n % 5) != 0 else None
            rid = f"X{n}"
            ex.append((rid, datetime(2026, month.month, day, 9 + n % 8), pop, unit, "North", dept, tenure, who,
                       score, 1 + score // 2.5 if score < 10 else 5, 1 + (score + 1) // 3 if score < 11 else 5,
                       comment))
            if n % 2 == 0:
                for a, s in (("manager", 1 + score % 5), ("pay", 1 + (score + 2) % 5), ("tools", 1 + (score * 3) % 5)):
                    ratings.append((rid, "ex", a, s, 5))
    con.executemany(
        "INSERT INTO ex_responses (response_id, submitted_at, population, business_unit, region, department,"
        " tenure_band, respondent_id, enps, engagement, satisfaction, comment) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], int(min(5, r[9])), int(min(5, r[10])), r[11])
         for r in ex])
    con.executemany("INSERT INTO attribute_ratings (response_id, kind, attribute, score, scale_max)"
                    " VALUES (?,?,?,?,?)", ratings)
    cx = [(f"C{i}", datetime(2026, MONTHS[i % 10].month, 2 + i % 25, 10), UNITS[i % 3], i % 11, 1 + i % 5,
           1 + i % 7, "web" if i % 2 else "store", ("buy", "use", "get help")[i % 3], "waiting was long" if i % 4 == 0
           else None) for i in range(3000)]
    con.executemany("INSERT INTO cx_responses (response_id, submitted_at, business_unit, nps, csat, ces, channel,"
                    " journey_stage, comment) VALUES (?,?,?,?,?,?,?,?,?)", cx)
    con.close()
    con = db.connect(path)  # opening it publishes the reporting cells
    yield path, con
    con.close()


def _windows():
    """Date windows: October and the quarter, each shifted by 1-6 days at either end, a week
    inside a month, two months."""
    out = [(date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 8, 1), date(2026, 10, 31)),
           (date(2026, 10, 12), date(2026, 10, 18)), (date(2026, 9, 1), date(2026, 10, 31))]
    for d in range(1, 7):
        out += [(date(2026, 10, 1) + timedelta(days=d), date(2026, 10, 31)),
                (date(2026, 10, 1) - timedelta(days=d), date(2026, 10, 31)),
                (date(2026, 8, 1), date(2026, 10, 31) - timedelta(days=d))]
    return out


def _unit_sets():
    return [()] + [tuple(c) for r in (1, 2, 3) for c in itertools.combinations(UNITS, r)]


PAGES = [("overview", {}), ("cx_ex", {}), ("units", {}), ("internal", {}), ("drivers", {"outcome": "enps"}),
         ("drivers", {"outcome": "engagement"}), ("voc", {"kind": "ex"})]


def _shown(con):
    """Every employee figure and comment list on the grid: (source, filters, figure or comments)."""
    out = []
    for (start, end), units in itertools.product(_windows(), _unit_sets()):
        f = Filters(start, end, business_units=units)
        for page, options in PAGES:
            rep = page_figures.report(con, page, f, "previous", **options)
            out += [("report:" + page, f, fig) for fig in rep["figures"] if fig["population"] != "customer"]
            if page == "voc":
                out.append(("comments", f, rep["comments"]))
        j = cli.kpis_json(con, f, "previous")
        for key, score in j["ex"].items():
            out.append(("kpis", f, page_figures.figure(key, {}, page_figures._period(f, True), score)))
    return out


GUARDED = {"enps", "engagement", "satisfaction"}


def _members(con, f: Filters, fig: dict) -> frozenset[str]:
    """The responses the guard says are behind a shown employee score figure."""
    period = fig["period"]
    cond = [f"{fig['id']} IS NOT NULL", "month BETWEEN ? AND ?"]
    params: list = [period["start"], period["end"]]
    for col, value in fig["group"].items():
        cond.append(f"{col} = ?")
        params.append(value)
    if f.business_units and "business_unit" not in fig["group"]:
        cond.append("list_contains(?::VARCHAR[], business_unit)")
        params.append(list(f.business_units))
    rows = con.execute(f"SELECT response_id FROM ex_reporting WHERE {' AND '.join(cond)}", params).fetchall()
    return frozenset(r for (r,) in rows)


def _recompute(raw: pd.DataFrame, measure: str, ids: frozenset[str]) -> tuple[float, int]:
    x = raw.loc[list(ids), measure].dropna()
    if measure == "enps":
        return round(100 * ((x >= 9).sum() - (x <= 6).sum()) / len(x), 2), len(x)
    return round(100 * (x >= 4).sum() / len(x), 2), len(x)


def _comment_members(con, f: Filters) -> frozenset[str]:
    first, last = ex_guard.covered_months(f)
    if first is None:
        return frozenset()
    sql = "SELECT response_id FROM ex_reporting_comments WHERE month BETWEEN ? AND ?"
    params: list = [first, last]
    if f.business_units:
        sql += " AND list_contains(?::VARCHAR[], business_unit)"
        params.append(list(f.business_units))
    return frozenset(r for (r,) in con.execute(sql, params).fetchall())


def _pairwise_ok(sets: set[frozenset[str]], person: dict[str, str], k: int) -> list[tuple[int, int]]:
    """Pairs whose one-sided difference comes from 1..k-1 people."""
    bad = []
    sets = sorted(sets, key=len)
    for a, b in itertools.combinations(sets, 2):
        for x, y in ((a, b), (b, a)):
            people = {person[r] for r in x - y}
            if 0 < len(people) < k:
                bad.append((len(x), len(y)))
    return bad


@pytest.fixture(scope="module")
def grid(planted):
    _, con = planted
    return _shown(con)


def test_grid_reaches_every_figure_kind_and_shows_employee_figures(grid):
    ids = {fig["id"] for src, _, fig in grid if src != "comments"}
    assert {"enps", "engagement", "satisfaction", "lag_r", "driver_weight", "theme_mentions"} <= ids
    shown = [fig for src, _, fig in grid if src != "comments" and fig["id"] == "enps" and fig["value"] is not None]
    assert len(shown) > 100


def test_every_shown_score_is_exactly_its_claimed_cells_and_no_two_differ_by_1_to_4_people(planted, grid):
    _, con = planted
    raw = con.execute("SELECT response_id, respondent_id, enps, engagement, satisfaction FROM ex_responses").df()
    person = dict(zip(raw["response_id"], raw["respondent_id"]))
    raw = raw.set_index("response_id")
    sets: dict[str, set[frozenset[str]]] = {m: set() for m in GUARDED}
    checked = 0
    for src, f, fig in grid:
        if src == "comments" or fig["id"] not in GUARDED or fig["value"] is None:
            continue
        ids = _members(con, f, fig)
        value, n = _recompute(raw, fig["id"], ids)
        if fig.get("n") is not None:  # early-warning rows carry the value and the change only
            assert (fig["value"], fig["n"]) == (value, n), (src, f, fig)
        else:
            assert fig["value"] == value, (src, f, fig)
        sets[fig["id"]].add(ids)
        checked += 1
    assert checked > 500
    for measure, found in sets.items():
        assert _pairwise_ok(found, person, K) == [], measure


def test_comment_lists_are_their_cells_and_differ_by_0_or_10_people(planted, grid):
    _, con = planted
    raw = con.execute("SELECT response_id, respondent_id, comment FROM ex_responses").df()
    person = dict(zip(raw["response_id"], raw["respondent_id"]))
    text = dict(zip(raw["response_id"], raw["comment"]))
    sets = set()
    for src, f, comments in grid:
        if src != "comments":
            continue
        ids = _comment_members(con, f)
        assert sorted(c["text"] for c in comments) == sorted(text[i] for i in ids)
        assert all(set(c) == {"text", "population", "month", "theme"} for c in comments)
        assert all(len(c["month"]) == 7 for c in comments)  # YYYY-MM: no day, no time
        sets.add(ids)
    assert any(sets)
    assert _pairwise_ok(sets, person, KC) == []


def test_driver_inputs_differ_by_0_or_5_people(planted, grid):
    _, con = planted
    person = dict(con.execute(
        "SELECT r.rid, e.respondent_id FROM ex_reporting r JOIN ex_responses e USING (response_id)").fetchall())
    sets = set()
    for src, f, fig in grid:
        if src == "comments" or fig["id"] != "driver_r2" or fig["value"] is None:
            continue
        outcome = fig["group"]["outcome"]
        first, last = ex_guard.covered_months(f)
        sql = f"SELECT DISTINCT rid FROM ex_reporting_ratings WHERE {outcome} IS NOT NULL AND month BETWEEN ? AND ?"
        params: list = [first, last]
        if f.business_units:
            sql += " AND list_contains(?::VARCHAR[], business_unit)"
            params.append(list(f.business_units))
        ids = frozenset(r for (r,) in con.execute(sql, params).fetchall())
        assert fig["n"] == len(ids)
        sets.add(ids)
    assert sets
    assert _pairwise_ok(sets, person, K) == []


# --- The attacks as a curious manager would try them --------------------------------------

def _report(con, page, start, end, units=(), **options):
    return page_figures.report(con, page, Filters(start, end, business_units=units), "previous", **options)


def test_union_of_units_minus_one_unit_gives_nothing_about_skunkworks(planted, capsys):
    path, _ = planted
    def enps(*units):
        flags = [x for u in units for x in ("--business-unit", u)]
        assert cli.main(["kpis", "--db", str(path), "--start", "2026-10-01", "--end", "2026-10-31", *flags]) == 0
        return json.loads(capsys.readouterr().out)["ex"]["enps"]
    both, alone, skunk = enps("Insurance", "Skunkworks"), enps("Insurance"), enps("Skunkworks")
    assert (both["value"], both["n"]) == (alone["value"], alone["n"])
    assert skunk["value"] is None and skunk["suppressed"] and skunk["reason"] == "hidden"


def test_date_ranges_a_day_apart_show_the_same_whole_months(planted):
    _, con = planted
    a = _report(con, "overview", date(2026, 10, 1), date(2026, 10, 31))
    b = _report(con, "overview", date(2026, 9, 30), date(2026, 10, 31))
    c = _report(con, "overview", date(2026, 10, 2), date(2026, 10, 31))
    tile = lambda r: next(f for f in r["figures"] if f["id"] == "enps" and f["period"]["start"] and  # noqa: E731
                          f["period"]["end"] == "2026-10-31" and f.get("ci_low") is not None or
                          (f["id"] == "enps" and f["reason"]))
    assert (tile(a)["value"], tile(a)["n"]) == (tile(b)["value"], tile(b)["n"])
    assert tile(c)["value"] is None and tile(c)["reason"] == "period"


def test_weekly_trend_is_monthly_for_employees(planted):
    _, con = planted
    rep = _report(con, "overview", date(2026, 8, 1), date(2026, 10, 31), grain="week")
    starts = {f["period"]["start"] for f in rep["figures"] if f["id"] == "enps" and f["group"] == {}}
    assert starts and all(s.endswith("-01") for s in starts)
    assert {f["period"]["end"][8:] for f in rep["figures"] if f["id"] == "enps"} <= {"28", "29", "30", "31"}


def test_small_tenure_band_and_department_are_hidden_in_table_and_download(planted):
    _, con = planted
    rep = _report(con, "internal", date(2026, 8, 1), date(2026, 10, 31))
    by = {(f["id"], tuple(f["group"].items())): f for f in rep["figures"]}
    assert by[("enps", (("tenure_band", "<1 year"),))]["suppressed"]
    assert by[("enps", (("tenure_band", "<1 year"),))]["value"] is None
    assert by[("enps", (("population", "vendor"),))]["reason"] == "hidden"
    from cx_metrics import internal
    table = internal.breakdown(con, Filters(date(2026, 8, 1), date(2026, 10, 31)), "tenure_band")
    row = table[(table["group"] == "<1 year") & (table["kpi"] == "enps")].iloc[0]
    assert row["suppressed"] and pd.isna(row["value"]) and pd.isna(row["n"])  # the CSV/XLSX is this frame


def test_comments_with_and_without_skunkworks_are_the_same(planted):
    _, con = planted
    everyone = _report(con, "voc", date(2026, 8, 1), date(2026, 10, 31), kind="ex")["comments"]
    no_skunk = _report(con, "voc", date(2026, 8, 1), date(2026, 10, 31), ("Insurance", "Retail"), kind="ex")
    only = _report(con, "voc", date(2026, 8, 1), date(2026, 10, 31), ("Skunkworks",), kind="ex")
    assert only["comments"] == [] and only.get("comments_reason") == "hidden"
    # Each planted comment starts with its author: the lists differ by no one, or by 10 or more people.
    authors = lambda comments: {c["text"].split()[0] for c in comments}  # noqa: E731
    assert len(authors(everyone) - authors(no_skunk["comments"])) in {0} | set(range(KC, 1000))


def test_linkage_scatter_never_shows_a_unit_the_overview_hides(planted):
    _, con = planted
    rep = _report(con, "cx_ex", date(2026, 10, 1), date(2026, 10, 31))
    units = {f["group"].get("business_unit") for f in rep["figures"] if f["id"] == "enps"}
    assert "Skunkworks" not in units


def _pack_numbers(pack) -> list[tuple[str, str]]:
    """(kind, text) of every employee number the board pack shows."""
    out = []
    summary = pack.sections[0].table
    for row in summary.rows:
        if row[0] in ("eNPS", "Engagement"):
            out.append((row[0], row[1]))
    for section in pack.sections:
        for chart in section.charts:
            if isinstance(chart, boardpack.NativeChart) and chart.title.startswith("Employees"):
                out += [("enps-month:" + c, str(v)) for c, v in zip(chart.categories, chart.series[0].values)
                        if v is not None]
            if isinstance(chart, boardpack.ImageChart) and section.key == "units":
                heat = chart.figure.data[0]
                for unit, row in zip(heat.y, heat.text):
                    for col, cell in zip(heat.x, row):
                        if col in ("eNPS", "Engagement"):
                            out.append((f"unit:{unit}:{col}", cell.split(" ")[0]))
    return out


@pytest.mark.parametrize("units", [(), ("Insurance", "Skunkworks"), ("Insurance",), ("Skunkworks",), ("Retail",)])
def test_board_pack_shows_no_employee_number_that_report_hides(planted, units):
    _, con = planted
    f = Filters(date(2026, 8, 1), date(2026, 10, 31), business_units=units)
    pack = boardpack.build(con, f, "previous")
    shown = {}
    for page in ("overview", "units"):
        for fig in page_figures.report(con, page, f, "previous")["figures"]:
            if fig["population"] != "customer" and fig["value"] is not None:
                shown.setdefault(fig["id"], set()).add(fig["value"])
    texts = {fmt.value(k, v) for k, vals in shown.items() for v in vals} | {
        str(round(v, 2)) for vals in shown.values() for v in vals}
    for kind, text in _pack_numbers(pack):
        assert text in ("Hidden", "—", "hidden") or text in texts, (kind, text, units)
    if units == ("Skunkworks",):
        assert all(text in ("Hidden", "—", "hidden") for _, text in _pack_numbers(pack))
