"""The ``schedule`` command: ``add``, ``list``, ``deactivate`` and ``run`` (see README "Schedules").

``schedule run [--now DATETIME]`` e-mails every schedule that is due (:func:`cx_metrics.schedules.run`)
and prints ``{"now", "sent", "failed", "skipped", "sends": [...]}``; it exits 0 when nothing failed,
1 when a send failed (recorded, and retried at the next run; each failure is also one line on stderr)
and 2 with one line when the SMTP settings are missing or wrong or the database is busy.
A command-line user may do everything, like the person at the computer in the app's local mode:
changes are audited as ``cli:<login name>``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime

from . import access, audit, service


def _datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date and time like 2026-12-01T09:00: {text!r}") from None
    return value.astimezone().replace(tzinfo=None) if value.tzinfo else value  # local time, like cron's


def add_parser(sub: argparse._SubParsersAction,
               with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser]) -> None:
    """Register ``schedule`` and its sub-commands on the main parser's ``sub``."""
    from .cli import VALUE_FILTERS

    sc = sub.add_parser("schedule", help="e-mail board packs and alert digests on a schedule")
    ssub = sc.add_subparsers(dest="schedule_command", required=True, metavar="add|list|deactivate|run")
    a = with_db(ssub.add_parser("add", help="add a schedule"))
    a.add_argument("--name", required=True)
    a.add_argument("--kind", choices=["deck", "digest"], default="deck",
                   help="deck: the board pack as an attachment; digest: the latest month's alerts as text")
    a.add_argument("--format", choices=["pdf", "pptx"], default="pdf", help="the deck's file type")
    a.add_argument("--sections", default=None, metavar="A,B", help="comma-separated deck sections (default: all)")
    for dest in VALUE_FILTERS:  # --business-unit, --region, --channel, --segment, --journey-stage
        a.add_argument("--" + dest.removesuffix("s").replace("_", "-"), dest=dest, action="append", default=[],
                       metavar="X", help="repeatable filter")
    a.add_argument("--cadence", choices=["monthly", "weekly"], required=True)
    a.add_argument("--day", required=True, help="monthly: day of the month, 1-28; weekly: 1-7 or a weekday (mon)")
    a.add_argument("--to", dest="recipients", action="append", required=True, metavar="EMAIL",
                   help="recipient (repeatable, or comma-separated)")
    ls = with_db(ssub.add_parser("list", help="list schedules with their latest send"))
    ls.add_argument("--format", choices=["json", "table"], default="json")
    d = with_db(ssub.add_parser("deactivate", help="stop sending a schedule (its sends stay recorded)"))
    d.add_argument("schedule_id", type=int, metavar="SCHEDULE_ID")
    r = with_db(ssub.add_parser("run", help="send what is due now (for cron or a systemd timer)"))
    r.add_argument("--now", type=_datetime, default=None, metavar="DATETIME",
                   help="act as if it were this local date and time, e.g. 2026-12-01T09:00 (default: now)")


def cli_user() -> access.User:
    """Whoever runs the command line on the server may change schedules; audited by login name."""
    actor = audit.cli_actor()
    return access.User(email=actor, name=actor, role="admin", local=True)


def run(args: argparse.Namespace, path) -> int:
    from . import schedules  # the board pack's registry loads only for this command

    if args.schedule_command == "add":
        from .cli import VALUE_FILTERS

        s = schedules.Schedule(
            name=args.name, kind=args.kind, format=args.format, cadence=args.cadence,
            day=schedules.parse_day(args.cadence, args.day),
            sections=None if args.sections is None else tuple(x.strip() for x in args.sections.split(",") if x.strip()),
            filters={k: tuple(getattr(args, k)) for k in VALUE_FILTERS if getattr(args, k)},
            recipients=schedules.parse_recipients(args.recipients),
        )
        schedules.validate(s)  # before waiting for the write lock
        with service.writer(path) as con:
            saved = schedules.add(con, s, user=cli_user())
        print(json.dumps(schedules.as_json(saved)))
    elif args.schedule_command == "list":
        con = service.read(path)
        try:
            table = schedules.listing(con)
        finally:
            con.close()
        if args.format == "json":
            print(table.to_json(orient="records", date_format="iso"))
        else:
            print(table[["schedule_id", "name", "what", "when", "recipients", "active", "status"]].to_string(index=False))
    elif args.schedule_command == "deactivate":
        with service.writer(path) as con:
            saved = schedules.set_active(con, args.schedule_id, False, user=cli_user())
        print(json.dumps(schedules.as_json(saved)))
    elif args.schedule_command == "run":
        settings = schedules.smtp_settings()  # missing settings: one line, status 2 (before any work)
        now = args.now or datetime.now()
        outcomes = schedules.run(path, now, settings, actor=audit.cli_actor())
        for o in outcomes:
            if o.status == "failed":
                print(f"failed: schedule {o.schedule_id} ({o.name}) for {o.period}: {o.error}", file=sys.stderr)
        print(json.dumps({
            "now": now.isoformat(timespec="seconds"),
            **{status: sum(o.status == status for o in outcomes) for status in ("sent", "failed", "skipped")},
            "sends": [{"schedule_id": o.schedule_id, "name": o.name, "period": o.period, "status": o.status,
                       "recipients": list(o.recipients), "attachment": o.attachment, "error": o.error}
                      for o in outcomes],
        }))
        return 1 if any(o.status == "failed" for o in outcomes) else 0
    return 0
