"""Warnings for implausible data on the check step: one day for everything, future dates,
preview/test responses, straight-lining. They never block a load; a clean file gets none."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from cx_metrics.ingest import load, read_file, store, suggest, validate

from ingest_helpers import con, csv_bytes  # noqa: F401
from test_cli_ingest import cli

TODAY = date.today()
RATINGS = ["Wifi", "Food", "Seats", "Staff", "Price"]


class _Today(date):
    """A date whose today() is TODAY: these tests compute their dates once, at collection."""

    @classmethod
    def today(cls) -> date:
        return TODAY


@pytest.fixture(autouse=True)
def same_today(monkeypatch):
    """The check step's today is the one the dates were made from, even when a run crosses midnight."""
    monkeypatch.setattr(store, "date", _Today)


def plain(dates: list[str], ratings: list[list[int]] | None = None) -> bytes:
    """A plain CSV: one response per date, NPS varying, and the given rating rows (or varied ones)."""
    rows = ratings or [[(i + j) % 5 + 1 for j in range(len(RATINGS))] for i in range(len(dates))]
    head = ",".join(["Response ID", "Date", "How likely are you to recommend us?", *RATINGS])
    return csv_bytes(head, *(",".join([f"R{i}", d, str(i % 11), *map(str, r)])
                             for i, (d, r) in enumerate(zip(dates, rows))))


def warnings_for(con, data: bytes, name: str = "w.csv") -> list[str]:
    parsed = read_file(data, name)
    report = validate(con, parsed, suggest(parsed, "cx"))
    return report.warnings


def days(n: int, start: date = date(2026, 3, 2), rows: int = 20) -> list[str]:
    """``rows`` dates spread over ``n`` days from ``start``."""
    return [(start + timedelta(days=i % n)).isoformat() for i in range(rows)]


def test_a_clean_file_gets_no_warnings(con):
    data = plain(days(7))
    assert warnings_for(con, data) == []
    assert load(con, read_file(data, "w.csv"), suggest(read_file(data, "w.csv"), "cx"), actor="t").warnings == []


@pytest.mark.parametrize("n_days, rows, start, warned", [
    (1, 20, date(2026, 3, 2), True),
    (1, 241, date(1980, 1, 1), True),  # LimeSurvey's anonymised date
    (1, store.ONE_DAY_MIN_ROWS, date(2026, 3, 2), True),
    (1, store.ONE_DAY_MIN_ROWS - 1, date(2026, 3, 2), False),  # a small daily export
    (2, 20, date(2026, 3, 2), False),
    (30, 60, date(2026, 1, 1), False),
])
def test_one_day_for_every_response(con, n_days, rows, start, warned):
    got = [w for w in warnings_for(con, plain(days(n_days, start, rows))) if "on one day" in w]
    assert got == ([f"all {rows:,} dated responses are on one day ({start:%Y-%m-%d}): if that is a placeholder "
                    "(an anonymised export), leave the date column unmapped and give a date for every response"]
                   if warned else [])


def test_a_date_given_for_every_response_is_not_one_day_suspicion(con):
    parsed = read_file(csv_bytes("Response ID,Score", *(f"R{i},{i % 11}" for i in range(30))), "d.csv")
    mapping = suggest(parsed, "cx")
    mapping.defaults["submitted_at"] = "2026-03-02"
    assert validate(con, parsed, mapping).warnings == []


@pytest.mark.parametrize("ahead, rows", [(0, 5), (1, 3), (1, 20)])
def test_future_dates(con, ahead, rows):
    """``rows`` of 20 responses dated ``ahead`` days from today (today itself is not the future;
    tomorrow is not yet a problem, which leaves room for time zones, but it is warned about)."""
    dates = days(5, TODAY - timedelta(days=10))
    dates[:rows] = [(TODAY + timedelta(days=ahead)).isoformat()] * rows
    got = [w for w in warnings_for(con, plain(dates)) if "after today" in w]
    assert got == ([f"{rows:,} of 20 responses are dated after today (latest {TODAY + timedelta(days=ahead):%Y-%m-%d})"]
                   if ahead > 0 else [])


def test_a_default_date_in_the_future_is_warned_about(con):
    parsed = read_file(csv_bytes("Response ID,Score", "R1,9", "R2,3"), "d.csv")
    mapping = suggest(parsed, "cx")
    mapping.defaults["submitted_at"] = (TODAY + timedelta(days=30)).isoformat()
    assert validate(con, parsed, mapping).warnings == [
        f"2 of 2 responses are dated after today (latest {TODAY + timedelta(days=30):%Y-%m-%d})"]


QUALTRICS_HEAD = ['StartDate,EndDate,Status,RecordedDate,ResponseId,DistributionChannel,Q1',
                  'Start Date,End Date,Response Type,Recorded Date,Response ID,Distribution Channel,'
                  'How likely are you to recommend us?',
                  '"{""ImportId"":""startDate""}","{""ImportId"":""endDate""}","{""ImportId"":""status""}",'
                  '"{""ImportId"":""recordedDate""}","{""ImportId"":""_recordId""}",'
                  '"{""ImportId"":""distributionChannel""}","{""ImportId"":""QID1""}"']


def qualtrics(statuses: list[str], channels: list[str]) -> bytes:
    rows = [f"2026-03-0{i % 5 + 1} 10:00:00,2026-03-0{i % 5 + 1} 10:05:00,{s},2026-03-0{i % 5 + 1} 10:05:00,"
            f"R_{i},{c},{i % 11}" for i, (s, c) in enumerate(zip(statuses, channels))]
    return csv_bytes(*QUALTRICS_HEAD, *rows)


@pytest.mark.parametrize("status, channel, tests", [
    (["0"] * 10, ["anonymous"] * 10, 0),
    (["IP Address"] * 10, ["email"] * 10, 0),
    (["1"] + ["0"] * 9, ["anonymous"] * 10, 1),  # Survey Preview
    (["2"] * 10, ["test"] * 10, 10),  # Survey Test (as in long_exhaustive2.csv)
    (["Survey Preview", "Spam", "Survey Test"] + ["IP Address"] * 7, ["anonymous"] * 10, 3),
    (["0"] * 10, ["preview", "preview"] + ["anonymous"] * 8, 2),
    (["8", "0"] * 5, ["anonymous"] * 10, 5),  # Spam
])
def test_preview_and_test_responses(con, status, channel, tests):
    parsed = read_file(qualtrics(status, channel), "q.csv")
    assert parsed.layout == "qualtrics"
    mapping = suggest(parsed, "cx")
    assert mapping.columns["Status"] == "" and mapping.columns["DistributionChannel"] == ""  # metadata
    got = [w for w in validate(con, parsed, mapping).warnings if "previews" in w]
    assert got == ([f"{tests:,} of 10 responses are survey previews, tests or spam (Status or DistributionChannel): "
                    "they would count as real responses"] if tests else [])
    assert load(con, parsed, mapping, actor="t", dry_run=True).rows_loaded == 10  # warnings never block


def test_a_status_column_outside_qualtrics_is_not_read_as_preview(con):
    data = csv_bytes("Response ID,Date,Status,Score", *(f"R{i},2026-03-0{i % 5 + 1},1,{i % 11}" for i in range(10)))
    assert warnings_for(con, data) == []


def straight(rows: int, same: int, items: int = 5) -> list[list[int]]:
    """``rows`` rating rows over ``items`` ratings, the first ``same`` giving one answer to all."""
    return [[(i % 5) + 1] * items if i < same else [(i + j) % 5 + 1 for j in range(items)] for i in range(rows)]


@pytest.mark.parametrize("same", [0, 1, 2, 10, 40])
def test_straight_lining_share(con, same):
    # 40 rows: 1 (2.5%) is below STRAIGHT_LINING_SHARE (5%); 2 (5%) is at it
    got = [w for w in warnings_for(con, plain(days(7, rows=40), straight(40, same))) if "straight-lining" in w]
    warned = same >= store.STRAIGHT_LINING_SHARE * 40 and same
    assert got == ([f"{same:,} of 40 responses ({same / 40:.0%}) give the same answer to every rating (at least 5): "
                    "straight-lining, often inattentive answers"] if warned else [])


def test_straight_lining_needs_five_ratings(con):
    four = RATINGS[:4]
    head = ",".join(["Response ID", "Date", *four])
    data = csv_bytes(head, *(f"R{i},2026-03-0{i % 5 + 1},{','.join(['3'] * 4)}" for i in range(20)))
    assert warnings_for(con, data) == []


def test_cli_dry_run_lists_warnings_in_its_json(tmp_path):
    one_day = tmp_path / "one-day.csv"
    one_day.write_bytes(plain(days(1, date(1980, 1, 1), 12)))
    p = cli("ingest", one_day, "--db", tmp_path / "w.duckdb", "--kind", "cx", "--dry-run")
    out = json.loads(p.stdout)
    assert p.returncode == 0 and out["rows_loaded"] == 12
    assert out["warnings"] == ["all 12 dated responses are on one day (1980-01-01): if that is a placeholder "
                               "(an anonymised export), leave the date column unmapped and give a date for every "
                               "response"]
    assert "warning: all 12 dated responses" in p.stderr
    clean = tmp_path / "clean.csv"
    clean.write_bytes(plain(days(7)))
    assert json.loads(cli("ingest", clean, "--db", tmp_path / "w.duckdb", "--kind", "cx", "--dry-run").stdout)[
        "warnings"] == []
