"""Pseudonyms: DuckDB's HMAC expression equals Python's hmac, and the key handling."""

import hashlib
import hmac

import duckdb
import pytest

from cx_metrics import pseudonym

KEY = bytes.fromhex("00112233445566778899aabbccddeeff" * 2)


@pytest.mark.parametrize(
    "raw",
    ["C-1001", "  c-1001 ", "anna.berg@example.com", "Zoë Ølstad", "x" * 500, "12345", "'; DROP TABLE x; --"],
)
def test_sql_hmac_equals_python_hmac(raw):
    con = duckdb.connect()
    got = con.execute(f"SELECT {pseudonym.sql('v', KEY)} FROM (SELECT ?::VARCHAR AS v)", [raw]).fetchone()[0]
    # Reference: RFC 2104 HMAC-SHA256 from the standard library, on the trimmed, lower-cased id.
    want = "p_" + hmac.new(KEY, raw.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]
    assert got == want == pseudonym.pseudonym(raw, KEY)


@pytest.mark.parametrize("key", [b"short-key-16byte", bytes(range(64)), bytes(range(100))])
def test_key_lengths_around_the_block_size(key):
    con = duckdb.connect()
    got = con.execute(f"SELECT {pseudonym.sql('v', key)} FROM (SELECT 'abc' AS v)").fetchone()[0]
    assert got == "p_" + hmac.new(key, b"abc", hashlib.sha256).hexdigest()[:32]


def test_blank_and_null_ids_stay_null():
    con = duckdb.connect()
    rows = con.execute(f"SELECT {pseudonym.sql('v', KEY)} FROM (VALUES (NULL), (''), ('  ')) t(v)").fetchall()
    assert rows == [(None,), (None,), (None,)]
    assert pseudonym.pseudonym("  ", KEY) is None


def test_same_person_same_pseudonym_other_key_other_pseudonym():
    assert pseudonym.pseudonym("E-7", KEY) == pseudonym.pseudonym(" e-7", KEY)
    assert pseudonym.pseudonym("E-7", KEY) != pseudonym.pseudonym("E-7", KEY[::-1])
    assert pseudonym.pseudonym("E-7", KEY) != pseudonym.pseudonym("E-8", KEY)


def test_key_file_is_created_once_private_and_reused(tmp_path, monkeypatch):
    path = tmp_path / "keys" / "pseudonym.key"
    monkeypatch.delenv("CX_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("CX_PSEUDONYM_KEY_FILE", str(path))
    first = pseudonym.load_key()
    assert len(first) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert pseudonym.load_key() == first


def test_key_from_environment_and_bad_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_PSEUDONYM_KEY", KEY.hex())
    assert pseudonym.load_key() == KEY
    monkeypatch.setenv("CX_PSEUDONYM_KEY", "not hex")
    with pytest.raises(pseudonym.PseudonymKeyError, match="hex"):
        pseudonym.load_key()
    monkeypatch.setenv("CX_PSEUDONYM_KEY", "abcd")
    with pytest.raises(pseudonym.PseudonymKeyError, match="16 bytes"):
        pseudonym.load_key()
    monkeypatch.delenv("CX_PSEUDONYM_KEY")
    monkeypatch.setenv("CX_PSEUDONYM_KEY_FILE", str(tmp_path / "missing.key"))
    with pytest.raises(pseudonym.PseudonymKeyError, match="no pseudonym key"):
        pseudonym.load_key(create=False)
