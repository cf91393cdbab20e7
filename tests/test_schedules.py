"""Schedules: periods and due dates, the one gate, SMTP settings, and ``schedule run`` against a real
local SMTP server (aiosmtpd) that receives the decks and digests.

Sending invariants checked here: a period is sent exactly once however often ``schedule run`` runs
(one after the other, in two threads, or in two processes at once), never before its day, and a
failed send (the server answers 451, or nobody listens) is recorded and goes out at the next run.
"""

from __future__ import annotations

import asyncio
import email
import io
import json
import shutil
import socket
import subprocess
import sys
import threading
import zipfile
from datetime import date, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from pptx import Presentation

from cx_metrics import access, alerts, audit, cli, db, demo, rollup, schedules, service
from cx_metrics.filters import Filters

ROOT = Path(__file__).resolve().parents[1]
ADMIN = access.User("boss@example.com", "Boss", "admin")
ANALYST = access.User("ana@example.com", "Ana", "analyst")
VIEWER = access.User("ceo@example.com", "CEO", "viewer")
SENDER = "dashboard@example.com"


# --- Fixtures: a small demo database, a real SMTP server ------------------------------------

@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A small demo database in which Grocery's NPS collapses in October 2026 (so the digest has an alert)."""
    path = tmp_path_factory.mktemp("schedules") / "cx.duckdb"
    with service.writer(path) as con:
        demo.build(con, cx_rows=12_000, ex_rows=3_000, seed=7)
        con.execute("UPDATE cx_responses SET nps = 0 WHERE business_unit = 'Grocery' AND submitted_at >= ?",
                    [datetime(2026, 10, 1)])
        rollup.refresh(con)  # scores changed by hand: their rollup cells too
        db.bump_data_version(con)
    return path


@pytest.fixture
def path(template, tmp_path) -> Path:
    """A private copy of the primary (its snapshot is published on first read)."""
    copy = tmp_path / "cx.duckdb"
    shutil.copy(template, copy)
    return copy


class Inbox:
    """An aiosmtpd handler keeping every accepted message; ``reply`` other than 250 refuses them."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.reply = "250 OK"
        self.delay_s = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if not self.reply.startswith("250"):
            return self.reply
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch, tmp_path):
    """A local SMTP server, and the CX_SMTP_* settings pointing at it (no secrets file)."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CX_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CX_SMTP_PORT", str(port))
    monkeypatch.setenv("CX_SMTP_SENDER", SENDER)
    monkeypatch.setenv("CX_SECRETS", str(tmp_path / "absent-secrets.toml"))
    try:
        yield inbox
    finally:
        controller.stop()


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def add(path: Path, *args: str) -> None:
    assert cli.main(["schedule", "add", "--db", str(path), *args]) == 0


def sends(path: Path) -> list[tuple]:
    con = service.read(path)
    try:
        return [(r.schedule_id, r.period, r.ok, r.error) for r in schedules.sends(con).itertuples()]
    finally:
        con.close()


def events(path: Path, action: str) -> list[dict]:
    con = service.read(path)
    try:
        return [json.loads(d) for d in audit.events(con, action=action)["details"]]
    finally:
        con.close()


def attachments(msg) -> list[tuple[str, str, bytes]]:
    return [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in msg.iter_attachments()]


# --- Periods and due dates --------------------------------------------------------------------

@pytest.mark.parametrize("cadence, day, now, label, start", [
    ("monthly", 15, datetime(2026, 11, 14, 23, 59), "2026-10", date(2026, 10, 15)),  # day 15 not yet come
    ("monthly", 15, datetime(2026, 11, 15, 0, 0), "2026-11", date(2026, 11, 15)),
    ("monthly", 1, datetime(2027, 1, 1, 0, 0), "2027-01", date(2027, 1, 1)),
    ("monthly", 28, datetime(2027, 1, 5, 12), "2026-12", date(2026, 12, 28)),        # across the year
    ("monthly", 28, datetime(2027, 3, 1, 8), "2027-02", date(2027, 2, 28)),
    ("weekly", 1, datetime(2026, 12, 2, 9), "2026-W49", date(2026, 11, 30)),         # Wednesday: Monday's week
    ("weekly", 3, datetime(2026, 12, 2, 0, 0), "2026-W49", date(2026, 12, 2)),       # the day itself
    ("weekly", 4, datetime(2026, 12, 2, 23, 59), "2026-W48", date(2026, 11, 26)),    # Thursday not yet come
    ("weekly", 7, datetime(2026, 12, 5, 9), "2026-W48", date(2026, 11, 29)),
    ("weekly", 5, datetime(2027, 1, 3, 9), "2026-W53", date(2027, 1, 1)),            # ISO week 53 of 2026
])
def test_current_period(cadence, day, now, label, start):
    assert schedules.current_period(cadence, day, now) == (label, start)


def grid_schedules(con) -> list[schedules.Schedule]:
    specs = [("monthly", d) for d in (1, 2, 15, 28)] + [("weekly", d) for d in range(1, 8)]
    return [schedules.add(con, schedules.Schedule(f"{c} {d}", "digest", c, d, ("x@example.com",)), user=ADMIN,
                          now=datetime(2026, 11, 20)) for c, d in specs]


def period_days(cadence: str, day: int, period: str) -> tuple[date, date]:
    """The first day of ``period`` and of the one after, worked out from the label alone."""
    if cadence == "monthly":
        year, month = map(int, period.split("-"))
        return date(year, month, day), date(year + month // 12, month % 12 + 1, day)
    year, week = map(int, period.split("-W"))
    first = date.fromisocalendar(year, week, day)
    return first, first + timedelta(days=7)


def test_due_over_a_grid_sends_each_period_once_and_never_before_its_day():
    """Runs every 5 hours from 20 Nov 2026 to 10 Mar 2027 (times of day vary); odd schedules' first
    attempt in each period fails. Each schedule sends every period exactly once, within the period."""
    con = db.connect(":memory:")
    made = grid_schedules(con)
    nows = [datetime(2026, 11, 20, 1) + timedelta(hours=5 * i) for i in range(530)]
    assert nows[-1] > datetime(2027, 3, 10)
    failed_once = set()
    for now in nows:
        for s, period in schedules.due(con, now):
            assert period == schedules.current_period(s.cadence, s.day, now)[0]
            fail = s.schedule_id % 2 == 1 and (s.schedule_id, period) not in failed_once
            failed_once.add((s.schedule_id, period))
            schedules.record(con, s, period, at=now, error="451 try later" if fail else None, attachment=None,
                             actor="tester")
    rows = schedules.sends(con)
    for s in made:
        mine = rows[rows["schedule_id"] == s.schedule_id]
        ok = mine[mine["ok"]]
        expected = sorted({schedules.current_period(s.cadence, s.day, now)[0] for now in nows})
        assert sorted(ok["period"]) == expected, s.name  # every period once, none twice
        for period, at in zip(ok["period"], ok["attempted_at"]):
            first, following = period_days(s.cadence, s.day, period)
            assert first <= at.date() < following, (s.name, period, at)  # never before day N, nor after the period
        assert len(mine) == len(ok) + (len(expected) if s.schedule_id % 2 == 1 else 0)  # each failure retried
        for period, at in mine.groupby("period")["attempted_at"].min().items():  # tried at the first run it could
            assert at == min(n for n in nows if n.date() >= period_days(s.cadence, s.day, period)[0]), (s.name, period)
    by_name = {s.name: s.schedule_id for s in made}
    periods = lambda name: sorted(rows[(rows["schedule_id"] == by_name[name]) & rows["ok"]]["period"])  # noqa: E731
    assert periods("monthly 28") == ["2026-10", "2026-11", "2026-12", "2027-01", "2027-02"]
    assert periods("monthly 1") == ["2026-11", "2026-12", "2027-01", "2027-02", "2027-03"]
    assert periods("weekly 1") == [f"2026-W{w}" for w in range(47, 54)] + [f"2027-W{w:02d}" for w in range(1, 11)]


def test_a_deactivated_schedule_is_not_due_and_a_new_one_is_due_at_once():
    con = db.connect(":memory:")
    a, b = grid_schedules(con)[:2]
    now = datetime(2026, 12, 2, 9)
    assert [(s.name, p) for s, p in schedules.due(con, now)][:2] == [("monthly 1", "2026-12"), ("monthly 2", "2026-12")]
    schedules.set_active(con, a.schedule_id, False, user=ANALYST)
    assert a.schedule_id not in [s.schedule_id for s, _ in schedules.due(con, now)]
    assert schedules.get(con, a.schedule_id).active is False
    assert json.loads(audit.events(con, action="schedule_saved")["details"][0]) == {
        "name": "monthly 1", "active": {"before": True, "after": False}}


# --- The gate: who may save, what a schedule must be -----------------------------------------

def test_add_stores_a_tidy_schedule_and_audits_it():
    con = db.connect(":memory:")
    saved = schedules.add(con, schedules.Schedule(
        "  Board   pack ", "deck", "monthly", 5, ("a@example.com", " b@example.com", "a@example.com"),
        format="PPTX", sections=("overview", "units"), filters={"business_units": ("Grocery", " ")}),
        user=ANALYST, now=datetime(2026, 12, 2, 9))
    assert schedules.get(con, saved.schedule_id) == saved
    assert (saved.name, saved.format, saved.recipients) == ("Board pack", "pptx", ("a@example.com", "b@example.com"))
    assert (saved.filters, saved.created_by, saved.when) == ({"business_units": ("Grocery",)}, ANALYST.email,
                                                             "monthly on day 5")
    event = audit.events(con, action="schedule_saved").iloc[0]
    assert event["actor"] == ANALYST.email and json.loads(event["details"])["created"]["recipients"] == [
        "a@example.com", "b@example.com"]


def test_a_viewer_may_not_add_or_stop_a_schedule():
    con = db.connect(":memory:")
    spec = schedules.Schedule("Digest", "digest", "weekly", 1, ("a@example.com",))
    with pytest.raises(access.Forbidden, match="may not edit_schedules: it needs analyst"):
        schedules.add(con, spec, user=VIEWER)
    saved = schedules.add(con, spec, user=ANALYST)
    with pytest.raises(access.Forbidden):
        schedules.set_active(con, saved.schedule_id, False, user=VIEWER)
    assert [s.active for s in schedules.stored(con)] == [True]
    assert len(audit.events(con, action="schedule_saved")) == 1


@pytest.mark.parametrize("changes, message", [
    ({"name": " "}, "a schedule needs a name"),
    ({"name": "x" * 101}, "the name is longer than 100 characters"),
    ({"kind": "memo"}, "kind must be deck or digest, not 'memo'"),
    ({"format": "docx"}, "format must be pdf or pptx, not 'docx'"),
    ({"sections": ("overview", "nope")}, "unknown section 'nope'; choose from "),
    ({"cadence": "daily"}, "cadence must be monthly or weekly, not 'daily'"),
    ({"day": 0}, "the day of the month must be 1 to 28 (a day every month has), not 0"),
    ({"day": 29}, "the day of the month must be 1 to 28 (a day every month has), not 29"),
    ({"cadence": "weekly", "day": 8}, "the weekday must be 1 (Monday) to 7 (Sunday), not 8"),
    ({"filters": {"country": ("DE",)}}, "unknown filter 'country'"),
    ({"recipients": ()}, "a schedule needs at least one recipient"),
    ({"recipients": ("a@example.com", "bob")}, "'bob' is not an e-mail address"),
    ({"recipients": ("a@example",)}, "'a@example' is not an e-mail address"),
    ({"recipients": tuple(f"p{i}@example.com" for i in range(51))}, "at most 50 recipients"),
])
def test_validate_refuses_with_one_line(changes, message):
    import dataclasses

    good = schedules.Schedule("Pack", "deck", "monthly", 1, ("a@example.com",))
    assert schedules.validate(good).format == "pdf"
    with pytest.raises(ValueError) as info:
        schedules.validate(dataclasses.replace(good, **changes))
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


@pytest.mark.parametrize("text, cadence, day", [("5", "monthly", 5), ("mon", "weekly", 1), ("Friday", "weekly", 5),
                                                ("7", "weekly", 7)])
def test_parse_day(text, cadence, day):
    assert schedules.parse_day(cadence, text) == day


def test_parse_recipients():
    assert schedules.parse_recipients("a@x.org, b@x.org;c@x.org\n d@x.org") == ("a@x.org", "b@x.org", "c@x.org",
                                                                                 "d@x.org")
    assert schedules.parse_recipients(["a@x.org,b@x.org", "c@x.org"]) == ("a@x.org", "b@x.org", "c@x.org")


# --- SMTP settings ------------------------------------------------------------------------------

def test_settings_come_from_secrets_and_the_environment_wins(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nclient_id = "x"\n\n[smtp]\nhost = "mail.example.com"\nport = 587\n'
                       'sender = "cx@example.com"\nusername = "cx"\npassword = "pw"\nstarttls = true\n')
    assert schedules.smtp_settings({}, secrets) == schedules.Smtp("mail.example.com", 587, "cx@example.com", "cx",
                                                                  "pw", True)
    got = schedules.smtp_settings({"CX_SMTP_HOST": "relay", "CX_SMTP_PORT": "2525", "CX_SMTP_STARTTLS": "no"}, secrets)
    assert (got.host, got.port, got.sender, got.starttls) == ("relay", 2525, "cx@example.com", False)
    only_env = schedules.smtp_settings({"CX_SMTP_HOST": "relay", "CX_SMTP_SENDER": "a@b.org"}, tmp_path / "none.toml")
    assert only_env == schedules.Smtp("relay", 25, "a@b.org")


@pytest.mark.parametrize("toml, env, message", [
    ("", {}, "e-mail is not set up: give host and sender in [smtp] of {path} or as CX_SMTP_HOST and CX_SMTP_SENDER"),
    ('[smtp]\nhost = "h"\n', {}, "e-mail is not set up: give sender in [smtp] of {path} or as CX_SMTP_SENDER"),
    ('[smtp]\nhost = "h"\nsender = "a@b.org"\nport = "x"\n', {}, "the SMTP port must be a number, not 'x'"),
    ("", {"CX_SMTP_HOST": "h", "CX_SMTP_SENDER": "a@b.org", "CX_SMTP_PORT": "70000"},
     "the SMTP port must be 1 to 65535, not 70000"),
    ("", {"CX_SMTP_HOST": "h", "CX_SMTP_SENDER": "nobody"}, "the SMTP sender 'nobody' is not an e-mail address"),
    ("[smtp\n", {}, "cannot read {path}: "),
])
def test_bad_settings_are_one_line(tmp_path, toml, env, message):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(toml)
    with pytest.raises(schedules.SettingsError) as info:
        schedules.smtp_settings(env, secrets)
    assert str(info.value).startswith(message.format(path=secrets)) and "\n" not in str(info.value)


# --- schedule run against a real SMTP server -------------------------------------------------------

@pytest.mark.chromium
def test_run_twice_delivers_exactly_one_pdf(path, smtp, capsys):
    add(path, "--name", "Board pack", "--kind", "deck", "--format", "pdf", "--sections", "overview",
        "--cadence", "monthly", "--day", "1", "--to", "a@example.com,b@example.com")
    capsys.readouterr()
    code, out, err = run_cli(capsys, "schedule", "run", "--db", str(path), "--now", "2026-12-02T09:00")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert (result["sent"], result["failed"], result["skipped"]) == (1, 0, 0)
    assert result["sends"][0]["attachment"] == "board-pack-2026-12.pdf"
    code, out, _ = run_cli(capsys, "schedule", "run", "--db", str(path), "--now", "2026-12-02T09:05")
    assert code == 0 and json.loads(out)["sends"] == []
    assert len(smtp.messages) == 1
    sender, rcpt, msg = smtp.messages[0]
    assert (sender, rcpt) == (SENDER, ["a@example.com", "b@example.com"])
    assert msg["Subject"] == "Board pack: board pack, Q3 2026 (1 Jul – 30 Sep 2026), the last complete quarter"
    ((name, kind, data),) = attachments(msg)
    assert (name, kind) == ("board-pack-2026-12.pdf", "application/pdf") and data.startswith(b"%PDF")
    assert sends(path) == [(1, "2026-12", True, None)]
    assert [e["period"] for e in events(path, "schedule_sent")] == ["2026-12"]


def test_run_twice_delivers_one_pptx_deck_of_the_chosen_sections(path, smtp, capsys):
    """The same without Chromium: PowerPoint's native charts need no images."""
    add(path, "--name", "Deck", "--format", "pptx", "--sections", "overview", "--cadence", "weekly",
        "--day", "wed", "--to", "a@example.com")
    for minute in (0, 1):
        assert cli.main(["schedule", "run", "--db", str(path), "--now", f"2026-12-02T09:0{minute}"]) == 0
    assert len(smtp.messages) == 1
    ((name, kind, data),) = attachments(smtp.messages[0][2])
    assert (name, kind) == ("deck-2026-W49.pptx", schedules.FORMATS["pptx"])
    assert zipfile.is_zipfile(io.BytesIO(data))
    slides = Presentation(io.BytesIO(data)).slides  # title, executive summary, overview
    texts = [[sh.text_frame.text for sh in slide.shapes if sh.has_text_frame] for slide in slides]
    assert len(slides) == 3 and "Executive summary" in texts[1] and "Customer and employee experience" in texts[2], texts
    assert "Attached: the board pack for Q3 2026 (1 Jul – 30 Sep 2026)" in smtp.messages[0][2].get_body(
        ("plain",)).get_content()
    assert sends(path) == [(1, "2026-W49", True, None)]


def test_the_digest_is_the_alerts_table_as_text_and_html(path, smtp, capsys):
    add(path, "--name", "Grocery alerts", "--kind", "digest", "--business-unit", "Grocery", "--cadence", "weekly",
        "--day", "1", "--to", "ops@example.com")
    assert cli.main(["schedule", "run", "--db", str(path), "--now", "2026-12-07T07:00"]) == 0
    con = service.read(path)
    want = alerts.alerts(con, None, Filters(date.min, date.min, business_units=("Grocery",)))
    con.close()
    assert "nps" in set(want["kpi"])  # the planted collapse: the digest has something to say
    (_, rcpt, msg), = smtp.messages
    assert rcpt == ["ops@example.com"] and msg["Subject"] == "Grocery alerts: alerts digest, October 2026"
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(alerts.as_table(want) + "\n\nSent by the experience dashboard: schedule 1 \"Grocery alerts\", "
                           "weekly on Monday, for 2026-W50. Filters: business unit: Grocery.")
    page = msg.get_body(("html",)).get_content()
    assert page.count("<li>") == len(want) and "NPS fell" in page and attachments(msg) == []
    assert sends(path) == [(1, "2026-W50", True, None)]


def test_a_refusing_server_is_recorded_as_failed_and_retried_at_the_next_run(path, smtp, capsys):
    add(path, "--name", "Digest", "--kind", "digest", "--cadence", "monthly", "--day", "2", "--to", "a@example.com")
    capsys.readouterr()
    smtp.reply = "451 4.3.0 Try again later"
    code, out, err = run_cli(capsys, "schedule", "run", "--db", str(path), "--now", "2026-12-02T09:00")
    assert code == 1 and json.loads(out)["failed"] == 1 and smtp.messages == []
    assert err == "failed: schedule 1 (Digest) for 2026-12: the mail server answered 451 4.3.0 Try again later\n"
    assert sends(path) == [(1, "2026-12", False, "the mail server answered 451 4.3.0 Try again later")]
    assert events(path, "schedule_failed")[0]["error"] == "the mail server answered 451 4.3.0 Try again later"
    smtp.reply = "250 OK"
    code, out, err = run_cli(capsys, "schedule", "run", "--db", str(path), "--now", "2026-12-03T09:00")
    assert (code, err, json.loads(out)["sent"]) == (0, "", 1) and len(smtp.messages) == 1
    assert run_cli(capsys, "schedule", "run", "--db", str(path), "--now", "2026-12-04T09:00")[0] == 0
    assert len(smtp.messages) == 1
    assert [(p, ok) for _, p, ok, _ in sends(path)] == [("2026-12", False), ("2026-12", True)]
    code, out, _ = run_cli(capsys, "schedule", "list", "--db", str(path))
    assert json.loads(out)[0]["status"] == "sent 2026-12 on 2026-12-03 09:00"


def test_no_server_listening_is_recorded_as_failed(path, smtp, capsys, monkeypatch):
    add(path, "--name", "Digest", "--kind", "digest", "--cadence", "weekly", "--day", "1", "--to", "a@example.com")
    closed = free_port()
    monkeypatch.setenv("CX_SMTP_PORT", str(closed))
    capsys.readouterr()
    code, _, err = run_cli(capsys, "schedule", "run", "--db", str(path), "--now", "2026-12-02T09:00")
    assert code == 1
    assert err == (f"failed: schedule 1 (Digest) for 2026-W49: cannot reach the mail server 127.0.0.1:{closed}: "
                   "Connection refused\n")
    code, out, _ = run_cli(capsys, "schedule", "list", "--db", str(path))
    assert json.loads(out)[0]["status"].startswith("failed 2026-W49 on 2026-12-02 09:00 (retried at the next run): "
                                                   "cannot reach the mail server")


def test_a_deck_that_cannot_be_built_is_recorded_as_failed(path, smtp, capsys, monkeypatch):
    add(path, "--name", "Pack", "--format", "pdf", "--sections", "overview", "--cadence", "monthly", "--day", "1",
        "--to", "a@example.com")
    monkeypatch.setenv("CX_CHROMIUM", "none")  # no Chromium: the PDF cannot be drawn
    capsys.readouterr()
    code, _, err = run_cli(capsys, "schedule", "run", "--db", str(path), "--now", "2026-12-02T09:00")
    assert code == 1 and err.startswith("failed: schedule 1 (Pack) for 2026-12: could not build the board pack: ")
    assert err.count("\n") == 1 and smtp.messages == [] and sends(path)[0][2] is False


def test_two_runs_in_threads_send_a_period_once(path, smtp, monkeypatch):
    """Both runs find the period due before either sends; the second then finds it sent, under the lock."""
    with service.writer(path) as con:
        schedules.add(con, schedules.Schedule("Digest", "digest", "weekly", 1, ("a@example.com",)), user=ANALYST)
    both_read = threading.Barrier(2, timeout=30)
    real_due = schedules.due

    def due(con, now):
        found = real_due(con, now)
        both_read.wait()
        return found

    monkeypatch.setattr(schedules, "due", due)
    settings = schedules.smtp_settings()
    results = {}

    def go(name):
        results[name] = schedules.run(path, datetime(2026, 12, 2, 9), settings, actor="tester")

    threads = [threading.Thread(target=go, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(o.status for r in results.values() for o in r) == ["sent", "skipped"]
    assert len(smtp.messages) == 1 and sends(path) == [(1, "2026-W49", True, None)]


def test_two_processes_at_once_send_one_e_mail(path, smtp):
    with service.writer(path) as con:
        schedules.add(con, schedules.Schedule("Digest", "digest", "weekly", 1, ("a@example.com",)), user=ANALYST)
    smtp.delay_s = 1.0  # the first holds the write lock a while
    cmd = [sys.executable, "-m", "cx_metrics", "schedule", "run", "--db", str(path), "--now", "2026-12-02T09:00"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    results = [json.loads(out) for out, _ in outs]
    assert sum(r["sent"] for r in results) == 1 and sum(r["failed"] for r in results) == 0
    assert len(smtp.messages) == 1 and sends(path) == [(1, "2026-W49", True, None)]


# --- The CLI's errors are one line ----------------------------------------------------------------

def test_run_without_smtp_settings_says_so_in_one_line(path, capsys, monkeypatch, tmp_path):
    for name in ("CX_SMTP_HOST", "CX_SMTP_PORT", "CX_SMTP_SENDER"):
        monkeypatch.delenv(name, raising=False)
    secrets = tmp_path / "secrets.toml"
    monkeypatch.setenv("CX_SECRETS", str(secrets))
    code, out, err = run_cli(capsys, "schedule", "run", "--db", str(path))
    assert (code, out) == (2, "")
    assert err == (f"error: e-mail is not set up: give host and sender in [smtp] of {secrets} or as CX_SMTP_HOST "
                   "and CX_SMTP_SENDER\n")


@pytest.mark.parametrize("args, message", [
    (["add", "--name", "P", "--cadence", "monthly", "--day", "31", "--to", "a@example.com"],
     "error: the day of the month must be 1 to 28 (a day every month has), not 31"),
    (["add", "--name", "P", "--cadence", "weekly", "--day", "someday", "--to", "a@example.com"],
     "error: day 'someday' is not a number or a weekday"),
    (["add", "--name", "P", "--cadence", "monthly", "--day", "1", "--to", "a@example.com,nobody"],
     "error: 'nobody' is not an e-mail address"),
    (["add", "--name", "P", "--cadence", "monthly", "--day", "1", "--to", "a@example.com", "--sections", "x"],
     "error: unknown section 'x'; choose from "),
    (["add", "--name", "P", "--cadence", "yearly", "--day", "1", "--to", "a@example.com"],
     "error: python -m cx_metrics schedule add: argument --cadence: invalid choice: 'yearly'"),
    (["run", "--now", "next tuesday"],
     "error: python -m cx_metrics schedule run: argument --now: not a date and time like 2026-12-01T09:00: "
     "'next tuesday'"),
    (["deactivate", "7"], "error: no schedule 7"),
])
def test_cli_errors_are_one_line(path, capsys, args, message):
    try:
        code = cli.main(["schedule", args[0], "--db", str(path), *args[1:]])
    except SystemExit as exc:  # argparse's own errors (still one line: cli._Parser)
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(message) and err.count("\n") == 1, err
    assert sends(path) == [] and run_cli(capsys, "schedule", "list", "--db", str(path))[1].strip() == "[]"


def test_add_list_and_deactivate(path, capsys):
    code, out, _ = run_cli(capsys, "schedule", "add", "--db", str(path), "--name", "Pack", "--format", "pptx",
                           "--sections", "overview,units", "--region", "Nordics", "--cadence", "weekly", "--day",
                           "Fri", "--to", "a@example.com", "--to", "b@example.com")
    made = json.loads(out)
    assert (code, made["schedule_id"], made["when"], made["filters"], made["recipients"]) == (
        0, 1, "weekly on Friday", {"regions": ["Nordics"]}, ["a@example.com", "b@example.com"])
    assert made["created_by"] == audit.cli_actor()
    code, out, _ = run_cli(capsys, "schedule", "list", "--db", str(path), "--format", "table")
    assert "Board pack (PPTX): overview, units" in out and "weekly on Friday" in out and "not sent yet" in out
    code, out, _ = run_cli(capsys, "schedule", "deactivate", "--db", str(path), "1")
    assert code == 0 and json.loads(out)["active"] is False
    listed = json.loads(run_cli(capsys, "schedule", "list", "--db", str(path))[1])
    assert [(r["name"], r["active"], r["filters"]) for r in listed] == [("Pack", False, "region: Nordics")]
