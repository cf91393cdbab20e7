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
