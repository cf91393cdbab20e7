"""``python -m cx_metrics actions add|list|update``: action plans from the command line.

The command line acts as the operator of this computer, as ``ingest`` does: whoever may write the
database file may edit actions. Changes are audited as ``cli:<login name>``. ``list`` reads the
published snapshot (:func:`cx_metrics.service.read`), so it runs beside the app and a load.
"""

from __future__ import annotations

import argparse
import json

from . import access, actions, audit, kpis, service


def add_parser(sub) -> None:
    a = sub.add_parser("actions", help="action plans: add, list or update owned actions")
    verbs = a.add_subparsers(dest="verb", required=True)

    def fields(sp: argparse.ArgumentParser, required: bool) -> None:
        sp.add_argument("--title", required=required, help="what will be done")
        sp.add_argument("--function", required=required, metavar="NAME",
                        help=f"owning function: {', '.join(actions.FUNCTIONS)}, or a custom name")
        sp.add_argument("--owner", required=required, metavar="NAME", help="the person who owns it")
        sp.add_argument("--kpi", required=required, choices=list(kpis.KPIS), help="the KPI it is meant to move")
        sp.add_argument("--target", type=float, default=None, help="the KPI value it aims for")
        sp.add_argument("--due", default=None, metavar="YYYY-MM-DD")
        sp.add_argument("--addresses-kind", choices=list(actions.ADDRESSES), default=None,
                        help="what it addresses (a unit, region or journey stage narrows its KPI to that group)")
        sp.add_argument("--addresses", default=None, metavar="NAME", help="the unit, theme, driver… it addresses")

    add = verbs.add_parser("add", help="create an action (its KPI's baseline is measured now)")
    fields(add, required=True)
    add.add_argument("--source", default=None, help="what it was created from, e.g. an alert key")
    lst = verbs.add_parser("list", help="list actions with their KPI before and after")
    lst.add_argument("--status", action="append", default=[], choices=list(actions.STATUSES))
    lst.add_argument("--function", default=None, metavar="NAME")
    lst.add_argument("--format", choices=["json", "table"], default="table")
    up = verbs.add_parser("update", help="change an action's status, progress or other fields")
    up.add_argument("action_id", type=int, metavar="ID")
    fields(up, required=False)
    up.add_argument("--status", choices=list(actions.STATUSES), default=None)
    up.add_argument("--progress", type=int, default=None, metavar="PERCENT")
    for sp in (add, lst, up):
        sp.add_argument("--db", default=None, help="database file (default: $CX_DB or data/cx.duckdb)")


def _user() -> access.User:
    return access.User(email=audit.cli_actor(), name="command line", role="admin", local=True)


def _table(rows: list[dict]) -> str:
    if not rows:
        return "No actions."

    def num(x, places=1):
        return "–" if x is None else f"{x:.{places}f}"

    lines = []
    for r in rows:
        target = f", target {num(r['target'])}" if r["target"] is not None else ""
        lines.append(f"#{r['action_id']} [{r['status']}, {r['progress']}%] {r['title']} · {r['function']}, "
                     f"{r['owner']} · due {r['due'] or '–'} · {r['kpi_label']} before {num(r['before'])} "
                     f"(n {r['before_n'] or 0}), since {r['after_start']} {num(r['after'])} "
                     f"(n {r['after_n'] or 0}){target}")
    return "\n".join(lines)


def run(args: argparse.Namespace, path) -> int:
    if args.verb == "list":
        con = service.read(path)
        rows = actions.as_json(con, actions.listing(con, tuple(args.status), args.function))
        print(json.dumps(rows, indent=1) if args.format == "json" else _table(rows))
        return 0
    given = {k: getattr(args, k) for k in actions.EDITABLE if getattr(args, k, None) is not None}
    with service.writer(path) as con:
        if args.verb == "add":
            action_id = actions.add(con, _user(), source=args.source, **given)
            print(json.dumps({"action_id": action_id, **actions.as_json(con, actions.listing(con).query(
                "action_id == @action_id"))[0]}))
        else:
            changed = actions.update(con, _user(), args.action_id, **given)
            print(json.dumps({"action_id": args.action_id, "changed": changed}, default=str))
    return 0
