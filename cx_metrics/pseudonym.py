"""Pseudonyms for customer, employee and respondent ids: HMAC-SHA256.

Ingest replaces every raw id with ``p_`` + the first 32 hex digits of
HMAC-SHA256(key, normalised id). The same person gets the same pseudonym in
every upload, and without the key nobody can go back from a pseudonym to the
id, nor confirm a guess.

The key never enters the database. It comes from ``$CX_PSEUDONYM_KEY`` (64
hex digits) or from the key file ``$CX_PSEUDONYM_KEY_FILE`` (default
``.streamlit/pseudonym.key``, next to secrets.toml and ignored by git),
which is created with 32 random bytes on first use. Back it up: with a new
key, returning people get new pseudonyms.

:func:`sql` computes the HMAC inside DuckDB (from two SHA-256 calls, as RFC
2104 defines it), so ingest stays a single set-based statement; tests check
it against Python's :mod:`hmac`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from . import config

PREFIX = "p_"
DIGITS = 32  # 128 bits: no collisions in any realistic population
BLOCK = 64  # SHA-256's block size in bytes


class PseudonymKeyError(RuntimeError):
    """The pseudonym key is missing or malformed."""


def key_path() -> Path:
    return Path(os.environ.get("CX_PSEUDONYM_KEY_FILE") or config.ROOT / ".streamlit" / "pseudonym.key")


def load_key(create: bool = True) -> bytes:
    """The HMAC key: from the environment, else the key file (made if missing)."""
    text = os.environ.get("CX_PSEUDONYM_KEY")
    if text is None:
        path = key_path()
        if not path.exists():
            if not create:
                raise PseudonymKeyError(f"no pseudonym key at {path}")
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
        text = path.read_text().strip()
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise PseudonymKeyError("the pseudonym key must be hex digits") from None
    if len(key) < 16:
        raise PseudonymKeyError("the pseudonym key must hold at least 16 bytes (32 hex digits)")
    return key


def normalise(raw: str) -> str:
    """Ids compare trimmed and case-insensitive ("ab12 " and "AB12" are one person)."""
    return raw.strip().lower()


def pseudonym(raw: str | None, key: bytes) -> str | None:
    """The pseudonym of one id, in Python (the reference for :func:`sql`)."""
    if raw is None or not normalise(raw):
        return None
    digest = hmac.new(key, normalise(raw).encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:DIGITS]


def sql(column: str, key: bytes) -> str:
    """A DuckDB expression giving :func:`pseudonym` of ``column``.

    ``column`` must be an allow-listed column name or expression built by
    the caller, never user text. The key's pads are inlined as hex literals:
    the expression is for one statement and must not be logged.
    """
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    ipad = bytes(b ^ 0x36 for b in key).hex()
    opad = bytes(b ^ 0x5C for b in key).hex()
    value = f"lower(trim({column}::VARCHAR))"
    inner = f"unhex(sha256(unhex('{ipad}') || encode({value})))"
    return (
        f"CASE WHEN {column} IS NULL OR {value} = '' THEN NULL "
        f"ELSE '{PREFIX}' || left(sha256(unhex('{opad}') || {inner}), {DIGITS}) END"
    )
