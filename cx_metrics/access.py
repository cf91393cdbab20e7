"""Who may see and change what: roles, the roles file, and permissions.

Three roles, each including the one before:

* ``viewer`` (the C-suite): every dashboard page, the board pack.
* ``analyst``: also uploads and undo, mapping profiles, targets, themes.
* ``admin``: also roles and the audit log.

Roles are assigned in a TOML file (``$CX_ROLES``, default
``.streamlit/roles.toml``; see ``roles.example.toml``)::

    default = "none"             # signed-in users matching no rule ("none": refused)
    groups_claim = "groups"      # the ID-token claim that lists groups

    [users]                      # exact emails, case-insensitive: these win
    "ceo@example.com" = "viewer"

    [groups]
    "cx-analysts" = "analyst"

    [domains]
    "example.com" = "viewer"

A user's own ``[users]`` entry wins, so an admin can demote one person in a
domain of analysts. Otherwise the highest role among their groups and email
domain applies, and failing that ``default``. Only verified emails count
when the provider says whether the email is verified.

Nothing here imports streamlit: pages pass ``st.user``'s claims as a dict.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from . import config

Role = Literal["viewer", "analyst", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "analyst", "admin")
NO_ROLE = "none"

#: The least role each action needs. Pages and cx_metrics writers check these.
PERMISSIONS: dict[str, Role] = {
    "view": "viewer",
    "boardpack": "viewer",
    "upload": "analyst",
    "undo": "analyst",
    "edit_mappings": "analyst",
    "edit_targets": "analyst",
    "edit_themes": "analyst",
    "edit_actions": "analyst",
    "edit_schedules": "analyst",
    "view_audit": "admin",
    "edit_roles": "admin",
}

LOCAL_USER = "local"


class RolesFileError(ValueError):
    """The roles file cannot be read or holds an unknown role."""


class Forbidden(PermissionError):
    """The user's role does not allow the action."""


@dataclass(frozen=True)
class RoleRules:
    default: str = NO_ROLE
    groups_claim: str = "groups"
    users: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class User:
    """The person behind a session. ``role`` None means no access at all."""

    email: str
    name: str
    role: Role | None
    #: Single-user local mode (no sign-in configured).
    local: bool = False

    def can(self, action: str) -> bool:
        return allows(self.role, action)


def roles_path() -> Path:
    return Path(os.environ.get("CX_ROLES") or config.ROOT / ".streamlit" / "roles.toml")


def load_rules(path: Path | None = None) -> RoleRules:
    """The rules in ``path`` (default :func:`roles_path`); no file means no roles given."""
    path = path or roles_path()
    if not path.exists():
        return RoleRules()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise RolesFileError(f"cannot read the roles file {path}: {e}") from None
    return parse_rules(raw, str(path))


def parse_rules(raw: dict, where: str = "roles") -> RoleRules:
    def table(name: str) -> dict[str, str]:
        entries = raw.get(name, {})
        if not isinstance(entries, dict):
            raise RolesFileError(f"{where}: [{name}] must be a table of name = role")
        out = {}
        for key, role in entries.items():
            _check_role(role, f"{where}: [{name}] {key!r}")
            out[key.strip().lower()] = role
        return out

    default = raw.get("default", NO_ROLE)
    _check_role(default, f"{where}: default", allow_none=True)
    return RoleRules(
        default=default,
        groups_claim=str(raw.get("groups_claim", "groups")),
        users=table("users"),
        groups=table("groups"),
        domains=table("domains"),
    )


def _check_role(role, where: str, allow_none: bool = True) -> None:
    if role not in ROLES and not (allow_none and role == NO_ROLE):
        raise RolesFileError(f"{where}: unknown role {role!r}; use one of {', '.join(ROLES)} or {NO_ROLE!r}")


def role_for(claims: dict, rules: RoleRules) -> Role | None:
    """The role of a signed-in user from their ID-token claims, or None."""
    email = str(claims.get("email") or "").strip().lower()
    if claims.get("email_verified") is False:
        email = ""  # an unverified address must not pick up a domain's role
    if email and email in rules.users:
        return _role_or_none(rules.users[email])
    found: list[str] = []
    groups = claims.get(rules.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    found += [rules.groups[g.strip().lower()] for g in groups if isinstance(g, str) and g.strip().lower() in rules.groups]
    if "@" in email:
        domain = email.rsplit("@", 1)[1]
        if domain in rules.domains:
            found.append(rules.domains[domain])
    found = [r for r in found if r in ROLES]
    if found:
        return max(found, key=ROLES.index)
    return _role_or_none(rules.default)


def _role_or_none(role: str) -> Role | None:
    return role if role in ROLES else None


def allows(role: Role | None, action: str) -> bool:
    """Whether ``role`` may do ``action`` (unknown actions are refused)."""
    need = PERMISSIONS.get(action)
    return role is not None and need is not None and ROLES.index(role) >= ROLES.index(need)


def require(user: User, action: str) -> None:
    """Raise :class:`Forbidden` unless ``user`` may do ``action``."""
    if not user.can(action):
        need = PERMISSIONS.get(action, "an unknown permission")
        raise Forbidden(f"{user.email or 'this user'} ({user.role or 'no role'}) may not {action}: it needs {need}")


def local_user() -> User:
    """Single-user local mode: the person at this computer may do everything."""
    return User(email=LOCAL_USER, name="Local user", role="admin", local=True)


def file_sha256(path: Path | None = None) -> str | None:
    """The roles file's hash, to notice (and audit) edits made outside the app."""
    path = path or roles_path()
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def dump_rules(rules: RoleRules) -> str:
    """``rules`` as roles-file TOML (what the admin page saves)."""
    def quote(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        "# Who may do what. Edited on the Admin page or by hand; see README.",
        f"default = {quote(rules.default)}",
        f"groups_claim = {quote(rules.groups_claim)}",
    ]
    for name in ("users", "groups", "domains"):
        lines += ["", f"[{name}]"]
        lines += [f"{quote(k)} = {quote(v)}" for k, v in sorted(getattr(rules, name).items())]
    return "\n".join(lines) + "\n"


# --- Changing the rules (audited) -------------------------------------------------

ROLES_FILE_META = "roles_file_sha256"


def rules_table(rules: RoleRules) -> list[dict]:
    """The rules as rows (kind user/group/domain, name, role), for an editor."""
    return [
        {"kind": kind, "name": name, "role": role}
        for kind, entries in (("user", rules.users), ("group", rules.groups), ("domain", rules.domains))
        for name, role in sorted(entries.items())
    ]


def rules_from_table(rows: list[dict], default: str, groups_claim: str) -> RoleRules:
    """The inverse of :func:`rules_table`; raises RolesFileError naming the bad row."""
    tables: dict[str, dict[str, str]] = {"user": {}, "group": {}, "domain": {}}
    for i, row in enumerate(rows, start=1):
        kind, name, role = (str(row.get(k) or "").strip() for k in ("kind", "name", "role"))
        if kind not in tables:
            raise RolesFileError(f"row {i}: kind must be user, group or domain, not {kind!r}")
        if not name:
            raise RolesFileError(f"row {i}: the {kind} name is empty")
        _check_role(role, f"row {i}")
        if name.lower() in tables[kind]:
            raise RolesFileError(f"row {i}: {kind} {name!r} appears twice")
        tables[kind][name.lower()] = role
    _check_role(default, "default")
    return RoleRules(default, groups_claim.strip() or "groups", tables["user"], tables["group"], tables["domain"])


def save_rules(con, rules: RoleRules, *, actor: str, path: Path | None = None) -> None:
    """Write ``rules`` to the roles file (atomically) and audit the change."""
    from . import audit, db

    path = path or roles_path()
    before = rules_table(load_rules(path)) if path.exists() else []
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dump_rules(rules), encoding="utf-8")
    con.execute("BEGIN TRANSACTION")
    try:
        audit.record(con, actor, "roles_saved", str(path),
                     {"before": before, "after": rules_table(rules), "default": rules.default})
        os.replace(tmp, path)
        db.set_meta(con, ROLES_FILE_META, file_sha256(path) or "")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        tmp.unlink(missing_ok=True)
        raise


def note_roles_file(con, path: Path | None = None) -> bool:
    """Audit edits of the roles file made outside the app (by hand, by deploy).

    Compares the file's hash with the one last seen; returns True when it
    recorded a change. The app calls this when it opens the database.
    """
    from . import audit, db

    path = path or roles_path()
    now = file_sha256(path) or ""
    seen = db.get_meta(con, ROLES_FILE_META)
    if seen == now or (seen is None and not now):
        return False
    try:
        details = {"rules": rules_table(load_rules(path))} if now else {"rules": "file removed"}
    except RolesFileError as e:
        details = {"error": str(e)}
    audit.record(con, "roles file", "roles_file_changed", str(path), details, sha256=now or None)
    db.set_meta(con, ROLES_FILE_META, now)
    return True
