"""Personal data in free text: the patterns, and the SQL that masks them at ingest.

:func:`sql` is the DuckDB expression the load stores comments through (cx and ex), so
masking runs in the load's transaction and nothing unmasked is ever written. Each match
becomes a placeholder:

* ``[email]``: an address like ``jane.doe+x@acme.co.uk``.
* ``[ip]``: an IPv4 address (``192.168.1.20``; a four-part version number such as
  ``1.2.3.4`` reads the same and is masked too) or an IPv6 address, full
  (``2001:0db8:85a3:0:0:8a2e:370:7334``) or compressed (``2001:db8::1``, ``::ffff:192.0.2.1``).
* ``[phone]``: 8 to 15 digits in a phone number's usual shape: after ``+`` and a country
  code; after an area code in brackets, ``(020) 7946 0958``; starting with a trunk ``0``
  in groups (``0161 496 0000``, ``06 12 34 56 78``, ``020-123 4567``, ``07700900123``); or
  North American ``555-123-4567``.
* ``[card]``: 13 to 19 digits grouped like a payment card (``4111 1111 1111 1111``,
  ``3782 822463 10005``, spaces, dashes or none) that pass the Luhn check.

Not masked: dates and times (``2026-10-05 09:00``, ``05.10.2026``, ``10/05/2026``), years and
ranges (``2019-2021``), short numbers (``order 12345``, ``5 stars``), prices (``£19.99``),
version numbers of up to three parts (``1.2.3``), long numbers that fail the Luhn check and
start with no phone prefix, and spelt-out addresses (``jane at acme dot com``).

The patterns are RE2 (DuckDB's regular expressions) and read the same in Python's ``re``.
"""

from __future__ import annotations

import duckdb

_HEX = "[0-9A-Fa-f]{1,4}"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"

EMAIL = r"[^\s@<>()\[\],;:\"']+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
IPV4 = rf"\b{_OCTET}(?:\.{_OCTET}){{3}}\b"
# Full; compressed with groups before "::" (and maybe after, an IPv4 address last); "::" then groups.
_V6_TAIL = rf"(?:{_HEX}:){{0,5}}(?:{IPV4}|{_HEX}\b)"
IPV6 = (rf"(?:\b{_HEX}(?::{_HEX}){{7}}\b|\b{_HEX}(?::{_HEX}){{0,6}}::{_V6_TAIL}"
        rf"|\b{_HEX}(?::{_HEX}){{1,6}}::|::{_V6_TAIL})")
PHONE = (r"(?:\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,6}"  # +44 20 7946 0958, +1 (555) 123-4567
         r"|\(\d{2,5}\)[ .-]?\d{3,4}[ .-]?\d{3,4}"  # (020) 7946 0958
         # a trunk 0 then a 3-5 digit area code, or 2 digits and a group of 3 or more (never a date's 2, 2, 4)
         r"|\b0\d{2,4}(?:[ -]\d{2,8}){1,4}|\b0\d{2,4}(?:\.\d{2,8}){1,4}|\b0\d[ -]\d{3,8}(?:[ -]\d{2,8}){0,3}"
         r"|\b0\d(?:[ .-]\d\d){4}|\b0\d{7,11}"  # 06 12 34 56 78, 07700900123
         r"|\b\d{3}[ .-]\d{3}[ .-]\d{4})\b")  # 555-123-4567
CARD = r"\b(?:\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{1,7}|\d{4}[ -]?\d{6}[ -]?\d{4,5})\b"

#: A whole cell that is an email address, or an IP address (how identifier columns are recognised).
EMAIL_CELL = rf"^{EMAIL}$"
IP_CELL = rf"^(?:{IPV4}|{IPV6})$"

PLACEHOLDERS = {"email": "[email]", "ip": "[ip]", "phone": "[phone]", "card": "[card]"}

_DIGITS = r"length(regexp_replace(x, '\D', '', 'g'))"
_LUHN = (r"list_sum(list_transform(list_reverse(regexp_extract_all(x, '\d')), lambda d, i: "
         r"CASE WHEN i % 2 = 0 THEN d::INT * 2 // 10 + d::INT * 2 % 10 ELSE d::INT END)) % 10 = 0")


def literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def sql(expr: str) -> str:
    """SQL: the text ``expr`` with every email, IP address, phone and card number replaced by its
    placeholder (NULL stays NULL). ``expr`` appears several times: pass a column, not a computation.

    Emails go first (their digits are not phone numbers), IPv6 before IPv4 (an IPv4 address may end
    an IPv6 one), cards before phones (``6011 0009 9013 9424`` holds ``0009 9013 9424``) but not after
    ``+`` (``+4915112345678`` is a phone number, whatever its Luhn sum), and phones before IPv4
    (``06.12.34.56.78`` is a phone number).
    """
    text = f"regexp_replace({expr}, {literal(EMAIL)}, {literal(PLACEHOLDERS['email'])}, 'g')"
    text = f"regexp_replace({text}, {literal(IPV6)}, {literal(PLACEHOLDERS['ip'])}, 'g')"
    text = _replace_where(text, [(rf"\+?{CARD}", f"NOT starts_with(x, '+') AND {_LUHN}", PLACEHOLDERS["card"]),
                                 (PHONE, f"{_DIGITS} BETWEEN 8 AND 15", PLACEHOLDERS["phone"])])
    text = f"regexp_replace({text}, {literal(IPV4)}, {literal(PLACEHOLDERS['ip'])}, 'g')"
    every = "|".join((EMAIL, IPV6, PHONE, CARD, IPV4))
    # Most comments hold none of them: one scan for any pattern spares them the rest.
    return f"CASE WHEN regexp_matches({expr}, {literal(every)}) THEN {text} ELSE {expr} END"


def _replace_where(expr: str, rules: list[tuple[str, str, str]]) -> str:
    """SQL: ``expr`` with each match ``x`` of a rule's pattern for which its condition holds replaced by
    its placeholder, the first rule's matches first. A regular expression alone cannot count digits
    across separators or check a Luhn sum, so the matches are listed, kept and replaced one by one."""
    found = [f"list_transform(list_filter(regexp_extract_all({expr}, {literal(pattern)}), lambda x: {keep}), "
             f"lambda x: [x, {literal(label)}])" for pattern, keep, label in rules]
    return f"list_reduce(list_concat({', '.join(found)}), lambda acc, m: replace(acc, m[1], m[2]), {expr})"


def mask(con: duckdb.DuckDBPyConnection, texts: list[str]) -> list[str]:
    """``texts`` (headers, attribute names) masked as :func:`sql` masks comments."""
    if not texts:
        return []
    return con.execute(f"SELECT list_transform(?::VARCHAR[], lambda t: {sql('t')})", [list(texts)]).fetchone()[0]
