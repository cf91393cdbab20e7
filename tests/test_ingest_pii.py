"""PII scrubbing at ingest: emails, phones, IP addresses and card numbers in comments are masked
before anything is stored; profiles keep no header text with an email in it; identifier columns
cannot be loaded as attributes. Afterwards every text column of every table (temporary ones too)
is scanned with the detection patterns of cx_metrics.ingest.pii and for the planted values."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from cx_metrics.ingest import IngestError, Mapping, load, profiles, read_file, save_profile, suggest, validate
from cx_metrics.ingest import pii

from ingest_helpers import con, counts  # noqa: F401  (con is a fixture)

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
MAPPINGS = Path(__file__).parent / "data" / "ingest"

PLANTED = {
    "email": ["jane.doe@example.com", "JOHN_SMITH+survey@mail.example.co.uk", "a.b-c@sub.domain.org"],
    "phone": ["+44 20 7946 0958", "+1 (555) 123-4567", "+33 6 12 34 56 78", "+4915112345678", "0161 496 0000",
              "(020) 7946 0958", "07700900123", "06 12 34 56 78", "06.12.34.56.78", "020-123 4567",
              "555-123-4567", "555.123.4567"],
    "ip": ["192.168.1.20", "10.0.0.255", "2001:db8::1", "fe80::1ff:fe23:4567:890a",
           "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "::ffff:192.0.2.128", "::1"],
    "card": ["4111 1111 1111 1111", "4111-1111-1111-1111", "5555555555554444", "3782 822463 10005", "4222222222222",
             "6011 0009 9013 9424"],
}
#: Where a value stands in a comment: alone, first, last, in brackets, twice, on a second line.
POSITIONS = ["{x}", "{x} is how to reach me", "please contact me at {x}", "(see {x}).", "twice: {x},{x}!",
             "first line\nsecond line {x}"]
BENIGN = ["Visited on 2026-10-05 at 09:00", "order 12345 arrived late", "5 stars", "£19.99 was too much",
          "the call centre was great", "app version 1.2.3 crashes", "came 05.10.2026, left 10/05/2026 14:30",
          "2019-2021 were better years", "rated 9/10", "room 101 on floor 3", "+1 for the staff",
          "ticket #123456 still open", "0.5 miles away", "queued 12:30:45 to 13:05", "order 12345678901234",
          "refund of $1,234.56 pending", "€1.234,56 charged", "open 9:00-17:30", "ext. 1234", "year 2026"]


def export(kind: str, comments: list[str]):
    """A survey export (read) with one response per comment, the comment column quoted where needed."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["response_id", "submitted_at", "department" if kind == "ex" else "channel",
                "respondent_id" if kind == "ex" else "customer_id", "enps" if kind == "ex" else "nps", "comment"])
    for i, c in enumerate(comments):
        w.writerow([f"{kind}{i}", f"2026-10-{1 + i % 28:02d} 09:00", "Sales", f"P{i % 12}", i % 11, c])
    return read_file(buf.getvalue().encode("utf-8"), f"{kind}.csv")


def upload(con, kind: str, comments: list[str]) -> list[str]:
    """Load ``comments`` through the normal API; the comments as stored, in the same order."""
    parsed = export(kind, comments)
    r = load(con, parsed, suggest(parsed, kind), actor="test")
    assert (r.rows_loaded, r.problems) == (len(comments), [])
    got = dict(con.execute(f"SELECT response_id, comment FROM {kind}_responses").fetchall())
    return [got[f"{kind}{i}"] for i in range(len(comments))]


def text_columns(con) -> list[tuple[str, str]]:
    """("catalog"."schema"."table", "column") of every VARCHAR column of every table, temporary ones too."""
    return [(f'"{c}"."{s}"."{t}"', f'"{col}"') for c, s, t, col in con.execute(
        "SELECT table_catalog, table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE data_type = 'VARCHAR' ORDER BY ALL").fetchall()]


def holding(con, condition: str, params: list | None = None) -> dict[str, list[str]]:
    """{table.column: up to 3 values} for the text columns with a value ``v`` for which ``condition`` holds."""
    found = {}
    for table, col in text_columns(con):
        rows = con.execute(f"SELECT v FROM (SELECT {col} AS v FROM {table}) WHERE {condition} LIMIT 3",
                           params or []).fetchall()
        if rows:
            found[f"{table}.{col}"] = [r[0] for r in rows]
    return found


#: A value holds personal data: any detection pattern matches, or masking would change it.
DETECTED = (f"regexp_matches(v, {pii.literal(pii.EMAIL)}) OR regexp_matches(v, {pii.literal(pii.IPV4)}) "
            f"OR regexp_matches(v, {pii.literal(pii.IPV6)}) OR {pii.sql('v')} <> v")


def assert_nothing_personal(con, literals: list[str] = ()) -> None:
    assert holding(con, DETECTED) == {}
    if literals:
        assert holding(con, "len(list_filter(?::VARCHAR[], lambda s: contains(v, s))) > 0", [list(literals)]) == {}


def grid() -> tuple[list[str], list[str]]:
    """(comments with personal data in every position and format, the same comments as stored)."""
    comments, stored = [], []
    for what, values in PLANTED.items():
        for value in values:
            for where in POSITIONS:
                comments.append(where.format(x=value))
                stored.append(where.format(x=pii.PLACEHOLDERS[what]))
    email, phone, ip, card = (v[0] for v in PLANTED.values())
    comments.append(f"mail {email} or call {phone} from {ip}; card {card}")
    stored.append("mail [email] or call [phone] from [ip]; card [card]")
    return comments, stored


@pytest.mark.parametrize("kind", ["cx", "ex"])
def test_personal_data_in_comments_is_masked_before_it_is_stored(con, kind):
    comments, stored = grid()
    assert upload(con, kind, comments) == stored
    assert_nothing_personal(con, [v for values in PLANTED.values() for v in values])


def test_the_validation_preview_is_masked_too(con):
    comments, stored = grid()
    parsed = export("cx", comments)
    report = validate(con, parsed, suggest(parsed, "cx"))
    assert list(report.preview["comment"]) == stored[:len(report.preview)]


@pytest.mark.parametrize("kind", ["cx", "ex"])
def test_dates_short_numbers_prices_and_versions_are_kept(con, kind):
    assert upload(con, kind, BENIGN) == BENIGN
    assert_nothing_personal(con)


def test_a_profile_keeps_no_email_from_the_header_and_still_reapplies(con):
    ask = "Questions? Write to survey-team@acme.example"
    rate = "How helpful was help@acme.example?"
    head = f'id,date,nps,"{ask}","{rate}"'
    parsed = read_file(f"{head}\n1,2026-10-01,9,x,4\n2,2026-10-02,3,,2\n".encode(), "p.csv")
    m = suggest(parsed, "cx")
    # a header over 30 characters becomes a short name of its key words; the address is not one of them
    assert m.columns == {"id": "response_id", "date": "submitted_at", "nps": "nps", ask: "",
                         rate: "attribute:helpful_email"}
    m.columns[rate] = f"attribute:{rate}"  # the analyst names it by the whole question
    m.scales = {f"attribute:{rate}": {"from": [1, 4]}}
    save_profile(con, "pulse", m, parsed, actor="test")
    stored = json.loads(profiles(con).iloc[0]["mapping"])
    assert stored["columns"] == {"id": "response_id", "date": "submitted_at", "nps": "nps",
                                 "How helpful was [email]?": "attribute:How helpful was [email]?"}
    assert stored["scales"] == {"attribute:How helpful was [email]?": {"from": [1, 4]}}
    # the same survey, sent with another contact address: the profile applies and loads
    again = read_file(f"{head.replace('survey-team@', 'other@')}\n3,2026-10-03,10,y,3\n".encode(), "q.csv")
    applied = suggest(again, "cx", con)
    assert any("'pulse'" in n for n in applied.notices)
    assert applied.columns == {"id": "response_id", "date": "submitted_at", "nps": "nps",
                               rate: "attribute:How helpful was [email]?"}
    assert load(con, again, applied, actor="test").rows_loaded == 1
    assert con.execute("SELECT attribute, score, scale_max FROM attribute_ratings").fetchall() == [
        ("How helpful was [email]?", 3.0, 4.0)]
    assert con.execute("SELECT action FROM audit_log ORDER BY event_id").fetchall() == [("mapping_saved",), ("upload",)]
    assert_nothing_personal(con, ["survey-team@acme.example", "help@acme.example", "other@acme.example"])


def test_a_file_loaded_without_a_profile_stores_the_same_masked_attribute(con):
    rate = "Quality of the reply from help@acme.example"
    parsed = read_file(f'id,date,"{rate}"\n1,2026-10-01,4\n2,2026-10-02,2\n'.encode(), "a.csv")
    load(con, parsed, suggest(parsed, "cx"), actor="test")
    assert con.execute("SELECT DISTINCT attribute FROM attribute_ratings").fetchall() == [("quality_reply_email",)]
    named = Mapping("cx", {"id": "response_id", "date": "submitted_at", rate: f"attribute:{rate}"})
    again = read_file(f'id,date,"{rate}"\n3,2026-10-03,4\n'.encode(), "b.csv")
    load(con, again, named, actor="test")
    assert con.execute("SELECT DISTINCT attribute FROM attribute_ratings ORDER BY 1").fetchall() == [
        ("Quality of the reply from [email]",), ("quality_reply_email",)]


def test_two_columns_that_read_the_same_once_masked_are_refused(con):
    parsed = read_file(b'id,date,"Rate a@b.com","Rate c@d.com"\n1,2026-10-01,4,5\n', "t.csv")
    m = Mapping("cx", {"id": "response_id", "date": "submitted_at", "Rate a@b.com": "attribute:Rate a@b.com",
                       "Rate c@d.com": "attribute:Rate c@d.com"})
    with pytest.raises(IngestError, match="rename one"):
        save_profile(con, "twins", m, parsed, actor="test")
    with pytest.raises(IngestError, match=r"both be stored as 'Rate \[email\]'"):
        load(con, parsed, m, actor="test")
    assert profiles(con).empty and counts(con)["uploads"] == 0


EMAILS = "id,date,Email,IP\n" + "".join(f"{i},2026-10-0{i},person{i}@example.com,10.0.0.{i}\n" for i in range(1, 5))


@pytest.mark.parametrize("column, target, message", [
    ("Email", "segment", "column 'Email' holds email addresses; it cannot be loaded as segment "
                         "(identifiers are never stored)"),
    ("Email", "response_id", "column 'Email' holds email addresses; it cannot be loaded as response_id "
                             "(identifiers are never stored)"),
    ("IP", "attribute:network", "column 'IP' holds IP addresses; it cannot be loaded as attribute:network "
                                "(identifiers are never stored)"),
])
def test_an_identifier_column_mapped_to_an_attribute_is_refused(con, column, target, message):
    parsed = read_file(EMAILS.encode(), "ids.csv")
    m = Mapping("cx", {"id": "response_id" if target != "response_id" else "", "date": "submitted_at",
                       column: target})
    before = counts(con)
    with pytest.raises(IngestError) as err:
        load(con, parsed, m, actor="test")
    assert str(err.value) == message
    with pytest.raises(IngestError, match="identifiers are never stored"):
        validate(con, parsed, m)
    assert counts(con) == before
    assert_nothing_personal(con)


def test_an_email_column_may_be_the_pseudonymised_customer_id(con):
    parsed = read_file(EMAILS.encode(), "ids.csv")
    r = load(con, parsed, Mapping("cx", {"id": "response_id", "date": "submitted_at", "Email": "customer_id"}),
             actor="test")
    assert r.rows_loaded == 4
    assert con.execute("SELECT count(DISTINCT customer_id) FROM cx_responses").fetchone()[0] == 4
    assert_nothing_personal(con, ["example.com"])


# --- conformance with the real exports -----------------------------------------------------------------

#: (file, kind, mapping file, load options); SurveyMonkey's files have no dates, so they get one.
EXPORTS = [
    ("qualtrics/sample.csv", "cx", None, {}),
    ("qualtrics/sample_legacy.csv", "cx", None, {}),
    ("qualtrics/long_exhaustive2.csv", "cx", None, {}),
    ("google_forms/responses.csv", "cx", None, {"on_error": "skip"}),
    ("limesurvey/responses.csv", "cx", None, {"on_error": "skip"}),
    ("surveymonkey/steak_risk.csv", "cx", None, {}),
    ("surveymonkey/starwars.csv", "cx", None, {}),
    ("datasets/ibm_hr_attrition.csv", "ex", "ibm_hr_attrition.json", {}),
    ("datasets/airline_passenger_satisfaction.csv", "cx", "airline_passenger_satisfaction.json", {}),
]


@pytest.mark.skipif(not FIXTURES.exists(), reason="no ../shared/fixtures folder")
def test_no_email_or_ip_address_from_the_real_exports_is_stored(con):
    found: set[str] = set()
    for rel, kind, mapping, options in EXPORTS:
        data = (FIXTURES / rel).read_bytes()
        text = data.decode("utf-8", errors="replace")
        for pattern in (pii.EMAIL, pii.IPV4, pii.IPV6):
            found |= set(con.execute("SELECT regexp_extract_all(?, ?)", [text, pattern]).fetchone()[0])
        parsed = read_file(data, Path(rel).name)
        m = Mapping.load(MAPPINGS / mapping) if mapping else suggest(parsed, kind)
        if "submitted_at" not in m.targets():
            m.defaults["submitted_at"] = "2024-01-01"
        save_profile(con, rel, m, parsed, actor="test")
        assert load(con, parsed, m, actor="test", **options).rows_loaded
    # the study address in a LimeSurvey question and the test response's IP address in Qualtrics' files
    assert {"ciberlite@a-bc.eu", "130.92.34.66"} <= found
    assert con.execute("SELECT count(*) FROM cx_responses WHERE comment IS NOT NULL").fetchone()[0]
    assert_nothing_personal(con, sorted(found))
