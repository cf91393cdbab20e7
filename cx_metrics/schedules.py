"""Schedules: a board pack or an alerts digest e-mailed to a list of people every month or week.

A schedule (table ``schedules``) names what to send and to whom:

* a **deck**: the board pack (:func:`cx_metrics.boardpack.write`) as PDF or PPTX, with chosen
  sections (None: all) and value filters, for the data's last complete quarter (the board pack's
  default period), or
* a **digest**: the alerts of the latest complete month (:func:`cx_metrics.alerts.alerts`, with the
  value filters) as the e-mail's text and HTML body;

and a cadence: ``monthly`` on day N of the month (1-28, a day every month has) or ``weekly`` on ISO
weekday N (1 = Monday ... 7 = Sunday).

**Periods.** A monthly schedule's periods are months, ``'2026-11'``, each beginning on its day N; a
weekly one's are ISO weeks, ``'2026-W48'``, each beginning on its weekday. At any moment a schedule's
*current period* is the latest one that has begun (from 1 to 14 December a day-15 schedule's is still
``'2026-11'``). A schedule is **due** while its current period has no successful send, so a new
schedule is due at its first run, a failed send is retried at every run until it goes through, a
period is never sent twice, and nothing is sent before day N. A period missed altogether (no run
while it was current) is not sent once the next one has begun.

**Sending** (:func:`run`) builds each due message from the published snapshot, outside the write
lock (the app and loads keep working), then inside :func:`cx_metrics.service.writer` checks again
that the period is still due, hands the message to the SMTP server and records the outcome in
``schedule_sends`` and the audit log in one transaction. Two runs started at once take turns on the
writer lock, so the second finds the period sent and sends nothing. SMTP settings come from
:func:`smtp_settings`.

Every rule a schedule must meet (who may save one, what a valid one holds) is checked here, in
:func:`validate` and :func:`add`/:func:`set_active`; the page and the CLI only call them.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import smtplib
import ssl
import tempfile
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from . import access, audit, config, service
from .filters import FILTER_COLUMNS, Filters, months_before
from .txn import transaction

Kind = Literal["deck", "digest"]
Cadence = Literal["monthly", "weekly"]
KINDS: dict[str, str] = {"deck": "Board pack", "digest": "Alerts digest"}
FORMATS: dict[str, str] = {"pdf": "application/pdf",
                           "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
CADENCES: tuple[str, ...] = ("monthly", "weekly")
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: A monthly schedule's latest day: every month has it.
LAST_MONTH_DAY = 28
MAX_RECIPIENTS = 50
MAX_NAME = 100
#: Seconds the SMTP server may take to answer; the writer lock is held meanwhile.
SMTP_TIMEOUT_S = 30.0
_EMAIL = re.compile(r"[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[^@\s,;<>\"'.]+")


@dataclass(frozen=True)
class Schedule:
    """One schedule. ``filters`` maps :class:`~cx_metrics.filters.Filters` value fields
    (``business_units``, ...) to the values kept; ``sections`` None means every board-pack section."""

    name: str
    kind: str
    cadence: str
    day: int
    recipients: tuple[str, ...]
    format: str | None = "pdf"
    sections: tuple[str, ...] | None = None
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    schedule_id: int | None = None
    active: bool = True
    created_at: datetime | None = None
    created_by: str | None = None

    @property
    def when(self) -> str:
        """'monthly on day 1', 'weekly on Monday'."""
        return describe_when(self.cadence, self.day)


def describe_when(cadence: str, day: int) -> str:
    return f"monthly on day {day}" if cadence == "monthly" else f"weekly on {WEEKDAYS[day - 1]}"


# --- The one gate: what a schedule must be --------------------------------------------

def parse_recipients(text: str | Sequence[str]) -> tuple[str, ...]:
    """Addresses from text separated by commas, semicolons, spaces or new lines (or a list of such)."""
    parts = [text] if isinstance(text, str) else list(text)
    return tuple(a for p in parts for a in re.split(r"[\s,;]+", str(p)) if a)


def parse_day(cadence: str, text: str | int) -> int:
    """A day as given on the command line: a number, or for a weekly schedule a weekday ('mon', 'Friday')."""
    value = str(text).strip()
    if value.isdigit():
        return int(value)
    if cadence == "weekly":
        for number, name in enumerate(WEEKDAYS, start=1):
            if len(value) >= 3 and name.lower().startswith(value.lower()):
                return number
    raise ValueError(f"day {value!r} is not a number" + (" or a weekday" if cadence == "weekly" else ""))


def value_filters(filters: Filters) -> dict[str, tuple[str, ...]]:
    """The value filters that are set in ``filters``, by field name: what a schedule stores."""
    return {name: getattr(filters, name) for name in FILTER_COLUMNS if getattr(filters, name)}


def validate(s: Schedule) -> Schedule:
    """``s`` tidied (names stripped, recipients de-duplicated), or ValueError with one line saying
    what is wrong: an empty or long name, an unknown kind, format, section or filter, a day outside
    1-28 (monthly) or 1-7 (weekly), no recipient or an address that is not one."""
    from . import boardpack  # its section registry; heavy, so only when a schedule is checked

    name = " ".join(str(s.name or "").split())
    if not name:
        raise ValueError("a schedule needs a name")
    if len(name) > MAX_NAME:
        raise ValueError(f"the name is longer than {MAX_NAME} characters")
    if s.kind not in KINDS:
        raise ValueError(f"kind must be deck or digest, not {s.kind!r}")
    fmt, sections = None, None
    if s.kind == "deck":
        fmt = (s.format or "pdf").lower()
        if fmt not in FORMATS:
            raise ValueError(f"format must be pdf or pptx, not {s.format!r}")
        if s.sections is not None:
            sections = tuple(dict.fromkeys(str(x).strip() for x in s.sections))
            unknown = [x for x in sections if x not in boardpack.SECTIONS]
            if unknown:
                raise ValueError(f"unknown section {unknown[0]!r}; choose from {', '.join(boardpack.SECTIONS)}")
    if s.cadence not in CADENCES:
        raise ValueError(f"cadence must be monthly or weekly, not {s.cadence!r}")
    most = LAST_MONTH_DAY if s.cadence == "monthly" else 7
    if isinstance(s.day, bool) or not isinstance(s.day, int) or not 1 <= s.day <= most:
        what = "day of the month must be 1 to 28 (a day every month has)" if s.cadence == "monthly" else \
            "weekday must be 1 (Monday) to 7 (Sunday)"
        raise ValueError(f"the {what}, not {s.day!r}")
    filters = {}
    for key, values in (s.filters or {}).items():
        if key not in FILTER_COLUMNS:
            raise ValueError(f"unknown filter {key!r}; use {', '.join(FILTER_COLUMNS)}")
        kept = tuple(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))
        if kept:
            filters[key] = kept
    recipients = tuple(dict.fromkeys(a.strip() for a in s.recipients if a.strip()))
    if not recipients:
        raise ValueError("a schedule needs at least one recipient")
    if len(recipients) > MAX_RECIPIENTS:
        raise ValueError(f"at most {MAX_RECIPIENTS} recipients")
    bad = [a for a in recipients if not _EMAIL.fullmatch(a)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not an e-mail address")
    return dataclasses.replace(s, name=name, format=fmt, sections=sections, filters=filters, recipients=recipients)


# --- Stored schedules -------------------------------------------------------------------

def add(con: duckdb.DuckDBPyConnection, s: Schedule, *, user: access.User, now: datetime | None = None) -> Schedule:
    """Check and store ``s`` for ``user`` (who needs ``edit_schedules``); audited as ``schedule_saved``.

    Returns the stored schedule with its id. Raises :class:`cx_metrics.access.Forbidden` or ValueError.
    """
    access.require(user, "edit_schedules")
    s = validate(s)
    now = now or datetime.now()
    with transaction(con):
        schedule_id = con.execute(
            """INSERT INTO schedules (name, kind, format, sections, filters, cadence, day, recipients, active,
                                      created_at, created_by)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?) RETURNING schedule_id""",
            [s.name, s.kind, s.format, None if s.sections is None else json.dumps(list(s.sections)),
             json.dumps({k: list(v) for k, v in s.filters.items()}), s.cadence, s.day,
             json.dumps(list(s.recipients)), now, user.email],
        ).fetchone()[0]
        saved = dataclasses.replace(s, schedule_id=schedule_id, created_at=now, created_by=user.email)
        audit.record(con, user.email, "schedule_saved", f"schedule {schedule_id}", {"created": as_json(saved)})
    return saved


def set_active(con: duckdb.DuckDBPyConnection, schedule_id: int, active: bool, *, user: access.User) -> Schedule:
    """Deactivate (or reactivate) a schedule; audited as ``schedule_saved``. Its sends stay recorded.

    Raises :class:`cx_metrics.access.Forbidden`, or ValueError for an unknown schedule.
    """
    access.require(user, "edit_schedules")
    with transaction(con):
        before = get(con, schedule_id)
        con.execute("UPDATE schedules SET active = ? WHERE schedule_id = ?", [bool(active), schedule_id])
        audit.record(con, user.email, "schedule_saved", f"schedule {schedule_id}",
                     {"name": before.name, "active": {"before": before.active, "after": bool(active)}})
    return dataclasses.replace(before, active=bool(active))


_SELECT = """SELECT schedule_id, name, kind, format, sections, filters, cadence, day, recipients, active,
                    created_at, created_by FROM schedules"""


def _from_row(row: tuple) -> Schedule:
    sid, name, kind, fmt, sections, filters, cadence, day, recipients, active, created_at, created_by = row
    return Schedule(name=name, kind=kind, cadence=cadence, day=day, recipients=tuple(json.loads(recipients)),
                    format=fmt, sections=None if sections is None else tuple(json.loads(sections)),
                    filters={k: tuple(v) for k, v in json.loads(filters or "{}").items()},
                    schedule_id=sid, active=active, created_at=created_at, created_by=created_by)


def get(con: duckdb.DuckDBPyConnection, schedule_id: int) -> Schedule:
    row = con.execute(f"{_SELECT} WHERE schedule_id = ?", [schedule_id]).fetchone()
    if row is None:
        raise ValueError(f"no schedule {schedule_id}")
    return _from_row(row)


def stored(con: duckdb.DuckDBPyConnection, *, active_only: bool = False) -> list[Schedule]:
    """Every schedule (or the active ones), oldest first."""
    return [_from_row(r) for r in con.execute(f"{_SELECT} WHERE active OR NOT ? ORDER BY schedule_id",
                                              [active_only]).fetchall()]


def as_json(s: Schedule) -> dict:
    """A schedule as the CLI prints it and the audit log keeps it."""
    return {"schedule_id": s.schedule_id, "name": s.name, "kind": s.kind, "format": s.format,
            "sections": None if s.sections is None else list(s.sections),
            "filters": {k: list(v) for k, v in s.filters.items()}, "cadence": s.cadence, "day": s.day,
            "when": s.when, "recipients": list(s.recipients), "active": s.active,
            "created_at": s.created_at.isoformat(timespec="seconds") if s.created_at else None,
            "created_by": s.created_by}


LIST_COLUMNS = ["schedule_id", "name", "what", "when", "recipients", "filters", "active", "created_by",
                "last_period", "last_attempt", "last_ok", "last_error", "status"]


def listing(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per schedule with its latest attempt: :data:`LIST_COLUMNS`.

    ``what`` is 'Board pack (PDF): all sections' or 'Alerts digest'; ``status`` says in words how the
    latest attempt went ('sent 2026-11 on 2026-11-01 09:00', 'failed 2026-11 ...: error', 'not sent yet').
    """
    rows = con.execute("""SELECT schedule_id, period, attempted_at, ok, error FROM schedule_sends
                          QUALIFY row_number() OVER (PARTITION BY schedule_id ORDER BY send_id DESC) = 1""").fetchall()
    latest = {sid: rest for sid, *rest in rows}
    out = []
    for s in stored(con):
        period, at, ok, error = latest.get(s.schedule_id, (None, None, None, None))
        if at is None:
            status = "not sent yet"
        elif ok:
            status = f"sent {period} on {at:%Y-%m-%d %H:%M}"
        else:
            status = f"failed {period} on {at:%Y-%m-%d %H:%M} (retried at the next run): {error}"
        out.append({"schedule_id": s.schedule_id, "name": s.name, "what": describe_what(s), "when": s.when,
                    "recipients": ", ".join(s.recipients), "filters": Filters(date.min, date.min, **s.filters).describe(),
                    "active": s.active, "created_by": s.created_by, "last_period": period, "last_attempt": at,
                    "last_ok": ok, "last_error": error, "status": status})
    return pd.DataFrame(out, columns=LIST_COLUMNS)


def describe_what(s: Schedule) -> str:
    if s.kind == "digest":
        return KINDS["digest"]
    sections = "all sections" if s.sections is None else (", ".join(s.sections) or "summary only")
    return f"{KINDS['deck']} ({(s.format or 'pdf').upper()}): {sections}"


# --- When a schedule is due -----------------------------------------------------------

def current_period(cadence: str, day: int, now: datetime) -> tuple[str, date]:
    """The latest period of a schedule that has begun at ``now``: ``(label, first day)``.

    Monthly on day N: ``('2026-11', 2026-11-N)`` from day N of November to day N-1 of December.
    Weekly on ISO weekday N: the ISO week holding the latest weekday N, ``('2026-W48', that day)``.
    """
    today = now.date()
    if cadence == "monthly":
        month = today.replace(day=1) if today.day >= day else months_before(today.replace(day=1), 1)
        start = month.replace(day=day)
        return f"{start:%Y-%m}", start
    start = today - timedelta(days=(today.isoweekday() - day) % 7)
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}", start


def _sent(con: duckdb.DuckDBPyConnection, schedule_id: int, period: str) -> bool:
    return con.execute("SELECT count(*) FROM schedule_sends WHERE schedule_id = ? AND period = ? AND ok",
                       [schedule_id, period]).fetchone()[0] > 0


def due(con: duckdb.DuckDBPyConnection, now: datetime) -> list[tuple[Schedule, str]]:
    """The active schedules whose current period (:func:`current_period`) has no successful send
    at ``now``, with that period, oldest schedule first."""
    sent = set(con.execute("SELECT schedule_id, period FROM schedule_sends WHERE ok").fetchall())
    out = []
    for s in stored(con, active_only=True):
        period = current_period(s.cadence, s.day, now)[0]
        if (s.schedule_id, period) not in sent:
            out.append((s, period))
    return out


def _still_due(con: duckdb.DuckDBPyConnection, s: Schedule, period: str) -> bool:
    row = con.execute("SELECT active FROM schedules WHERE schedule_id = ?", [s.schedule_id]).fetchone()
    return bool(row and row[0]) and not _sent(con, s.schedule_id, period)


def record(con: duckdb.DuckDBPyConnection, s: Schedule, period: str, *, at: datetime, error: str | None,
           attachment: str | None, actor: str) -> None:
    """Record one attempt (``error`` None: sent) in ``schedule_sends`` and the audit log, one transaction."""
    with transaction(con):
        con.execute("""INSERT INTO schedule_sends (schedule_id, period, attempted_at, ok, error, recipients, attachment)
                       VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    [s.schedule_id, period, at, error is None, error, json.dumps(list(s.recipients)), attachment])
        audit.record(con, actor, "schedule_sent" if error is None else "schedule_failed", f"schedule {s.schedule_id}",
                     {"name": s.name, "period": period, "recipients": list(s.recipients), "attachment": attachment,
                      "error": error})


def sends(con: duckdb.DuckDBPyConnection, schedule_id: int | None = None) -> pd.DataFrame:
    """Every attempt, oldest first: send_id, schedule_id, period, attempted_at, ok, error, recipients, attachment."""
    return con.execute("""SELECT send_id, schedule_id, period, attempted_at, ok, error, recipients, attachment
                          FROM schedule_sends WHERE schedule_id = ? OR ? IS NULL ORDER BY send_id""",
                       [schedule_id, schedule_id]).df()


# --- SMTP settings ----------------------------------------------------------------------

class SettingsError(ValueError):
    """The SMTP settings are missing or wrong; the message is one line for the user."""


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False


def secrets_path() -> Path:
    """``$CX_SECRETS``, else ``.streamlit/secrets.toml`` in the checkout (where the app reads its secrets)."""
    return Path(os.environ.get("CX_SECRETS") or config.ROOT / ".streamlit" / "secrets.toml")


def smtp_settings(env: Mapping[str, str] | None = None, path: Path | None = None) -> Smtp:
    """The SMTP settings: ``[smtp]`` in :func:`secrets_path` (host, port, sender, optional username,
    password, starttls), each overridden by ``CX_SMTP_HOST``, ``CX_SMTP_PORT``, ``CX_SMTP_SENDER``,
    ``CX_SMTP_USERNAME``, ``CX_SMTP_PASSWORD``, ``CX_SMTP_STARTTLS`` when set. Port defaults to 25.

    Raises :class:`SettingsError` when host or sender is missing or a value is malformed.
    """
    env = os.environ if env is None else env
    path = path or secrets_path()
    table: dict = {}
    if path.exists():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("smtp", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read {path}: {' '.join(str(exc).split())}") from None
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: [smtp] must be a table")
    got = {key: env.get(f"CX_SMTP_{key.upper()}") or table.get(key)
           for key in ("host", "port", "sender", "username", "password", "starttls")}
    missing = [k for k in ("host", "sender") if not got[k]]
    if missing:
        raise SettingsError(f"e-mail is not set up: give {' and '.join(missing)} in [smtp] of {path} or as "
                            f"{' and '.join('CX_SMTP_' + k.upper() for k in missing)}")
    try:
        port = int(got["port"] or 25)
    except (TypeError, ValueError):
        raise SettingsError(f"the SMTP port must be a number, not {got['port']!r}") from None
    if not 0 < port < 65536:
        raise SettingsError(f"the SMTP port must be 1 to 65535, not {port}")
    if not _EMAIL.fullmatch(str(got["sender"])):
        raise SettingsError(f"the SMTP sender {got['sender']!r} is not an e-mail address")
    starttls = got["starttls"]
    if isinstance(starttls, str):
        starttls = starttls.strip().lower() in ("1", "true", "yes", "on")
    return Smtp(host=str(got["host"]), port=port, sender=str(got["sender"]), username=got["username"] or None,
                password=got["password"] or None, starttls=bool(starttls))


# --- Building and sending -----------------------------------------------------------------

def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "schedule"


def _envelope(s: Schedule, sender: str, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(s.recipients)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[1])
    return msg


def _footer(s: Schedule, period: str) -> str:
    return (f"Sent by the experience dashboard: schedule {s.schedule_id} \"{s.name}\", {s.when}, for {period}. "
            f"Filters: {Filters(date.min, date.min, **s.filters).describe()}.")


def compose(path: str | Path, s: Schedule, period: str, sender: str, folder: Path) -> tuple[EmailMessage, str | None]:
    """The e-mail for ``s``'s ``period`` and its attachment's file name (None for a digest), built from
    the published data of ``path``; a deck is written into ``folder`` first.

    Raises ValueError (one line) when the deck cannot be built: no data, no Chromium for a PDF, ...
    """
    if s.kind == "deck":
        from . import boardpack

        out = folder / f"{_slug(s.name)}-{period}.{s.format}"
        result = boardpack.write(path, None, "previous", out, s.sections, **s.filters)
        msg = _envelope(s, sender, f"{s.name}: board pack, {result['period']}")
        msg.set_content(f"Attached: the board pack for {result['period']} ({result['slides']} slides, "
                        f"{(s.format or '').upper()}).\n\n{_footer(s, period)}\n")
        maintype, subtype = FORMATS[s.format].split("/")
        msg.add_attachment(out.read_bytes(), maintype=maintype, subtype=subtype, filename=out.name)
        return msg, out.name
    from . import alerts

    con = service.read(path)
    try:
        found = alerts.alerts(con, None, Filters(date.min, date.min, **s.filters))
    finally:
        con.close()
    text = alerts.as_table(found)
    head, *items = text.splitlines()
    month = found.attrs.get("month")
    msg = _envelope(s, sender, f"{s.name}: alerts digest, {month[0]:%B %Y}" if month else f"{s.name}: alerts digest")
    msg.set_content(f"{text}\n\n{_footer(s, period)}\n")
    listed = "".join(f"<li>{html.escape(item.removeprefix('- '))}</li>\n" for item in items)
    msg.add_alternative(f"<p>{html.escape(head)}</p>\n" + (f"<ul>\n{listed}</ul>\n" if items else "")
                        + f"<p><small>{html.escape(_footer(s, period))}</small></p>\n", subtype="html")
    return msg, None


def send(settings: Smtp, msg: EmailMessage) -> None:
    """Hand ``msg`` to the SMTP server; raises smtplib.SMTPException or OSError when it is not accepted."""
    with smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT_S) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(msg)


def _why(exc: BaseException, settings: Smtp) -> str:
    """One line saying why a send failed."""
    return _why_long(exc, settings)[:500]


def _why_long(exc: BaseException, settings: Smtp) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"the mail server refused {', '.join(exc.recipients)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"the mail server answered {exc.smtp_code} {' '.join(text.split())}"
    if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
        return f"cannot reach the mail server {settings.host}:{settings.port}: {exc.strerror or exc}"
    return " ".join(str(exc).split()) or type(exc).__name__


@dataclass(frozen=True)
class Outcome:
    """What one due schedule came to: ``status`` 'sent', 'failed' or 'skipped' (another run sent it, or
    it was deactivated, meanwhile)."""

    schedule_id: int
    name: str
    period: str
    status: Literal["sent", "failed", "skipped"]
    recipients: tuple[str, ...]
    attachment: str | None = None
    error: str | None = None


def run(path: str | Path, now: datetime, settings: Smtp, *, actor: str,
        deliver: Callable[[Smtp, EmailMessage], object] = send) -> list[Outcome]:
    """Send every schedule due at ``now`` (:func:`due`) and record each attempt.

    Each message is built from the published snapshot outside the write lock; the check that the
    period is still unsent, the hand-over to SMTP and the record happen inside one
    :func:`cx_metrics.service.writer` block, so concurrent runs never send a period twice. A message
    that cannot be built or sent is recorded as failed (and is due again at the next run).
    Raises :class:`cx_metrics.service.Busy` when another writer keeps the database too long.
    """
    con = service.read(path)
    try:
        todo = due(con, now)
    finally:
        con.close()
    return [_deliver(path, s, period, now, settings, actor, deliver) for s, period in todo]


def _deliver(path, s: Schedule, period: str, now: datetime, settings: Smtp, actor: str, deliver) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="cx-schedule-") as folder:
        msg, attachment, error = None, None, None
        try:
            msg, attachment = compose(path, s, period, settings.sender, Path(folder))
        except ValueError as exc:  # no data, no Chromium for the PDF, ...: recorded, retried next run
            error = f"could not build the {KINDS[s.kind].lower()}: {' '.join(str(exc).split())}"
        with service.writer(path) as con:
            if not _still_due(con, s, period):
                return Outcome(s.schedule_id, s.name, period, "skipped", s.recipients, attachment)
            if msg is not None:
                try:
                    deliver(settings, msg)
                except (smtplib.SMTPException, OSError) as exc:
                    error = _why(exc, settings)
            record(con, s, period, at=now, error=error, attachment=attachment, actor=actor)
    return Outcome(s.schedule_id, s.name, period, "sent" if error is None else "failed", s.recipients,
                   attachment, error)
