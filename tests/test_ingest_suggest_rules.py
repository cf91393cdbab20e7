"""Suggestion rules: survey tools' metadata and timing columns, free text, short attribute names.

The fixture grid runs over every file in ../shared/fixtures (skipped when absent) and both kinds.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from cx_metrics.ingest import attribute_names, read_file, suggest
from cx_metrics.ingest.mapping import DIMENSIONS

from ingest_helpers import csv_bytes

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"  # ../shared/fixtures from the repo
FILES = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.csv")) if FIXTURES.exists() else []

#: The tools' metadata columns, written out here independently of the code's table (normalised:
#: lower case, letters and digits only).
METADATA = {
    # Qualtrics (new and legacy)
    "startdate", "enddate", "status", "ipaddress", "progress", "durationinseconds", "finished", "recordeddate",
    "responseid", "recipientlastname", "recipientfirstname", "recipientemail", "externalreference",
    "externaldatareference", "locationlatitude", "locationlongitude", "locationaccuracy", "distributionchannel",
    "userlanguage", "responseset", "name", "emailaddress",
    # SurveyMonkey
    "respondentid", "collectorid", "firstname", "lastname", "customdata1",
    # Google Forms
    "timestamp",
    # LimeSurvey, codes and English/Dutch labels
    "id", "submitdate", "datesubmitted", "datumverzonden", "lastpage", "laatstepagina", "startlanguage",
    "begintaal", "seed", "datestarted", "datestamp", "datelastaction", "ipaddr", "refurl", "token",
    "interviewtime", "totaltime", "totaaltijd",
}
TIMING = re.compile(r"^(group ?time|groep ?tijd|question ?time|vraag ?tijd)|^\d+X\d+X\d+.*time$|duration", re.I)


def is_metadata(header: str) -> bool:
    return re.sub(r"[^0-9a-z]", "", header.lower()) in METADATA or bool(TIMING.search(header))


@pytest.fixture(scope="module")
def suggestions():
    """{(file, kind): (parsed, mapping)} for the whole grid, read once."""
    out = {}
    for rel in FILES:
        parsed = read_file((FIXTURES / rel).read_bytes(), Path(rel).name)
        for kind in ("cx", "ex"):
            out[rel, kind] = parsed, suggest(parsed, kind)
    return out


GRID = [(rel, kind) for rel in FILES for kind in ("cx", "ex")]
needs_fixtures = pytest.mark.skipif(not FILES, reason="no ../shared/fixtures folder")


@needs_fixtures
@pytest.mark.parametrize("rel, kind", GRID)
def test_no_metadata_timing_or_free_text_column_is_a_dimension(suggestions, rel, kind):
    parsed, mapping = suggestions[rel, kind]
    dims = {h: t for h, t in mapping.columns.items() if t in DIMENSIONS}
    assert not [h for h in dims if is_metadata(h)]
    questions = dict(zip(parsed.headers, parsed.questions))
    assert not [h for h in dims if "open-ended" in questions[h].lower()]
    # free text: many different, long answers; measured on the whole column, straight from the file
    index = {h: i for i, h in enumerate(parsed.headers)}
    for header in dims:
        c = f"nullif(trim(c{index[header]}), '')"
        distinct, filled, length = parsed.execute(
            duckdb.connect(), f"SELECT count(DISTINCT {c}), count({c}), avg(strlen({c})) FROM {{source}}").fetchone()
        assert distinct <= 60 and length <= 40, (header, distinct, filled, length)


@needs_fixtures
@pytest.mark.parametrize("rel, kind", GRID)
def test_metadata_is_never_a_score_or_an_attribute(suggestions, rel, kind):
    _, mapping = suggestions[rel, kind]
    wrong = {h: t for h, t in mapping.columns.items()
             if t and is_metadata(h) and t not in ("response_id", "submitted_at")}
    assert wrong == {}


@needs_fixtures
@pytest.mark.parametrize("rel, kind", GRID)
def test_attribute_names_are_short_and_unique(suggestions, rel, kind):
    _, mapping = suggestions[rel, kind]
    names = [t.removeprefix("attribute:") for t in mapping.columns.values() if t.startswith("attribute:")]
    assert all(0 < len(n) <= 30 and n == n.strip() for n in names), [n for n in names if len(n) > 30]
    assert len({n.lower() for n in names}) == len(names)


@needs_fixtures
def test_the_known_misreadings_are_gone(suggestions):
    for rel in ("qualtrics/sample.csv", "qualtrics/long_exhaustive2.csv"):
        assert suggestions[rel, "cx"][1].columns["DistributionChannel"] == ""
    lime = suggestions["limesurvey/responses.csv", "cx"][1].columns
    assert lime["Vraagtijd: region"] == "" and lime["Totaaltijd"] == "" and lime["Laatste pagina"] == ""
    assert "region" not in lime.values()
    assert lime["Respons ID"] == "response_id" and lime["Datum verzonden"] == "submitted_at"
    # SurveyMonkey's census region stays a region; Google Forms' Timestamp stays the date
    assert suggestions["surveymonkey/steak_risk.csv", "cx"][1].columns["Location (Census Region)"] == "region"
    assert suggestions["google_forms/responses.csv", "cx"][1].columns["Timestamp"] == "submitted_at"


def test_limesurvey_codes_and_timings_are_metadata():
    head = "id,submitdate,lastpage,startlanguage,seed,startdate,datestamp,interviewtime,groupTime12,12X3X45time,Region"
    rows = [f"{i},2026-03-0{i % 5 + 1} 10:00,3,en,{1000 + i},2026-03-01,2026-03-01,{i + 20},{i % 9 + 1},{i % 7 + 2},"
            f"{'North' if i % 2 else 'South'}" for i in range(1, 12)]
    m = suggest(read_file(csv_bytes(head, *rows), "lime.csv"), "cx")
    assert m.columns == {"id": "response_id", "submitdate": "submitted_at", "lastpage": "", "startlanguage": "",
                         "seed": "", "startdate": "", "datestamp": "", "interviewtime": "", "groupTime12": "",
                         "12X3X45time": "", "Region": "region"}


def test_a_free_text_column_is_not_a_dimension():
    answers = ["The app kept logging me out when I tried to pay", "Friendly staff but the queue was long today",
               "Could not find the store hours anywhere online", "Delivery arrived two days late and damaged"]
    rows = [f"R{i},2026-03-0{i % 5 + 1},{i % 11},\"{answers[i % 4]} ({i})\"" for i in range(60)]
    m = suggest(read_file(csv_bytes("id,date,nps,Which channel did you use and how did it go?", *rows), "f.csv"), "cx")
    assert m.columns["Which channel did you use and how did it go?"] == ""


@pytest.mark.parametrize("headers, expected", [
    (["Staff", "Wifi rating"], ["Staff", "Wifi rating"]),  # short headers are the names
    (["How satisfied are you with the speed of checkout today?"], ["satisfied_speed_checkout_today"]),
    # a grid: the question's words shared by most columns drop out, the item's words stay
    ([f"Please rate the following aspects of your stay. [{x}]" for x in
      ("Cleanliness of the room", "Friendliness of the staff", "Value for money", "Breakfast")],
     ["cleanliness_room", "friendliness_staff", "value_money", "breakfast"]),
    # the same key words twice (a word that would pass 30 characters is left off): numbered
    (["How likely are you to recommend our product to a friend?", "How likely are you to recommend our product "
      "to a friend? (again)"], ["likely_recommend_product", "likely_recommend_product_2"]),
    (["Rate the reply from help@acme.example please, overall"], ["reply_email"]),
])
def test_attribute_names(headers, expected):
    got = attribute_names(headers)
    assert list(got.values()) == expected
    assert all(len(n) <= 30 for n in got.values())
