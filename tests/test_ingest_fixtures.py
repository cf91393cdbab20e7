"""Conformance with the real exports in ../shared/fixtures (skipped when that folder is absent).

Expected counts come from the fixtures' README (row counts, N/A zeros) or are computed
independently from the raw file with DuckDB's own CSV sniffer.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cx_metrics.ingest import IngestError, Mapping, load, read_file, suggest

from ingest_helpers import con, counts  # noqa: F401

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"  # ../shared/fixtures from the repo
MAPPINGS = Path(__file__).parent / "data" / "ingest"
pytestmark = pytest.mark.skipif(not FIXTURES.exists(), reason="no ../shared/fixtures folder")


def run(con, rel, kind="cx", mapping=None, **kw):
    parsed = read_file((FIXTURES / rel).read_bytes(), Path(rel).name)
    mapping = Mapping.load(MAPPINGS / mapping) if mapping else suggest(parsed, kind)
    return parsed, mapping, load(con, parsed, mapping, actor="test", **kw)


def test_qualtrics_sample(con):
    parsed, mapping, r = run(con, "qualtrics/sample.csv")
    assert (parsed.layout, parsed.header_rows, len(parsed.headers)) == ("qualtrics", 3, 20)
    # RecordedDate (when Qualtrics recorded the response) wins over StartDate; the free text is the comment
    assert mapping.columns["ResponseId"] == "response_id" and mapping.columns["RecordedDate"] == "submitted_at"
    assert mapping.columns["StartDate"] == "" and mapping.columns["Q2"] == "comment"
    assert mapping.columns["IPAddress"] == "" and mapping.columns["RecipientEmail"] == ""
    assert any("IPAddress" in n for n in mapping.notices)
    assert r.rows_loaded == 1
    assert con.execute("SELECT response_id, submitted_at::VARCHAR FROM cx_responses").fetchall() == [
        ("R_2YPOQ602ER1jkf1", "2017-07-18 08:28:48")]
    assert "130.92.34.66" not in str(con.execute("SELECT * FROM cx_responses").fetchall())


def test_qualtrics_legacy(con):
    parsed, mapping, r = run(con, "qualtrics/sample_legacy.csv")
    assert (parsed.layout, parsed.header_rows, parsed.encoding) == ("qualtrics_legacy", 2, "utf-8-sig")
    assert mapping.columns["ResponseID"] == "response_id" and mapping.columns["IPAddress"] == ""
    assert r.rows_loaded == 1


def test_qualtrics_long_with_line_breaks_in_headers(con):
    parsed, mapping, r = run(con, "qualtrics/long_exhaustive2.csv")
    assert (parsed.layout, len(parsed.headers)) == ("qualtrics", 373)
    assert r.rows_loaded == 100 and r.rows_skipped == 0
    # -99 "seen but unanswered" is outside every suggested scale: never stored as a score
    assert con.execute("SELECT count(*) FROM attribute_ratings WHERE score < 0").fetchone()[0] == 0


def test_google_forms(con):
    parsed, mapping, r = run(con, "google_forms/responses.csv", on_error="skip")
    assert parsed.layout == "google_forms"
    nps_col = "How likely are you to recommend R to a colleague, friend, or family member?"
    assert mapping.columns["Timestamp"] == "submitted_at" and mapping.columns[nps_col] == "nps"
    # 1,838 responses; 3 are exact copies of the row above (same second, same answers)
    assert (r.rows_loaded, r.rows_skipped) == (1835, 3)
    assert {p["reason"].split(" (")[0] for p in r.problems} == {"duplicate id in this file"}
    raw = duckdb.connect().execute(
        f"SELECT count(\"{nps_col}\") FROM (SELECT DISTINCT * FROM read_csv('{FIXTURES / 'google_forms/responses.csv'}'))"
    ).fetchone()[0]
    assert con.execute("SELECT count(nps) FROM cx_responses").fetchone()[0] == raw
    first = con.execute("SELECT min(submitted_at)::DATE::VARCHAR, max(submitted_at)::DATE::VARCHAR "
                        "FROM cx_responses").fetchone()
    assert first == ("2019-12-13", "2020-01-09")  # M/D/YYYY read as such (DuckDB's sniffer agrees)


def test_limesurvey_loads_completed_responses_and_explains_the_rest(con):
    parsed, mapping, r = run(con, "limesurvey/responses.csv", on_error="skip")
    assert parsed.layout == "limesurvey" and parsed.notices
    assert mapping.columns["Respons ID"] == "response_id" and mapping.columns["Datum verzonden"] == "submitted_at"
    # 291 responses, 50 incomplete ones without a submit date
    assert (r.rows_loaded, r.rows_skipped) == (241, 50)
    assert {p["reason"] for p in r.problems} == {"missing date"}
    rejected = load(con, parsed, mapping, actor="test")
    assert rejected.rejected or rejected.rows_loaded == 0


def test_surveymonkey_without_dates_explains(con):
    parsed = read_file((FIXTURES / "surveymonkey/steak_risk.csv").read_bytes(), "steak_risk.csv")
    assert (parsed.layout, parsed.header_rows) == ("surveymonkey", 2)
    with pytest.raises(IngestError, match="submitted_at"):
        load(con, parsed, suggest(parsed, "cx"), actor="test")
    starwars = read_file((FIXTURES / "surveymonkey/starwars.csv").read_bytes(), "starwars.csv")
    assert starwars.encoding == "cp1252" and starwars.layout == "surveymonkey"
    assert "Which of the following Star Wars films have you seen? Please select all that apply. - " \
           "Star Wars: Episode I The Phantom Menace" in starwars.headers


@pytest.mark.parametrize("rel, rows", [("surveymonkey/steak_risk.csv", 550), ("surveymonkey/starwars.csv", 1186)])
def test_surveymonkey_loads_with_a_date_for_every_response(con, rel, rows):
    parsed = read_file((FIXTURES / rel).read_bytes(), Path(rel).name)
    mapping = suggest(parsed, "cx")
    mapping.defaults["submitted_at"] = "2014-05-15"  # what the Data page's date field sets
    r = load(con, parsed, mapping, actor="test")
    assert (r.rows_loaded, r.rows_skipped, r.problems) == (rows, 0, [])
    assert any("every response is dated 2014-05-15 00:00" in n for n in r.notices)
    assert con.execute("SELECT count(*), count(DISTINCT submitted_at), min(submitted_at)::VARCHAR FROM cx_responses"
                       ).fetchone() == (rows, 1, "2014-05-15 00:00:00")


def test_ibm_hr_attrition_as_ex_with_one_to_four_scales(con):
    parsed, mapping, r = run(con, "datasets/ibm_hr_attrition.csv", "ex", "ibm_hr_attrition.json")
    assert parsed.encoding == "utf-8-sig" and parsed.headers[0] == "Age"
    assert (r.rows_loaded, r.rows_skipped, r.problems) == (1470, 0, [])
    assert any("satisfaction: 1–4 → 1–5" in n for n in r.notices)
    raw = duckdb.connect().execute(
        f"SELECT JobSatisfaction, count(*) FROM read_csv('{FIXTURES / 'datasets/ibm_hr_attrition.csv'}') "
        "GROUP BY ALL ORDER BY 1").fetchall()
    got = dict(con.execute("SELECT satisfaction, count(*) FROM ex_responses GROUP BY ALL").fetchall())
    # 1 -> 1, 2 -> round(2.33) = 2, 3 -> round(3.67) = 4, 4 -> 5
    assert got == {1: raw[0][1], 2: raw[1][1], 4: raw[2][1], 5: raw[3][1]}
    attrs = con.execute("SELECT attribute, count(*), min(score), max(score), any_value(scale_max) "
                        "FROM attribute_ratings GROUP BY ALL ORDER BY 1").fetchall()
    assert [a[0] for a in attrs] == ["environment satisfaction", "job involvement", "relationship satisfaction",
                                     "work-life balance"]
    assert all(a[1:] == (1470, 1.0, 4.0, 4.0) for a in attrs)
    ids = con.execute("SELECT count(DISTINCT respondent_id), bool_and(respondent_id LIKE 'p\\_%' ESCAPE '\\') "
                      "FROM ex_responses").fetchone()
    assert ids == (1470, True)
    assert counts(con)["uploads"] == 1


def test_airline_as_cx_with_zero_meaning_not_applicable(con):
    parsed, mapping, r = run(con, "datasets/airline_passenger_satisfaction.csv", "cx",
                             "airline_passenger_satisfaction.json")
    assert (r.rows_loaded, r.rows_skipped) == (129_880, 0)
    got = dict(con.execute("SELECT attribute, count(*) FROM attribute_ratings GROUP BY ALL").fetchall())
    # README: zeros ("not applicable") per rating column
    assert got["ease of online booking"] == 129_880 - 5_682
    assert got["departure and arrival time convenience"] == 129_880 - 6_681
    assert got["in-flight wifi service"] == 129_880 - 3_916
    assert got["food and drink"] == 129_880 - 132
    assert con.execute("SELECT min(score), max(score), min(scale_max), max(scale_max) FROM attribute_ratings"
                       ).fetchone() == (1.0, 5.0, 5.0, 5.0)
    assert con.execute("SELECT count(*) FROM cx_responses WHERE nps IS NOT NULL OR csat IS NOT NULL").fetchone()[0] == 0
