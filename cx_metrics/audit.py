"""The audit log: who changed what, when. Append-only.

Every write that changes what the C-suite sees or who may see it records an
event here: uploads and undos, mapping profiles, targets, themes, roles,
actions, alert acknowledgements, schedules and their sends.
This module only ever INSERTs into ``audit_log``; nothing in the code base
updates or deletes its rows (a test greps for it).

Columns: event_id, happened_at, actor (an email, or ``local`` in
single-user mode, or ``cli:<user>``), action, object (what it acted on),
details (JSON text), sha256 (of an uploaded file), rows.
"""

from __future__ import annotations

import getpass
import json

import duckdb
import pandas as pd

#: Actions that may be recorded, so a typo does not start a new kind of event.
ACTIONS = (
    "upload",
    "undo",
    "mapping_saved",
    "targets_saved",
    "materiality_saved",
    "themes_saved",
    "roles_saved",
    "roles_file_changed",
    "alert_acknowledged",
    "action_created",
    "action_updated",
    "schedule_saved",
    "schedule_sent",
    "schedule_failed",
)

COLUMNS = ["event_id", "happened_at", "actor", "action", "object", "details", "sha256", "rows"]


def record(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    object: str | None = None,
    details: dict | None = None,
    *,
    sha256: str | None = None,
    rows: int | None = None,
) -> int:
    """Append one event and return its id.

    Call it inside the transaction of the change it describes, so that the
    change and its record land (or roll back) together.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)}")
    if not actor:
        raise ValueError("an audit event needs an actor")
    return con.execute(
        """INSERT INTO audit_log (actor, action, object, details, sha256, rows)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING event_id""",
        [actor, action, object, json.dumps(details, default=str, sort_keys=True) if details else None,
         sha256, rows],
    ).fetchone()[0]


def events(
    con: duckdb.DuckDBPyConnection,
    *,
    action: str | None = None,
    actor: str | None = None,
    object: str | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """The newest events first, optionally of one action, actor or object. Columns: :data:`COLUMNS`."""
    clauses, params = [], []
    if object:
        clauses.append("object = ?")
        params.append(object)
    if action:
        clauses.append("action = ?")
        params.append(action)
    if actor:
        clauses.append("actor = ?")
        params.append(actor)
    where = " AND ".join(clauses) or "TRUE"
    return con.execute(
        f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE {where} ORDER BY event_id DESC LIMIT ?",
        [*params, int(limit)],
    ).df()


def cli_actor() -> str:
    """Who a command-line change is attributed to: ``cli:<login name>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry in some containers
        return "cli:unknown"
