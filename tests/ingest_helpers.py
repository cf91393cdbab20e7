"""Shared helpers for the ingest tests: a fresh database, a fixed pseudonym key, CSV text."""

from __future__ import annotations

import io
import zipfile

import pytest

from cx_metrics import db

KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


@pytest.fixture
def con(monkeypatch):
    monkeypatch.setenv("CX_PSEUDONYM_KEY", KEY_HEX)
    c = db.connect(":memory:")
    yield c
    c.close()


def csv_bytes(*lines: str, sep: str = "\n", encoding: str = "utf-8") -> bytes:
    return (sep.join(lines) + sep).encode(encoding)


def counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("cx_responses", "ex_responses", "attribute_ratings", "uploads")}


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip archive (an .xlsx is one) holding ``members``, name -> bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()
