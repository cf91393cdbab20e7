"""Mappings from a file's columns to canonical fields: suggestion, JSON files, saved profiles.

A mapping file (``--mapping FILE.json``)::

    {"kind": "cx",
     "columns": {"<header>": "<field>" | "attribute:<NAME>", ...},
     "labels": {"<field or attribute:NAME or *>": {"<answer text>": <number>, ...}},
     "scales": {"<field or attribute:NAME>": {"from": [1, 4], "to": [1, 5]}},
     "missing": ["0", "-99"]   or   {"<field or attribute:NAME or *>": ["0"]},
     "date_format": "%d/%m/%Y %H:%M",
     "defaults": {"submitted_at": "2024-01-01", "source": "airline", "population": "employee"}}

Only ``kind`` and ``columns`` are required. Columns not named are not loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from . import schema as F
from .errors import IngestError
from .read import Parsed

IGNORE = ""  # a column mapped to "" (or absent) is not loaded


@dataclass
class Mapping:
    """How one file's columns become rows: see the module docstring for each key."""

    kind: str
    columns: dict[str, str]
    labels: dict[str, dict[str, float]] = field(default_factory=dict)
    scales: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    missing: list[str] | dict[str, list[str]] = field(default_factory=list)
    date_format: str | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    #: Why columns were left out (emails, IP addresses); not saved.
    notices: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        out = asdict(self)
        out.pop("notices")
        return {k: v for k, v in out.items() if v or k in ("kind", "columns")}

    @classmethod
    def from_json(cls, obj: dict) -> "Mapping":
        if not isinstance(obj, dict) or "columns" not in obj or not isinstance(obj["columns"], dict):
            raise IngestError('a mapping needs at least {"kind": "cx"|"ex", "columns": {"<header>": "<field>"}}')
        known = {"kind", "columns", "labels", "scales", "missing", "date_format", "defaults"}
        unknown = set(obj) - known
        if unknown:
            raise IngestError(f"unknown mapping keys {sorted(unknown)}; use {sorted(known)}")
        kind = obj.get("kind", "cx")
        if kind not in F.TABLES:
            raise IngestError(f"mapping kind must be 'cx' or 'ex', not {kind!r}")
        m = cls(kind, {str(k): str(v or "") for k, v in obj["columns"].items()},
                obj.get("labels") or {}, obj.get("scales") or {}, obj.get("missing") or [],
                obj.get("date_format") or None, obj.get("defaults") or {})
        m.check()
        return m

    @classmethod
    def load(cls, path: str | Path) -> "Mapping":
        try:
            return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as exc:
            raise IngestError(f"{path}: cannot read the mapping file ({exc})") from None

    def targets(self) -> dict[str, str]:
        """{target: header} for the columns that are loaded."""
        return {t: h for h, t in self.columns.items() if t}

    def check(self, headers: list[str] | None = None) -> None:
        """Raise IngestError for unknown fields, a field mapped twice or unknown headers."""
        allowed = set(F.fields(self.kind))
        seen: dict[str, str] = {}
        for header, target in self.columns.items():
            if not target:
                continue
            if target.startswith(F.ATTRIBUTE):
                if not target[len(F.ATTRIBUTE):].strip():
                    raise IngestError(f"column {header!r}: an attribute needs a name (attribute:NAME)")
            elif target not in allowed:
                raise IngestError(f"column {header!r}: {target!r} is not a {self.kind} field; "
                                  f"use one of {sorted(allowed)} or attribute:NAME")
            if target in seen:
                raise IngestError(f"{target!r} is mapped twice ({seen[target]!r} and {header!r})")
            seen[target] = header
        if headers is not None:
            missing = [h for h in self.columns if self.columns[h] and h not in headers]
            if missing:
                raise IngestError(f"the mapping names columns the file does not have: {missing}")
        for key, scale in self.scales.items():
            lo_hi = scale.get("from") if isinstance(scale, dict) else None
            if not (isinstance(lo_hi, list) and len(lo_hi) == 2 and lo_hi[0] < lo_hi[1]):
                raise IngestError(f'scales[{key!r}] needs "from": [lowest, highest]')


# --- suggestion ----------------------------------------------------------------------------

_EMAIL = r"^[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}$"
_IP = r"^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]{2,39}:[0-9a-fA-F]{1,4}$"
_PRIVATE_HEADER = re.compile(r"e-?mail|ip[ -]?address|^ip$", re.I)

#: (field, pattern on the lower-cased question text), tried in order; the first free field wins.
_WORDING = [
    ("enps", r"recommend.*(place to work|work for|employer|as an? (company|organi[sz]ation) to work)"),
    ("nps", r"how likely .*recommend|likely to recommend|^nps$|net promoter"),
    ("csat", r"satisf"),
    ("satisfaction", r"satisf"),
    ("ces", r"\beas(y|e|ier)\b|effort"),
    ("engagement", r"engag"),
    ("submitted_at", r"^(recordeddate|enddate|submitdate|date submitted|datum verzonden|submitted|timestamp|"
                     r"submitted at|submission date|response date|date|completed|end date)$"),
    ("submitted_at", r"date|time ?stamp|^startdate$"),
    ("response_id", r"^(response ?id|responseid|respons id|respondentid|respondent id|id|record id|_recordid)$"),
    ("customer_id", r"customer.?(id|number|no)|client.?id|account.?(id|number)"),
    ("respondent_id", r"employee.?(id|number|no)|staff.?id|respondent.?id|person.?id"),
    ("business_unit", r"business.?unit|division|^unit$|^bu$|^store$|^brand$|^branch$"),
    ("region", r"region|^country$|territory|area"),
    ("channel", r"channel"),
    ("journey_stage", r"journey|stage|touch.?point"),
    ("segment", r"segment|customer type"),
    ("department", r"department|^dept"),
    ("tenure_band", r"tenure|length of service"),
    ("population", r"^population$"),
    ("comment", r"comment|feedback|verbatim|open.?ended|anything else|why did you|^why\b|suggestion"),
]
_NOT_RATING = re.compile(r"\b(rank|age|year|years|level|count|number|num|distance|times|rate|income|salary|hours|"
                         r"delay|id|code|minutes|seconds|duration|progress|latitude|longitude|accuracy)\b", re.I)


def _column_stats(parsed: Parsed, sample: int = 5000) -> list[dict]:
    """Per column: non-blank count, numeric count, integer min/max, email/IP-looking count."""
    n = len(parsed.headers)
    aggs = []
    for i in range(n):
        c = f"nullif(trim(c{i}), '')"
        aggs.append(
            f"count({c}), count(TRY_CAST({c} AS DOUBLE)), min(TRY_CAST({c} AS DOUBLE)), "
            f"max(TRY_CAST({c} AS DOUBLE)), count(*) FILTER (WHERE TRY_CAST({c} AS DOUBLE) % 1 <> 0), "
            f"count(*) FILTER (WHERE regexp_matches({c}, '{_EMAIL}') OR regexp_matches({c}, '{_IP}'))"
        )
    con = duckdb.connect()
    try:
        row = parsed.execute(con, f"SELECT {', '.join(aggs)} FROM (SELECT * FROM {{source}} LIMIT {sample})"
                             ).fetchone()
    except duckdb.Error as exc:
        raise IngestError(f"{parsed.name}: cannot read the rows ({str(exc).splitlines()[0]})") from None
    finally:
        con.close()
    keys = ("filled", "numeric", "min", "max", "fractions", "private")
    return [dict(zip(keys, row[i * 6:(i + 1) * 6])) for i in range(n)]


def suggest(parsed: Parsed, kind: str, con: duckdb.DuckDBPyConnection | None = None) -> Mapping:
    """The saved profile for this column set when ``con`` has one, else a suggested mapping.

    Suggestions come from canonical names, common question wordings and value ranges
    (small whole-number columns become ``attribute:<header>`` with their scale).
    Email- or IP-looking columns are left out with a notice.
    """
    F.check_kind(kind)
    if con is not None:
        saved = profile_for(con, parsed, kind)
        if saved is not None:
            return saved
    stats = _column_stats(parsed)
    allowed = set(F.fields(kind))
    columns: dict[str, str] = {}
    used: set[str] = set()
    notices: list[str] = []
    scales: dict[str, dict] = {}
    for header, question, st in zip(parsed.headers, parsed.questions, stats):
        canon = header.strip().lower()
        if _PRIVATE_HEADER.search(header) or (st["filled"] and st["private"] >= 0.5 * st["filled"]):
            if canon not in (F.PERSON_ID[kind],):
                notices.append(f"column {header!r} looks like email or IP addresses and is not loaded")
                columns[header] = ""
                continue
        target = ""
        if canon in allowed and canon not in used:
            target = canon
        else:
            for text in (header.lower(), question.lower()):
                for fld, pattern in _WORDING:
                    if fld in allowed and fld not in used and re.search(pattern, text):
                        target = fld
                        break
                if target:
                    break
        if target in F.SCORES[kind] and canon != target:
            # A question on another standard scale (a 1-7 "satisfied" item): convert, shown as a rule.
            lo, hi = F.SCORES[kind][target]
            if st["numeric"] and st["numeric"] >= 0.9 * st["filled"] and (st["min"] < lo or st["max"] > hi):
                a, b = _scale_from(st)
                if b in (4, 5, 7, 10) and (a, b) != (lo, hi):
                    scales[target] = {"from": [a, b], "to": [lo, hi]}
        if not target and st["filled"] and st["numeric"] == st["filled"] and not st["fractions"] \
                and 0 <= st["min"] and st["max"] <= 10 and st["max"] - st["min"] >= 2 \
                and not _NOT_RATING.search(header):
            target = F.ATTRIBUTE + header
            lo, hi = _scale_from(st)
            if (lo, hi) != F.DEFAULT_ATTRIBUTE_SCALE:
                scales[target] = {"from": [lo, hi]}
        if target and not target.startswith(F.ATTRIBUTE):
            used.add(target)
        columns[header] = target
    return Mapping(kind, columns, scales=scales, notices=notices)


def _scale_from(st: dict) -> tuple[int, int]:
    """The usual scale that holds a column's observed range: 1-4, 1-5, 1-7, 0-10 ..."""
    lo = 0 if st["min"] < 1 else 1
    for hi in (4, 5, 7, 10):
        if st["max"] <= hi:
            return (0 if hi == 10 and lo == 0 else lo, hi)
    return lo, int(st["max"])


def suggest_mapping(parsed: Parsed, kind: str) -> dict[str, str]:
    """``{header: field | "attribute:NAME" | ""}`` suggested for every column ("" = not loaded)."""
    return suggest(parsed, kind).columns


# --- saved profiles --------------------------------------------------------------------------


def columns_signature(headers: list[str], kind: str) -> str:
    return hashlib.sha256(("\x1f".join([kind, *headers])).encode("utf-8")).hexdigest()


def save_profile(con: duckdb.DuckDBPyConnection, name: str, mapping: Mapping, parsed: Parsed | list[str],
                 *, actor: str) -> None:
    """Save ``mapping`` as profile ``name`` for files with ``parsed``'s columns (audited)."""
    from .. import audit, db

    headers = parsed.headers if isinstance(parsed, Parsed) else list(parsed)
    mapping.check(headers)
    if not name.strip():
        raise IngestError("a mapping profile needs a name")
    sig = columns_signature(headers, mapping.kind)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM mapping_profiles WHERE name = ?", [name.strip()])
        con.execute("INSERT INTO mapping_profiles (name, kind, columns_signature, mapping, saved_by) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [name.strip(), mapping.kind, sig, json.dumps(mapping.to_json()), actor])
        audit.record(con, actor, "mapping_saved", name.strip(),
                     {"kind": mapping.kind, "columns": len(headers), "signature": sig})
        db.bump_data_version(con)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def profile_for(con: duckdb.DuckDBPyConnection, parsed: Parsed, kind: str) -> Mapping | None:
    """The newest saved profile for a file with exactly these columns, if any."""
    row = con.execute("SELECT mapping, name FROM mapping_profiles WHERE columns_signature = ? "
                      "ORDER BY saved_at DESC LIMIT 1", [columns_signature(parsed.headers, kind)]).fetchone()
    if row is None:
        return None
    m = Mapping.from_json(json.loads(row[0]))
    m.notices.append(f"mapping profile {row[1]!r} applied (saved for files with these columns)")
    return m


def profiles(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Saved profiles, newest first: name, kind, columns_signature, mapping (JSON), saved_by, saved_at."""
    return con.execute("SELECT name, kind, columns_signature, mapping, saved_by, saved_at "
                       "FROM mapping_profiles ORDER BY saved_at DESC").df()
