"""Action plans: owned actions that a finding turns into, stored in DuckDB and audited.

An action has a title, an owning function (:data:`FUNCTIONS`, or a custom
name), an owner, what it addresses (a unit, region or journey stage, a theme,
a driver or an alert), the KPI it is meant to move and a target, a due date,
a status and a progress in percent. It is created from an alert, a weak
driver, a rising theme or a unit row (on their pages), or with
``python -m cx_metrics actions add``.

**Before and after.** When an action is created, the KPI it is meant to move
is measured over the three complete calendar months before (for the group it
addresses, when that is a unit, region or journey stage; for everyone
otherwise) and kept with the action. :func:`progress` measures the same KPI
for the same group over the responses dated on or after the day the action
was created, so "before" never moves and "after" grows as data arrives.

**The gate.** :func:`add` and :func:`update` are the only writers of
``actions``. Each checks the user's role (``edit_actions``: analysts and
admins; viewers read), validates every field, and records the change in the
audit log in the same transaction: ``action_created`` with every field,
``action_updated`` with each changed field's old and new value.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from . import access, audit, kpis
from .filters import Filters, months_before
from .txn import transaction

FUNCTIONS = ("Marketing", "Sales", "Customer success", "Operations", "HR", "Finance")
STATUSES = ("open", "in progress", "done", "dropped")
#: What an action can address; the first three are groups its KPI is measured for.
ADDRESSES = {"unit": "business_units", "region": "regions", "journey stage": "journey_stages",
             "theme": None, "driver": None, "alert": None}
#: Fields :func:`update` may change (never the baseline, the creator or the creation time).
EDITABLE = ("title", "function", "owner", "addresses_kind", "addresses", "kpi", "target", "due", "status", "progress")
COLUMNS = ["action_id", "title", "function", "owner", "addresses_kind", "addresses", "kpi", "target", "due",
           "status", "progress", "source", "baseline", "baseline_n", "baseline_start", "baseline_end",
           "created_at", "created_by", "updated_at"]
#: A KPI's possible values, to refuse a target no score can reach.
_RANGES = {"nps": (-100.0, 100.0), "share": (0.0, 100.0), "ratio": (0.0, 100.0), "mean": (1.0, 7.0)}
_DATES = ("due", "baseline_start", "baseline_end")
_MAX_TEXT = {"title": 200, "owner": 120, "function": 40, "addresses": 200, "source": 200}


def _text(name: str, value, required: bool = True) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    if not text:
        if required:
            raise ValueError(f"an action needs {'an' if name[0] in 'aeiou' else 'a'} {name.replace('_', ' ')}")
        return None
    if len(text) > _MAX_TEXT[name]:
        raise ValueError(f"the {name} is {len(text)} characters long; at most {_MAX_TEXT[name]}")
    return text


def _function(value) -> str:
    """A known function in its usual spelling, or a custom name."""
    text = _text("function", value)
    return next((f for f in FUNCTIONS if f.lower() == text.lower()), text)


def _kpi(value) -> str:
    if value not in kpis.KPIS:
        raise ValueError(f"unknown KPI {value!r}; use one of {', '.join(kpis.KPIS)}")
    return value


def _target(kpi: str, value) -> float | None:
    if value is None or value == "":
        return None
    try:
        target = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"the target must be a number, not {value!r}") from None
    low, high = _RANGES[kpis.KPIS[kpi].method]
    if not low <= target <= high:
        raise ValueError(f"a {kpis.KPIS[kpi].label} target must lie between {low:g} and {high:g}, not {target:g}")
    return target


def _due(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"the due date must be YYYY-MM-DD, not {value!r}") from None


def _status(value) -> str:
    if value not in STATUSES:
        raise ValueError(f"unknown status {value!r}; use one of {', '.join(STATUSES)}")
    return value


def _progress(value) -> int:
    try:
        pct = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"progress is a whole percent, not {value!r}") from None
    if not 0 <= pct <= 100:
        raise ValueError(f"progress is between 0 and 100 percent, not {pct}")
    return pct


def _addresses(kind, name) -> tuple[str | None, str | None]:
    if kind in (None, ""):
        if name not in (None, ""):
            raise ValueError("say what kind of thing the action addresses: " + ", ".join(ADDRESSES))
        return None, None
    if kind not in ADDRESSES:
        raise ValueError(f"an action addresses one of {', '.join(ADDRESSES)}, not {kind!r}")
    return kind, _text("addresses", name)


def _clean(fields: dict, kpi: str | None = None) -> dict:
    """Every given field validated and normalised (a ValueError names the first bad one). ``kpi``: the
    action's KPI when ``fields`` has none (a target is checked against the KPI's range)."""
    out = {}
    for name in ("title", "owner"):
        if name in fields:
            out[name] = _text(name, fields[name])
    if "function" in fields:
        out["function"] = _function(fields["function"])
    if "kpi" in fields:
        out["kpi"] = _kpi(fields["kpi"])
    if "target" in fields:
        out["target"] = _target(out.get("kpi") or kpi, fields["target"])
    if "due" in fields:
        out["due"] = _due(fields["due"])
    if "status" in fields:
        out["status"] = _status(fields["status"])
    if "progress" in fields:
        out["progress"] = _progress(fields["progress"])
    if "addresses_kind" in fields or "addresses" in fields:
        out["addresses_kind"], out["addresses"] = _addresses(fields.get("addresses_kind"), fields.get("addresses"))
    return out


def scope(filters: Filters, addresses_kind: str | None, addresses: str | None) -> Filters:
    """``filters`` narrowed to the group an action addresses (a unit, region or journey stage), if any."""
    field = ADDRESSES.get(addresses_kind or "")
    return dataclasses.replace(filters, **{field: (addresses,)}) if field else filters


def baseline_window(con: duckdb.DuckDBPyConnection, day: date) -> tuple[date, date] | None:
    """The three complete calendar months before ``day`` (or before the data's last day, if earlier)."""
    last = kpis.data_range(con)[1]
    if last is None:
        return None
    as_of = min(day - timedelta(days=1), last)
    first_of_next = months_before(date(as_of.year, as_of.month, 1), -1)
    end_month = first_of_next if as_of == first_of_next - timedelta(days=1) else date(as_of.year, as_of.month, 1)
    return months_before(end_month, 3), end_month - timedelta(days=1)


def _measure(con, kpi: str, filters: Filters) -> kpis.Score:
    return kpis.scorecard(con, filters, (kpi,))[kpi]


def add(con: duckdb.DuckDBPyConnection, user: access.User, *, title: str, function: str, owner: str, kpi: str,
        addresses_kind: str | None = None, addresses: str | None = None, target=None, due=None,
        source: str | None = None, today: date | None = None) -> int:
    """Create an action (``user`` needs ``edit_actions``) with its KPI's baseline; return its id. Audited."""
    access.require(user, "edit_actions")
    fields = _clean({"title": title, "function": function, "owner": owner, "kpi": kpi, "target": target,
                     "due": due, "addresses_kind": addresses_kind, "addresses": addresses})
    fields["source"] = _text("source", source, required=False)
    today = today or date.today()
    window = baseline_window(con, today)
    before = None
    if window:
        before = _measure(con, fields["kpi"], scope(Filters(*window), fields["addresses_kind"], fields["addresses"]))
    fields.update(baseline=before.value if before else None, baseline_n=before.n if before else None,
                  baseline_start=window[0] if window else None, baseline_end=window[1] if window else None,
                  created_at=datetime.combine(today, datetime.now().time()), created_by=user.email)
    fields["updated_at"] = fields["created_at"]
    names = list(fields)
    with transaction(con):
        action_id = con.execute(
            f"INSERT INTO actions ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) RETURNING action_id",
            [fields[n] for n in names]).fetchone()[0]
        audit.record(con, user.email, "action_created", f"action {action_id}",
                     {n: fields[n] for n in names if n not in ("created_at", "updated_at", "created_by")})
    return action_id


def get(con: duckdb.DuckDBPyConnection, action_id: int) -> dict:
    """One action as a dict of :data:`COLUMNS`; ValueError if there is none."""
    rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM actions WHERE action_id = ?", [int(action_id)]).fetchall()
    if not rows:
        raise ValueError(f"no action {action_id}")
    return dict(zip(COLUMNS, rows[0]))


def update(con: duckdb.DuckDBPyConnection, user: access.User, action_id: int, **changes) -> dict[str, list]:
    """Change some of an action's :data:`EDITABLE` fields (``user`` needs ``edit_actions``).

    Returns {field: [old, new]} for what really changed (nothing is written or audited when nothing did).
    Setting the status to ``done`` without a progress sets the progress to 100.
    """
    access.require(user, "edit_actions")
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValueError(f"cannot change {', '.join(unknown)}; an action's editable fields are {', '.join(EDITABLE)}")
    current = get(con, action_id)
    if "addresses" in changes and "addresses_kind" not in changes:
        changes["addresses_kind"] = current["addresses_kind"]
    if "addresses_kind" in changes and "addresses" not in changes:
        changes["addresses"] = current["addresses"]
    if changes.get("status") == "done" and "progress" not in changes:
        changes["progress"] = 100
    new = _clean(changes, current["kpi"])
    diff = {k: [current[k], v] for k, v in new.items() if current[k] != v}
    if not diff:
        return {}
    with transaction(con):
        con.execute(f"UPDATE actions SET {', '.join(f'{k} = ?' for k in diff)}, updated_at = current_timestamp"
                    " WHERE action_id = ?", [*(v for _, v in diff.values()), int(action_id)])
        audit.record(con, user.email, "action_updated", f"action {action_id}", diff)
    return diff


def listing(con: duckdb.DuckDBPyConnection, status: tuple[str, ...] = (), function: str | None = None) -> pd.DataFrame:
    """Actions, newest first (:data:`COLUMNS`), optionally of some statuses or one function."""
    clauses, params = ["TRUE"], []
    if status:
        clauses.append("list_position(?, status) IS NOT NULL")
        params.append([_status(s) for s in status])
    if function:
        clauses.append("lower(function) = lower(?)")
        params.append(function)
    return con.execute(f"SELECT {', '.join(COLUMNS)} FROM actions WHERE {' AND '.join(clauses)}"
                       " ORDER BY action_id DESC", params).df()


def progress(con: duckdb.DuckDBPyConnection, action: dict) -> dict:
    """The KPI an action is meant to move, before and after it was created.

    ``before``/``before_n``: the stored baseline (three complete months before creation); ``after``/
    ``after_n``: the same KPI and group over the responses dated from the creation day to the data's
    last day (None when there are none yet); ``change`` = after - before; ``to_target`` = target - after.
    """
    start = pd.Timestamp(action["created_at"]).date()
    last = kpis.data_range(con)[1]
    after = None
    if last is not None and last >= start:
        after = _measure(con, action["kpi"], scope(Filters(start, last), action["addresses_kind"],
                                                   action["addresses"]))
    value = after.value if after else None
    before = None if pd.isna(action["baseline"]) else float(action["baseline"])
    target = None if pd.isna(action["target"]) else float(action["target"])
    return {"before": before, "before_n": None if pd.isna(action["baseline_n"]) else int(action["baseline_n"]),
            "after": value, "after_n": after.n if after and value is not None else None,
            "after_start": start.isoformat(), "after_end": last.isoformat() if last else None,
            "change": None if value is None or before is None else value - before,
            "to_target": None if value is None or target is None else target - value}


def as_json(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> list[dict]:
    """``actions list --format json``: each action with its before and after (2 decimals)."""
    out = []
    for record in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        moved = progress(con, record)
        for k in ("before", "after", "change", "to_target"):
            moved[k] = None if moved[k] is None else round(moved[k], 2)
        record = {k: (None if v is None else pd.Timestamp(v).date().isoformat() if k in _DATES
                      else v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in record.items()}
        out.append({**record, "kpi_label": kpis.KPIS[record["kpi"]].label, **moved})
    return json.loads(json.dumps(out, default=str))
