"""suggest_mapping from wording and values; profiles saved, audited and re-applied."""

from __future__ import annotations

import json

from cx_metrics.ingest import Mapping, profiles, read_file, save_profile, suggest, suggest_mapping

from ingest_helpers import con, csv_bytes  # noqa: F401


def test_standard_wording_maps_automatically():
    p = read_file(csv_bytes(
        "Respondent ID,Submitted,How likely are you to recommend Acme to a friend?,"
        "\"Overall, how satisfied were you?\",How easy was it to get help?,Store,Channel,Contact,Why?,Staff",
        "1,2026-10-01,9,4,6,North,web,a@b.com,great,4", "2,2026-10-02,3,2,2,South,app,c@d.org,slow,2",
        "3,2026-10-03,7,3,5,North,web,e@f.net,ok,5"), "s.csv")
    m = suggest(p, "cx")
    assert m.columns == {
        "Respondent ID": "response_id", "Submitted": "submitted_at",
        "How likely are you to recommend Acme to a friend?": "nps", "Overall, how satisfied were you?": "csat",
        "How easy was it to get help?": "ces", "Store": "business_unit", "Channel": "channel", "Contact": "",
        "Why?": "comment", "Staff": "attribute:Staff"}
    assert any("'Contact'" in n and "email" in n for n in m.notices)
    assert suggest_mapping(p, "cx") == m.columns


def test_enps_and_ex_fields():
    p = read_file(csv_bytes("id,date,How likely are you to recommend us as a place to work?,I feel engaged,"
                            "Department,Employee ID", "1,2026-10-01,9,4,Sales,E1"), "e.csv")
    assert suggest_mapping(p, "ex") == {
        "id": "response_id", "date": "submitted_at", "How likely are you to recommend us as a place to work?": "enps",
        "I feel engaged": "engagement", "Department": "department", "Employee ID": "respondent_id"}


def test_canonical_headers_load_as_is():
    heads = "response_id,submitted_at,business_unit,region,channel,journey_stage,segment,customer_id,nps,csat,ces,comment"
    p = read_file(csv_bytes(heads, "1,2026-10-01,a,b,c,d,e,f,9,4,6,x"), "c.csv")
    assert all(k == v for k, v in suggest_mapping(p, "cx").items())


def test_profile_is_saved_audited_and_reapplied(con):
    p = read_file(csv_bytes("A,B,C", "1,2026-10-01,9"), "p.csv")
    m = Mapping("cx", {"A": "response_id", "B": "submitted_at", "C": "nps"}, missing=["-99"])
    save_profile(con, "weekly pulse", m, p, actor="ana@example.com")
    again = read_file(csv_bytes("A,B,C", "2,2026-10-02,7"), "p2.csv")
    got = suggest(again, "cx", con)
    assert got.columns == m.columns and got.missing == ["-99"]
    assert any("weekly pulse" in n for n in got.notices)
    assert suggest(again, "ex", con).columns != m.columns  # profiles are per kind
    other = read_file(csv_bytes("A,B,D", "2,2026-10-02,7"), "p3.csv")
    assert not any("weekly pulse" in n for n in suggest(other, "cx", con).notices)
    row = profiles(con).iloc[0]
    assert (row["name"], row["kind"], row["saved_by"]) == ("weekly pulse", "cx", "ana@example.com")
    assert json.loads(row["mapping"])["columns"] == m.columns
    assert con.execute("SELECT actor, action, object FROM audit_log").fetchall() == [
        ("ana@example.com", "mapping_saved", "weekly pulse")]
    assert Mapping.from_json(m.to_json()).to_json() == m.to_json()


def test_answer_rules_from_the_data_page():
    import pytest

    from cx_metrics.ingest import DATE_FAMILIES, IngestError, date_family, missing_codes, scale_table, with_rules

    base = Mapping("cx", {"id": "response_id", "when": "submitted_at", "sat": "csat", "wifi": "attribute:wifi"},
                   missing={"attribute:wifi": ["9"]})
    assert scale_table(base) == [{"target": "csat", "lowest": 1.0, "highest": 5.0},
                                 {"target": "attribute:wifi", "lowest": 1.0, "highest": 5.0}]
    m = with_rules(base, codes="0; -99, ", family="day/month/year",
                   scales=[{"target": "csat", "lowest": 1, "highest": 7},
                           {"target": "attribute:wifi", "lowest": 0, "highest": 5}])
    assert m.missing == {"attribute:wifi": ["9"], "*": ["0", "-99"]} and missing_codes(m) == ["0", "-99"]
    assert m.date_format == DATE_FAMILIES["day/month/year"] and date_family(m) == "day/month/year"
    assert m.scales == {"csat": {"from": [1.0, 7.0]}, "attribute:wifi": {"from": [0.0, 5.0]}}
    # back to the field's own scale and the default dates: no entries left; the original is untouched
    back = with_rules(m, family=None, scales=scale_table(base))
    assert back.scales == {} and back.date_format is None and base.scales == {} and base.missing == {"attribute:wifi": ["9"]}
    assert date_family(Mapping("cx", {}, date_format="%Y%m%d")) == "custom"
    assert with_rules(Mapping("cx", {}, date_format="%Y%m%d"), family="custom").date_format == "%Y%m%d"
    with pytest.raises(IngestError, match="lowest answer must be below"):
        with_rules(base, scales=[{"target": "csat", "lowest": 5, "highest": 5}])
