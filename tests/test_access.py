"""Roles from the roles file, permissions, and the append-only audit log."""

import re
from pathlib import Path

import pytest

from cx_metrics import access, audit, db
from cx_metrics.access import RoleRules, User

ROOT = Path(__file__).resolve().parents[1]

RULES = access.parse_rules(
    {
        "default": "none",
        "users": {"Boss@Example.com": "viewer", "ana@example.com": "admin", "banned@corp.com": "none"},
        "groups": {"cx-analysts": "analyst", "board": "viewer"},
        "domains": {"corp.com": "analyst", "example.com": "viewer"},
    }
)


@pytest.mark.parametrize(
    ("claims", "role"),
    [
        ({"email": "boss@example.com"}, "viewer"),  # [users] entry, case-insensitive
        ({"email": "ana@example.com", "groups": ["board"]}, "admin"),  # own entry wins over groups
        ({"email": "bob@corp.com"}, "analyst"),  # domain
        ({"email": "banned@corp.com"}, None),  # own entry "none" beats the analyst domain
        ({"email": "x@elsewhere.org", "groups": ["board", "cx-analysts"]}, "analyst"),  # highest group
        ({"email": "x@elsewhere.org", "groups": "board"}, "viewer"),  # a single group as a string
        ({"email": "x@elsewhere.org"}, None),  # default none
        ({"email": "bob@corp.com", "email_verified": False}, None),  # unverified email: no domain role
        ({}, None),
    ],
)
def test_role_for(claims, role):
    assert access.role_for(claims, RULES) == role


def test_default_role_and_group_claim_name():
    rules = access.parse_rules({"default": "viewer", "groups_claim": "roles", "groups": {"admins": "admin"}})
    assert access.role_for({"email": "a@b.c"}, rules) == "viewer"
    assert access.role_for({"email": "a@b.c", "roles": ["Admins"]}, rules) == "admin"
    assert access.role_for({"email": "a@b.c", "groups": ["admins"]}, rules) == "viewer"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (None, set()),
        ("viewer", {"view", "boardpack"}),
        ("analyst", {"view", "boardpack", "upload", "undo", "edit_mappings", "edit_targets", "edit_themes",
                     "edit_actions", "edit_schedules"}),
        ("admin", set(access.PERMISSIONS)),
    ],
)
def test_permissions_by_role(role, allowed):
    assert {a for a in access.PERMISSIONS if access.allows(role, a)} == allowed
    assert not access.allows(role, "no_such_action")


def test_require_raises_forbidden_with_a_clear_message():
    viewer = User("boss@example.com", "Boss", "viewer")
    access.require(viewer, "view")
    with pytest.raises(access.Forbidden, match=r"boss@example.com \(viewer\) may not upload: it needs analyst"):
        access.require(viewer, "upload")


def test_local_user_is_admin_and_labelled_local():
    u = access.local_user()
    assert u.local and u.role == "admin" and u.can("edit_roles")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('default = "boss"', "unknown role 'boss'"),
        ('[users]\n"a@b.c" = "superuser"', "unknown role 'superuser'"),
        ("users = 3", r"\[users\] must be a table"),
        ("default = ", "cannot read"),
    ],
)
def test_bad_roles_files(tmp_path, text, match):
    path = tmp_path / "roles.toml"
    path.write_text(text)
    with pytest.raises(access.RolesFileError, match=match):
        access.load_rules(path)


def test_missing_roles_file_gives_no_roles(tmp_path):
    rules = access.load_rules(tmp_path / "none.toml")
    assert rules == RoleRules() and access.role_for({"email": "a@b.c"}, rules) is None


def test_dump_and_load_round_trip(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(access.dump_rules(RULES))
    assert access.load_rules(path) == RULES
    assert access.file_sha256(path) and access.file_sha256(tmp_path / "x") is None


def test_the_example_roles_file_parses():
    rules = access.load_rules(ROOT / "roles.example.toml")
    assert rules.default in (*access.ROLES, access.NO_ROLE) and rules.users


# --- audit log ---------------------------------------------------------------------

@pytest.fixture
def con():
    c = db.connect(":memory:")
    yield c
    c.close()


def test_record_and_read_back_newest_first(con):
    first = audit.record(con, "ana@example.com", "targets_saved", "targets", {"changed": 2})
    second = audit.record(con, "cli:root", "upload", "survey.csv", sha256="ab" * 32, rows=120)
    assert second > first
    log = audit.events(con)
    assert list(log.columns) == audit.COLUMNS
    assert list(log["event_id"]) == [second, first]
    row = log.iloc[0]
    assert (row["actor"], row["action"], row["object"], row["sha256"], row["rows"]) == (
        "cli:root", "upload", "survey.csv", "ab" * 32, 120)
    assert log.iloc[1]["details"] == '{"changed": 2}'
    assert list(audit.events(con, action="upload")["event_id"]) == [second]
    assert list(audit.events(con, actor="ana@example.com")["event_id"]) == [first]


def test_unknown_action_or_missing_actor_is_refused(con):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(con, "a", "delete_everything")
    with pytest.raises(ValueError, match="actor"):
        audit.record(con, "", "upload")
    assert audit.events(con).empty


def test_an_event_rolls_back_with_its_change(con):
    con.execute("BEGIN TRANSACTION")
    audit.record(con, "a", "upload", "x.csv")
    con.execute("ROLLBACK")
    assert audit.events(con).empty


def test_nothing_updates_or_deletes_audit_rows():
    """Append-only by construction: no code outside migrations touches audit_log but to INSERT or SELECT."""
    pattern = re.compile(r"(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE|ALTER\s+TABLE)\s+audit_log", re.I)
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("cx_metrics", "pages")
        for p in (ROOT / folder).rglob("*.py")
        if pattern.search(p.read_text())
    ] + (["app.py"] if pattern.search((ROOT / "app.py").read_text()) else [])
    assert offenders == []


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([{"kind": "team", "name": "x", "role": "viewer"}], "row 1: kind must be user, group or domain"),
        ([{"kind": "user", "name": " ", "role": "viewer"}], "row 1: the user name is empty"),
        ([{"kind": "group", "name": "g", "role": "boss"}], "row 1: unknown role 'boss'"),
        ([{"kind": "domain", "name": "a.com", "role": "viewer"}, {"kind": "domain", "name": "A.com", "role": "admin"}],
         "row 2: domain 'A.com' appears twice"),
    ],
)
def test_rules_from_table_names_the_bad_row(rows, match):
    with pytest.raises(access.RolesFileError, match=match):
        access.rules_from_table(rows, "none", "groups")


def test_save_rules_writes_the_file_and_audits_before_and_after(con, tmp_path):
    path = tmp_path / "roles.toml"
    access.save_rules(con, access.rules_from_table(
        [{"kind": "user", "name": "A@x.com", "role": "admin"}], "viewer", "roles"), actor="root@x.com", path=path)
    assert access.load_rules(path) == RoleRules("viewer", "roles", {"a@x.com": "admin"}, {}, {})
    [event] = audit.events(con).to_dict("records")
    assert (event["actor"], event["action"]) == ("root@x.com", "roles_saved")
    assert not access.note_roles_file(con, path)  # the app's own save is not an outside edit
    path.write_text('default = "admin"\n')
    assert access.note_roles_file(con, path)  # ... a hand edit is
    assert not access.note_roles_file(con, path)  # once
    assert list(audit.events(con)["action"]) == ["roles_file_changed", "roles_saved"]
