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

import copy
import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ..txn import transaction
from . import pii
from . import schema as F
from .schema import DATE_FAMILIES as _FAMILIES
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
    date_format: str | list[str] | None = None
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
        if not isinstance(kind, str) or kind not in F.TABLES:
            raise IngestError(f"mapping kind must be 'cx' or 'ex', not {kind!r}")
        fmt = obj.get("date_format")
        if fmt is not None and not (isinstance(fmt, str) or (isinstance(fmt, list) and fmt
                                                              and all(isinstance(f, str) for f in fmt))):
            raise IngestError('date_format must be a strptime format like "%d/%m/%Y %H:%M", or a list of them')
        m = cls(kind, {str(k): str(v or "") for k, v in obj["columns"].items()},
                obj.get("labels") or {}, obj.get("scales") or {}, obj.get("missing") or [],
                obj.get("date_format") or None, obj.get("defaults") or {})
        m.check()
        return m

    @classmethod
    def load(cls, path: str | Path) -> "Mapping":
        """The mapping file at ``path``; IngestError when it cannot be read or is not a mapping."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise IngestError(f"{path}: cannot read the mapping file ({exc.strerror})") from None
        return cls.from_bytes(data, str(path))

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "mapping file") -> "Mapping":
        """A mapping from a JSON file's bytes (the CLI's --mapping, the Data page's upload)."""
        try:
            obj = json.loads(data.decode("utf-8-sig"))
        except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, nested too deep
            raise IngestError(f"{name}: not a JSON mapping file ({str(exc).splitlines()[0][:200]})") from None
        return cls.from_json(obj)

    def date_formats(self) -> list[str] | None:
        """``date_format`` as a list (None when the default formats apply)."""
        if not self.date_format:
            return None
        return [self.date_format] if isinstance(self.date_format, str) else list(self.date_format)

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
        self._check_rules()

    def _check_rules(self) -> None:
        """IngestError for labels, scales, missing codes or defaults of the wrong shape (a mapping
        file is user input: a scale of ["a", "b"] must be a clear message, not a traceback)."""
        if not isinstance(self.scales, dict):
            raise IngestError('scales must be {"<field or attribute:NAME>": {"from": [lowest, highest]}}')
        for key, scale in self.scales.items():
            if not isinstance(scale, dict) or set(scale) - {"from", "to"} or not _is_range(scale.get("from")) \
                    or ("to" in scale and scale["to"] is not None and not _is_range(scale["to"])):
                raise IngestError(f'scales[{key!r}] needs "from": [lowest, highest], two numbers with the lowest '
                                  f'first (and optionally "to" the same way), not {scale!r}')
        if not isinstance(self.labels, dict) or not all(
                isinstance(v, dict) and all(_is_number(n) for n in v.values()) for v in self.labels.values()):
            raise IngestError('labels must be {"<field or attribute:NAME or *>": {"<answer text>": <number>}}')
        codes = self.missing.values() if isinstance(self.missing, dict) else [self.missing]
        if not isinstance(self.missing, (list, dict)) or not all(
                isinstance(c, list) and all(isinstance(x, (str, int, float)) and not isinstance(x, bool) for x in c)
                for c in codes):
            raise IngestError('missing must be a list of codes like ["0", "-99"], or {"<field or *>": [...]}')
        if not isinstance(self.defaults, dict) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                                          for v in self.defaults.values()):
            raise IngestError('defaults must be {"submitted_at": "YYYY-MM-DD", "source": "...", ...}')


# --- suggestion ----------------------------------------------------------------------------

_PRIVATE_HEADER = re.compile(r"e-?mail|ip[ -]?address|^ip$", re.I)

#: (field, pattern on the lower-cased question text), tried in order; the first free field wins.
_WORDING = [
    ("enps", r"recommend.*(place to work|work for|employer|as an? (company|organi[sz]ation) to work)"),
    ("nps", r"how likely .*recommend|likely to recommend|\bnps\b|net promoter|weiterempfehl|recommander|"
            r"recomendar|aanbevelen"),
    ("csat", r"satisf"),
    ("satisfaction", r"satisf"),
    ("ces", r"\beas(y|e|ier)\b|effort"),
    ("engagement", r"engag"),
    # when the response was recorded, then when it ended, then any date (a start date last)
    ("submitted_at", r"^(recordeddate|recorded date|submitdate|date submitted|datum verzonden|submitted|timestamp|"
                     r"submitted at|submission date|response date)$"),
    ("submitted_at", r"^(enddate|end date|date|completed)$"),
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
    ("comment", r"comment|feedback|verbatim|open.?ended|anything else|why did you|^why\b|suggestion|"
                r"do better|could we|can we|tell us|remarks|please explain|reason for your (score|rating)|"
                r"kommentar|commentaire|comentario|opmerking|free.?text|open.?text"),
]
_NOT_RATING = re.compile(r"\b(rank|age|year|years|level|count|number|num|distance|times|rate|income|salary|hours|"
                         r"delay|id|code|minutes|seconds|duration|progress|latitude|longitude|accuracy|lastpage|page|"
                         r"seed)\b", re.I)


#: Metadata columns the survey tools add, per layout, as normalised headers (lower case, letters and
#: digits only) -> the fields they may be suggested as (empty: never loaded by a suggestion). They are
#: never a dimension, a score or an attribute, whatever their values look like (Qualtrics' Status 0-2
#: is not a rating, its DistributionChannel is not the customer's channel). Matched in every layout:
#: the names are the tools' own, and a file re-saved from an export keeps them.
VENDOR_METADATA: dict[str, dict[str, tuple[str, ...]]] = {
    "qualtrics": {
        "startdate": ("submitted_at",), "enddate": ("submitted_at",), "recordeddate": ("submitted_at",),
        "status": (), "ipaddress": (), "progress": (), "durationinseconds": (), "finished": (),
        "responseid": ("response_id",), "recipientlastname": (), "recipientfirstname": (), "recipientemail": (),
        "externalreference": (), "externaldatareference": (), "locationlatitude": (), "locationlongitude": (),
        "locationaccuracy": (), "distributionchannel": (), "userlanguage": (), "responseset": (), "name": (),
        "emailaddress": (), "qrecaptchascore": (), "qrelevantidduplicate": (), "qrelevantidduplicatescore": (),
        "qrelevantidfraudscore": (), "qrelevantidlaststartdate": (), "qurl": (),
    },
    "surveymonkey": {
        "respondentid": ("response_id",), "collectorid": (), "startdate": ("submitted_at",),
        "enddate": ("submitted_at",), "ipaddress": (), "emailaddress": (), "firstname": (), "lastname": (),
        "customdata": (), "customdata1": (),
    },
    "google_forms": {"timestamp": ("submitted_at",), "emailaddress": (), "score": ()},
    "limesurvey": {
        "id": ("response_id",), "responseid": ("response_id",), "responsid": ("response_id",),
        "submitdate": ("submitted_at",), "datesubmitted": ("submitted_at",), "datumverzonden": ("submitted_at",),
        "lastpage": (), "laatstepagina": (), "startlanguage": (), "begintaal": (), "seed": (),
        "startdate": ("submitted_at",), "datestarted": ("submitted_at",), "datestamp": ("submitted_at",),
        "datelastaction": ("submitted_at",), "ipaddr": (), "ipaddress": (), "refurl": (), "referrerurl": (),
        "token": (), "interviewtime": (), "totaltime": (), "totaaltijd": (),
    },
}
_METADATA = {name: roles for table in VENDOR_METADATA.values() for name, roles in table.items()}
#: Time spent per survey, group or question (LimeSurvey's interviewtime, groupTime12, 12X3X4time and
#: their labels in English and Dutch; any "duration" or "seconds" column): metadata, never an answer.
_TIMING = re.compile(r"^(interview ?time|total ?time|totaal ?tijd|group ?time|groep ?tijd|question ?time|vraag ?tijd)"
                     r"|^\d+x\d+x\d+\w*time$|duration|dauer|\bseconds\b|\bsekunden\b|time taken|time spent", re.I)
#: Fields that group responses: a suggestion never fills them with metadata, timings or free text.
DIMENSIONS = ("business_unit", "region", "channel", "segment", "journey_stage", "department", "tenure_band")
#: Longest attribute name a suggestion gives (long question texts are shortened to their key words).
ATTRIBUTE_NAME_MAX = 30
#: Words left out of a shortened attribute name (question filler in the languages of the usual exports).
_STOPWORDS = frozenset("""
a an the and or of to in on at for with by from as is are was were be been it its this that these those
you your yours we our us i me my how what which who whom when where why do does did have has had would
could should will can please rate following about overall very much more most there their they them
de het een en of van te in op aan voor met door is zijn was waren dat die deze dit u uw je jij ik mijn
wij we ons hoe wat welke wie waar waarom gaan gaat over om er niet wel ook al als bij nog ben heb
der die das und oder ein eine zu im mit von für ist sind sie ihr wie was welche la le les un une et ou
des du en pour avec est sont el los las y o del para con es son
""".split())


def metadata_roles(header: str) -> tuple[str, ...] | None:
    """The fields a survey tool's metadata column may be suggested as (an empty tuple: none; it is
    left out), or None when ``header`` is not metadata. Timing columns are metadata."""
    key = re.sub(r"[^0-9a-z]", "", header.lower())
    if key in _METADATA:
        return _METADATA[key]
    return () if _TIMING.search(header.strip()) else None


def _free_text(st: dict, question: str) -> bool:
    """A column of free text: an open-ended question, or long answers that are mostly different."""
    if "open-ended" in question.lower():
        return True
    filled = st["filled"] or 0
    return bool(filled) and ((st["avglen"] or 0) > 40 or ((st["distinct"] or 0) > max(50, 0.5 * filled)
                                                          and (st["avglen"] or 0) > 15))


def attribute_names(headers: list[str], taken: set[str] | tuple[str, ...] = ()) -> dict[str, str]:
    """A short, unique attribute name per header: the header itself when it has at most
    ATTRIBUTE_NAME_MAX characters, else a slug of its key words ("koffie_drinken_plan"), shown
    with spaces by ``fmt.name``. Words shared by most long headers of the file ("Deze vragen gaan
    over de komende maand") and filler words are left out; a repeated name gets "_2", "_3" ..."""
    long = [h for h in headers if len(h.strip()) > ATTRIBUTE_NAME_MAX]
    seen: dict[str, int] = {}
    for h in long:
        for w in set(_key_words(h)):
            seen[w] = seen.get(w, 0) + 1
    common = {w for w, n in seen.items() if len(long) >= 4 and n > 0.5 * len(long)}
    used = {t.lower() for t in taken}
    out = {}
    for h in headers:
        if h not in long:
            name = h.strip()
        else:
            # A grid's "question [item]" or "question - option": the question's last key words, then the item's.
            stem, _, item = h.rpartition("[") if "[" in h else h.rpartition(" - ") if " - " in h else ("", "", h)
            stem_words = [w for w in _key_words(stem) if w not in common]
            item_words = [w for w in _key_words(item) if w not in common and w not in stem_words]
            key = (stem_words[-2:] + item_words if item_words else stem_words) or _key_words(h) or ["question"]
            name = key[0][:ATTRIBUTE_NAME_MAX]
            for w in key[1:]:
                if len(name) + 1 + len(w) > ATTRIBUTE_NAME_MAX:
                    break
                name += "_" + w
        base, n = name, 1
        while name.lower() in used:
            n += 1
            name = f"{base[:ATTRIBUTE_NAME_MAX - len(str(n)) - 1]}_{n}"
        used.add(name.lower())
        out[h] = name
    return out


_PERSONAL = [(re.compile(pattern), f" {word} ") for pattern, word in
             ((pii.EMAIL, "email"), (pii.IPV4, "ip"), (pii.PHONE, "phone"), (pii.CARD, "card"))]


def _key_words(text: str) -> list[str]:
    """The lower-cased words of ``text`` that are not filler words; HTML tags dropped, and an email
    address, IP address, phone or card number replaced by that word (no part of it is kept)."""
    text = re.sub(r"<[^>]*>", " ", text)
    for pattern, word in _PERSONAL:
        text = pattern.sub(word, text)
    return [w for w in re.findall(r"[^\W_]+", text.lower()) if w not in _STOPWORDS]


_STAT_KEYS = ("filled", "numeric", "min", "max", "fractions", "distinct", "avglen", "emails", "ips", "iso",
              *(f"dates:{f}" for f in _FAMILIES))


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _is_range(x) -> bool:
    return isinstance(x, list) and len(x) == 2 and all(_is_number(v) for v in x) and x[0] < x[1]


def _column_stats(parsed: Parsed, columns: list[int] | None = None, sample: int = 5000, *,
                  identifiers: bool = False) -> list[dict]:
    """Per column (all, or the indexes ``columns``) of the first ``sample`` rows: non-blank,
    numeric, min/max, fractional, email and IP address counts, and how many cells read as ISO
    dates and as each date family. ``identifiers``: only the non-blank, email and IP counts.

    The sample is unpivoted to one (column, cell) row per non-blank cell and grouped by column:
    one small set of aggregates whatever the width, so memory follows the cells, not the
    columns (one aggregate set per column took 4.3 GB and 17 s for 373 columns).
    """
    columns = list(range(len(parsed.headers))) if columns is None else list(columns)
    if not columns:
        return []
    v, d = "v", "d"
    aggs = f"count({v}), 0, NULL, NULL, 0, 0, NULL, {_identifier_counts(v)}" if identifiers else (
            f"count({v}), count(TRY_CAST({v} AS DOUBLE)), min(TRY_CAST({v} AS DOUBLE)), "
            f"max(TRY_CAST({v} AS DOUBLE)), count(*) FILTER (WHERE TRY_CAST({v} AS DOUBLE) % 1 <> 0), "
            f"approx_count_distinct({v}), avg(strlen({v})), {_identifier_counts(v)}, count({F.iso_timestamp(v)}), "
            # the formats are this module's constants, not file text
            + ", ".join(f"count(try_strptime({d}, [{', '.join(repr(f) for f in fmts)}]))" for fmts in _FAMILIES.values()))
    if identifiers:
        aggs += ", 0" * (len(_STAT_KEYS) - 9)
    picked = ", ".join(f"c{i}" for i in columns)
    sql = (f"SELECT col, {aggs} FROM (SELECT col, v, {F.date_shaped(v)} AS d FROM "
           f"(SELECT col, nullif(trim(cell), '') AS v FROM (UNPIVOT (SELECT {picked} FROM {{source}} "
           f"LIMIT {int(sample)}) ON COLUMNS(*) INTO NAME col VALUE cell)) WHERE v IS NOT NULL) GROUP BY col")
    con = _scratch()
    try:
        rows = {r[0]: r[1:] for r in parsed.execute(con, sql).fetchall()}
    except duckdb.Error as exc:
        raise parsed.read_error(exc) from None
    finally:
        con.close()
    empty = (0, 0, None, None, 0, 0, None, 0, 0, 0, *(0 for _ in _FAMILIES))
    return [dict(zip(_STAT_KEYS, rows.get(f"c{i}", empty))) for i in columns]


def _scratch() -> duckdb.DuckDBPyConnection:
    """A private in-memory connection for sampling a file, kept small: it holds a few thousand rows."""
    return duckdb.connect(config={"memory_limit": "256MB", "threads": 2})


def _identifier_counts(v: str) -> str:
    """SQL aggregates over the cells ``v``: how many are an email address, how many an IP address.
    (The regular expressions run only on cells with an "@", or a "." or ":": not on plain numbers.)"""
    return (f"count(*) FILTER (WHERE contains({v}, '@') AND regexp_matches({v}, {pii.literal(pii.EMAIL_CELL)})), "
            f"count(*) FILTER (WHERE (contains({v}, '.') OR contains({v}, ':')) "
            f"AND regexp_matches({v}, {pii.literal(pii.IP_CELL)}))")


def _identifiers(st: dict) -> str | None:
    """What a column holds when at least half of its sampled cells are email or IP addresses
    ("email addresses" or "IP addresses"), else None."""
    if not st["filled"] or st["emails"] + st["ips"] < 0.5 * st["filled"]:
        return None
    return "email addresses" if st["emails"] >= st["ips"] else "IP addresses"


def check_identifiers(parsed: Parsed, mapping: Mapping, sample: int = 5000) -> None:
    """Raise IngestError when a column that holds email or IP addresses (found as :func:`suggest`
    finds them) is mapped to anything but the person id, which is pseudonymised at load:
    identifiers are never stored."""
    index = {h: i for i, h in enumerate(parsed.headers)}
    loaded = [(h, t) for h, t in mapping.columns.items() if t and t != F.PERSON_ID[mapping.kind]]
    stats = _column_stats(parsed, [index[h] for h, _ in loaded], sample, identifiers=True)
    for (header, target), st in zip(loaded, stats):
        what = _identifiers(st)
        if what:
            raise IngestError(f"column {header!r} holds {what}; it cannot be loaded as {target} "
                              "(identifiers are never stored)")


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
    stats = dict(zip(parsed.headers, _column_stats(parsed)))
    questions = dict(zip(parsed.headers, parsed.questions))
    allowed = set(F.fields(kind))
    columns: dict[str, str] = dict.fromkeys(parsed.headers, "")
    used: set[str] = set()
    notices: list[str] = []
    scales: dict[str, dict] = {}
    date_format = None
    free = []  # columns that may be suggested, in file order
    for header, st in stats.items():
        if (_PRIVATE_HEADER.search(header) or _identifiers(st)) \
                and header.strip().lower() != F.PERSON_ID[kind]:
            notices.append(f"column {header!r} looks like email or IP addresses and is not loaded")
        else:
            free.append(header)

    def assign(header: str, target: str) -> None:
        columns[header] = target
        used.add(target)

    meta = {h: r for h in free if (r := metadata_roles(h)) is not None}
    for header in free:  # canonical names first
        canon = header.strip().lower()
        if canon in allowed and canon not in used and canon in meta.get(header, (canon,)):
            assign(header, canon)
    # Then wordings, strongest first, each over every column still free: RecordedDate or End Date
    # wins over StartDate wherever they stand. A tool's metadata column is only what it is (an id,
    # a date); dimensions never take metadata, timings or free text.
    for fld, pattern in _WORDING:
        if fld not in allowed or fld in used:
            continue
        for header in free:
            st = stats[header]
            if columns[header] or (fld == "comment" and st["numeric"] > 0.5 * st["filled"]):
                continue
            if (header in meta and fld not in meta[header]) or \
                    (fld in DIMENSIONS and _free_text(st, questions[header])):
                continue
            if re.search(pattern, header.lower()) or re.search(pattern, questions[header].lower()):
                assign(header, fld)
                break
    if "submitted_at" not in used:  # a column of dates under a header we do not know ("Datum")
        for header in free:
            st = stats[header]
            if not columns[header] and st["filled"] and st["numeric"] < st["filled"] \
                    and "submitted_at" in meta.get(header, ("submitted_at",)) \
                    and _dates(st)[1] >= 0.9 * st["filled"]:
                assign(header, "submitted_at")
                notices.append(f"column {header!r} holds dates: suggested as the response date")
                break
    date_header = next((h for h, t in columns.items() if t == "submitted_at"), None)
    if date_header is not None:
        date_format, note = _date_family(date_header, stats[date_header])
        notices += note

    rated = [h for h in free if not columns[h] and h not in meta and _rating(stats[h], h)]
    names = attribute_names(rated)
    for header in free:
        st, canon, target = stats[header], header.strip().lower(), columns[header]
        if target in F.SCORES[kind] and canon != target:
            # A question on another standard scale (a 1-7 "satisfied" item): convert, shown as a rule.
            lo, hi = F.SCORES[kind][target]
            if st["numeric"] and st["numeric"] >= 0.9 * st["filled"] and (st["min"] < lo or st["max"] > hi):
                a, b = _scale_from(st)
                if b in (4, 5, 7, 10) and (a, b) != (lo, hi):
                    scales[target] = {"from": [a, b], "to": [lo, hi]}
        if header in names:
            target = F.ATTRIBUTE + names[header]
            lo, hi = _scale_from(st)
            if (lo, hi) != F.DEFAULT_ATTRIBUTE_SCALE:
                scales[target] = {"from": [lo, hi]}
        columns[header] = target
    return Mapping(kind, columns, scales=scales, date_format=date_format, notices=notices)


def _rating(st: dict, header: str) -> bool:
    """A column of small whole numbers (0-10, at least three apart) whose header is no count or code."""
    return bool(st["filled"]) and st["numeric"] == st["filled"] and not st["fractions"] \
        and 0 <= st["min"] and st["max"] <= 10 and st["max"] - st["min"] >= 2 and not _NOT_RATING.search(header)


def _dates(st: dict) -> tuple[str | None, int]:
    """(the date family reading most of a column's sample, how many it reads); ISO is None."""
    best, count = None, st["iso"] or 0
    for family in _FAMILIES:  # in order: month/day/year wins a tie with day/month/year
        if (st[f"dates:{family}"] or 0) > count:
            best, count = family, st[f"dates:{family}"]
    return best, count


def _date_family(header: str, st: dict) -> tuple[list[str] | None, list[str]]:
    """The date_format for the response-date column (None: the default formats read it) and notices."""
    family, count = _dates(st)
    if family is None or not count:
        return None, []
    example = {"month/day/year": "10/05/2026 = 5 October 2026", "day/month/year": "10/05/2026 = 10 May 2026",
               "day.month.year": "10.05.2026 = 10 May 2026", "year/month/day": "2026/05/10 = 10 May 2026"}[family]
    note = f"dates in {header!r} are read as {family} ({example})"
    if family == "month/day/year" and st["dates:day/month/year"] == count:
        note += "; they read as day/month/year too: if that is meant, set the mapping's date_format"
    return (_FAMILIES[family] if family == "day/month/year" else None), [note]


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


# --- answer rules edited on the Data page ----------------------------------------------------------


def missing_codes(mapping: Mapping) -> list[str]:
    """The codes that mean "no answer" in every score column (the ``*`` list of ``missing``)."""
    codes = mapping.missing
    return [str(c) for c in (codes.get("*") or [] if isinstance(codes, dict) else codes)]


def date_family(mapping: Mapping) -> str | None:
    """The date family named by ``date_format`` (None: the default formats; "custom": other formats)."""
    fmts = mapping.date_formats()
    if fmts is None:
        return None
    return next((name for name, family in _FAMILIES.items() if fmts == family), "custom")


def scale_table(mapping: Mapping) -> list[dict]:
    """One row per mapped score or attribute: its target and the file's scale (lowest, highest)."""
    rows = []
    for target in mapping.targets():
        if target in F.SCORES[mapping.kind] or target.startswith(F.ATTRIBUTE):
            spec = mapping.scales.get(target) or {}
            lo, hi = spec.get("from") or (F.DEFAULT_ATTRIBUTE_SCALE if target.startswith(F.ATTRIBUTE)
                                          else F.SCORES[mapping.kind][target])
            rows.append({"target": target, "lowest": float(lo), "highest": float(hi)})
    return rows


def with_rules(mapping: Mapping, *, codes: str | list[str] | None = None, family: str | None = "keep",
               scales: list[dict] | None = None) -> Mapping:
    """``mapping`` with the Data page's answer rules.

    ``codes``: "0, -99" (commas or semicolons) or a list: the codes that mean "no answer" in every
    score column, replacing the ``*`` list (per-target lists from a mapping file are kept).
    ``family``: a key of ``DATE_FAMILIES``, None for the default formats, "keep" to leave it.
    ``scales``: rows of :func:`scale_table`; a scale equal to the field's own (or 1-5 for an
    attribute) needs no entry. Raises IngestError for an impossible scale.
    """
    out = copy.deepcopy(mapping)
    if codes is not None:
        listed = [c.strip() for c in re.split(r"[,;]", codes)] if isinstance(codes, str) else list(codes)
        listed = [c for c in listed if c]
        if isinstance(out.missing, dict):
            out.missing = {**out.missing, "*": listed}
        else:
            out.missing = listed
    if family != "keep" and family != "custom":
        if family is not None and family not in _FAMILIES:
            raise IngestError(f"unknown date layout {family!r}; use one of {sorted(_FAMILIES)}")
        out.date_format = _FAMILIES[family] if family else None
    for row in scales or []:
        target = row["target"]
        try:
            lo, hi = float(row["lowest"]), float(row["highest"])
        except (TypeError, ValueError):
            raise IngestError(f"{target}: give the lowest and the highest answer as numbers") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise IngestError(f"{target}: the lowest answer must be below the highest ({lo:g}–{hi:g})")
        own = F.DEFAULT_ATTRIBUTE_SCALE if target.startswith(F.ATTRIBUTE) else F.SCORES[out.kind][target]
        if (lo, hi) == tuple(map(float, own)):
            out.scales.pop(target, None)
        else:
            out.scales[target] = {**(out.scales.get(target) or {}), "from": [lo, hi]}
    out.check()
    return out


# --- saved profiles --------------------------------------------------------------------------


def columns_signature(headers: list[str], kind: str) -> str:
    """The key a profile is found by: a hash of the kind and the file's headers, masked (:mod:`.pii`)."""
    return hashlib.sha256(("\x1f".join([kind, *headers])).encode("utf-8")).hexdigest()


def save_profile(con: duckdb.DuckDBPyConnection, name: str, mapping: Mapping, parsed: Parsed | list[str],
                 *, actor: str) -> None:
    """Save ``mapping`` as profile ``name`` for files with ``parsed``'s columns (audited).

    No header text is stored with personal data in it: headers and attribute names are masked as
    comments are (an email in a question's text becomes ``[email]``), and a column that is not
    loaded and whose header held any is left out. The signature is of the masked headers too.
    """
    from .. import audit, db

    headers = parsed.headers if isinstance(parsed, Parsed) else list(parsed)
    mapping.check(headers)
    if not name.strip():
        raise IngestError("a mapping profile needs a name")
    stored, masked = _scrubbed(con, mapping, headers)
    sig = columns_signature(masked, mapping.kind)
    with transaction(con):
        con.execute("DELETE FROM mapping_profiles WHERE name = ?", [name.strip()])
        con.execute("INSERT INTO mapping_profiles (name, kind, columns_signature, mapping, saved_by) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [name.strip(), mapping.kind, sig, json.dumps(stored.to_json()), actor])
        audit.record(con, actor, "mapping_saved", name.strip(),
                     {"kind": mapping.kind, "columns": len(headers), "signature": sig})
        db.bump_data_version(con)


def _scrubbed(con: duckdb.DuckDBPyConnection, mapping: Mapping, headers: list[str]) -> tuple[Mapping, list[str]]:
    """(``mapping`` as a profile stores it, the file's masked headers): columns named by their masked
    header, those not loaded whose header changed left out, attribute names masked as the load masks them.
    IngestError when a loaded column's masked header is another column's too (the profile could not
    tell them apart)."""
    attributes = [t for t in mapping.columns.values() if t.startswith(F.ATTRIBUTE)]
    texts = [*headers, *mapping.columns, *(t[len(F.ATTRIBUTE):].strip() for t in attributes)]
    masked = dict(zip(texts, pii.mask(con, texts)))
    file_headers = [masked[h] for h in headers]
    for header, target in mapping.columns.items():
        if target and file_headers.count(masked[header]) > 1:
            raise IngestError(f"two columns read {masked[header]!r} once personal data in their headers is "
                              "masked; rename one before saving a profile")
    renamed = {t: F.ATTRIBUTE + masked[t[len(F.ATTRIBUTE):].strip()] for t in attributes}

    def keyed(d: dict) -> dict:
        return {renamed.get(k, k): v for k, v in d.items()}

    out = copy.deepcopy(mapping)
    out.columns = {masked[h]: renamed.get(t, t) for h, t in mapping.columns.items() if t or masked[h] == h}
    out.labels, out.scales = keyed(out.labels), keyed(out.scales)
    if isinstance(out.missing, dict):
        out.missing = keyed(out.missing)
    return out, file_headers


def profile_for(con: duckdb.DuckDBPyConnection, parsed: Parsed, kind: str) -> Mapping | None:
    """The newest saved profile for a file with exactly these columns (masked as they were saved), if any."""
    masked = pii.mask(con, parsed.headers)
    row = con.execute("SELECT mapping, name FROM mapping_profiles WHERE columns_signature = ? "
                      "ORDER BY saved_at DESC LIMIT 1", [columns_signature(masked, kind)]).fetchone()
    if row is None:
        return None
    m = Mapping.from_json(json.loads(row[0]))
    header = dict(zip(masked, parsed.headers))
    m.columns = {header.get(h, h): t for h, t in m.columns.items()}
    m.notices.append(f"mapping profile {row[1]!r} applied (saved for files with these columns)")
    return m


def profiles(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Saved profiles, newest first: name, kind, columns_signature, mapping (JSON), saved_by, saved_at."""
    return con.execute("SELECT name, kind, columns_signature, mapping, saved_by, saved_at "
                       "FROM mapping_profiles ORDER BY saved_at DESC").df()
