"""cx_metrics.db: schema, migrations, the contract columns and CHECK constraints."""

from datetime import date, datetime

import duckdb
import pytest

from cx_metrics import db


@pytest.fixture
def con():
    c = db.connect(":memory:")
    yield c
    c.close()


# --- migrations -----------------------------------------------------------------------

def test_fresh_database_records_every_migration(con):
    rows = con.execute(
        "SELECT version, description, applied_at IS NOT NULL FROM schema_version ORDER BY 1"
    ).fetchall()
    assert rows == [(v, d, True) for v, d, _ in db.MIGRATIONS]
    assert db.schema_version(con) == db.SCHEMA_VERSION == max(v for v, _, _ in db.MIGRATIONS)


def test_schema_version_of_a_bare_database_is_zero():
    bare = duckdb.connect(":memory:")
    assert db.schema_version(bare) == 0
    assert db.migrate(bare) == db.SCHEMA_VERSION


#: A version no shipped migration uses, for migrations made up by tests.
NEXT = 1000


def test_a_migration_landing_late_still_runs(tmp_path, monkeypatch):
    """Migrations from parallel branches may land below the highest applied one."""
    path = tmp_path / "cx.duckdb"
    db.connect(path).close()
    monkeypatch.setattr(db, "MIGRATIONS", db.MIGRATIONS + [(NEXT + 2, "later", "CREATE TABLE later (x INT)")])
    db.connect(path).close()
    monkeypatch.setattr(db, "MIGRATIONS", db.MIGRATIONS + [(NEXT + 1, "late", "CREATE TABLE late (x INT)")])
    con = db.connect(path)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"late", "later"} <= tables
    assert db.schema_version(con) == NEXT + 2
    con.close()


def test_tables_of_the_initial_schema(con):
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"schema_version", "meta", "uploads", "cx_responses", "ex_responses",
            "attribute_ratings", "business_outcomes", "targets"} <= tables


def test_seeded_targets(con):
    rows = con.execute("SELECT kpi, business_unit, value FROM targets ORDER BY kpi").fetchall()
    assert rows == [("ces", "all", 5.0), ("csat", "all", 80.0), ("engagement", "all", 70.0),
                    ("enps", "all", 20.0), ("nps", "all", 30.0), ("retention", "all", 90.0)]


def test_connecting_twice_does_not_reapply_and_keeps_data(tmp_path):
    path = tmp_path / "cx.duckdb"
    first = db.connect(path)
    first.execute(
        "INSERT INTO cx_responses (response_id, submitted_at, nps) VALUES ('R1', '2026-01-05 10:00', 9)"
    )
    first.execute("DELETE FROM targets WHERE kpi = 'nps'")
    first.close()
    again = db.connect(path)
    assert again.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(db.MIGRATIONS)
    assert again.execute("SELECT response_id, nps FROM cx_responses").fetchall() == [("R1", 9)]
    # migration 1 seeds targets; had it run again the deleted row would be back (or the insert would fail)
    assert again.execute("SELECT count(*) FROM targets WHERE kpi = 'nps'").fetchone()[0] == 0
    assert db.migrate(again) == db.SCHEMA_VERSION
    again.close()


def test_read_only_connection_does_not_migrate(tmp_path):
    path = tmp_path / "cx.duckdb"
    db.connect(path).close()
    ro = db.connect(path, read_only=True)
    assert db.schema_version(ro) == db.SCHEMA_VERSION
    with pytest.raises(duckdb.Error):
        ro.execute("INSERT INTO meta VALUES ('k', 'v')")
    ro.close()


def test_a_new_migration_upgrades_in_place(tmp_path, monkeypatch):
    path = tmp_path / "cx.duckdb"
    old = db.connect(path)
    old.execute("INSERT INTO cx_responses (response_id, submitted_at) VALUES ('R1', '2026-01-05')")
    old.close()
    add_column = "ALTER TABLE cx_responses ADD COLUMN lang VARCHAR DEFAULT 'en'"
    shipped = [(v,) for v, _, _ in sorted(db.MIGRATIONS)]
    monkeypatch.setattr(db, "MIGRATIONS", db.MIGRATIONS + [(NEXT, "add a column", add_column)])
    new = db.connect(path)
    assert new.execute("SELECT version FROM schema_version ORDER BY 1").fetchall() == shipped + [(NEXT,)]
    assert new.execute("SELECT response_id, lang FROM cx_responses").fetchall() == [("R1", "en")]
    new.close()
    again = db.connect(path)  # applied once only: a second ADD COLUMN would fail
    assert db.schema_version(again) == NEXT
    again.close()


def test_a_failing_migration_rolls_back(tmp_path, monkeypatch):
    path = tmp_path / "cx.duckdb"
    db.connect(path).close()
    bad = "CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table"
    monkeypatch.setattr(db, "MIGRATIONS", db.MIGRATIONS + [(NEXT, "broken", bad)])
    with pytest.raises(duckdb.CatalogException):
        db.connect(path)
    monkeypatch.undo()
    con = db.connect(path)
    assert db.schema_version(con) == db.SCHEMA_VERSION
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "half_done" not in tables
    con.close()


# --- contract columns -----------------------------------------------------------------

CONTRACT_INSERTS = [
    ("cx_responses",
     {"response_id": "R1", "submitted_at": datetime(2026, 1, 5, 10), "business_unit": "Grocery",
      "region": "DACH", "channel": "web", "journey_stage": "buy", "segment": "consumer", "customer_id": "C1",
      "nps": 9, "csat": 4, "ces": 6, "comment": "Quick."},
     {"source": "manual", "upload_id": None}),
    ("ex_responses",
     {"response_id": "X1", "submitted_at": datetime(2026, 1, 5, 10), "business_unit": "Grocery",
      "region": "DACH", "department": "IT", "tenure_band": "1-2 years", "respondent_id": "E1",
      "enps": 7, "engagement": 4, "satisfaction": 3, "comment": "Fine."},
     {"source": "manual", "population": "employee", "upload_id": None}),
    ("attribute_ratings",
     {"response_id": "R1", "kind": "cx", "attribute": "staff", "score": 4.0, "scale_max": 5.0},
     {"source": None, "upload_id": None}),
    ("business_outcomes",
     {"month": date(2026, 1, 1), "business_unit": "Grocery", "metric": "active_customers", "value": 1000.0},
     {"upload_id": None}),
    ("targets", {"kpi": "nps", "business_unit": "Grocery", "value": 45.0}, {}),
    ("targets", {"kpi": "churn", "value": 5.0}, {"business_unit": "all"}),
    ("uploads", {"upload_id": "U1", "file_name": "survey.csv", "sha256": "ab" * 32, "kind": "cx"},
     {"rows_loaded": 0, "rows_skipped": 0, "loaded_by": None}),
]


@pytest.mark.parametrize(("table", "values", "defaults"), CONTRACT_INSERTS)
def test_insert_naming_only_contract_columns(con, table, values, defaults):
    cols = ", ".join(values)
    marks = ", ".join("?" * len(values))
    con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(values.values()))
    wanted = list(values) + list(defaults)
    match = " AND ".join(f"{c} = ?" for c in values)  # the inserted row, not a seeded target
    cur = con.execute(f"SELECT {', '.join(wanted)} FROM {table} WHERE {match}", list(values.values()))
    assert cur.fetchall() == [tuple(values.values()) + tuple(defaults.values())]


@pytest.mark.parametrize(("table", "column"), [("uploads", "loaded_at"), ("targets", "updated_at")])
def test_timestamps_default_to_now(con, table, column):
    assert con.execute(f"SELECT count(*) FROM {table} WHERE {column} IS NULL").fetchone()[0] == 0
    if table == "uploads":
        con.execute("INSERT INTO uploads (upload_id) VALUES ('U1')")
    assert con.execute(f"SELECT count(*) FROM {table} WHERE {column} IS NULL").fetchone()[0] == 0


# --- constraints ----------------------------------------------------------------------

MIN_ROW = {  # the NOT NULL columns plus the one under test
    "cx_responses": "INSERT INTO cx_responses (response_id, submitted_at, {c}) VALUES ('R', '2026-01-01', ?)",
    "ex_responses": "INSERT INTO ex_responses (response_id, submitted_at, {c}) VALUES ('X', '2026-01-01', ?)",
    "attribute_ratings": "INSERT INTO attribute_ratings (response_id, attribute, {c}) VALUES ('R', 'x', ?)",
}


@pytest.mark.parametrize(
    ("table", "col", "value"),
    [
        ("cx_responses", "nps", 11),
        ("cx_responses", "nps", -1),
        ("cx_responses", "csat", 0),
        ("cx_responses", "csat", 6),
        ("cx_responses", "ces", 8),
        ("cx_responses", "ces", 0),
        ("ex_responses", "enps", 11),
        ("ex_responses", "engagement", 0),
        ("ex_responses", "satisfaction", 6),
        ("ex_responses", "population", "alien"),
        ("attribute_ratings", "kind", "zz"),
    ],
)
def test_check_constraints_reject(con, table, col, value):
    with pytest.raises(duckdb.ConstraintException):
        con.execute(MIN_ROW[table].format(c=col), [value])
    assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("table", "col", "value"),
    [
        ("cx_responses", "nps", 0), ("cx_responses", "nps", 10), ("cx_responses", "nps", None),
        ("cx_responses", "csat", 1), ("cx_responses", "csat", 5),
        ("cx_responses", "ces", 1), ("cx_responses", "ces", 7),
        ("ex_responses", "enps", 10), ("ex_responses", "engagement", 5), ("ex_responses", "satisfaction", 1),
        ("ex_responses", "population", "supplier"), ("ex_responses", "population", "vendor"),
        ("attribute_ratings", "kind", "ex"),
    ],
)
def test_check_constraints_accept_the_bounds(con, table, col, value):
    con.execute(MIN_ROW[table].format(c=col), [value])
    assert con.execute(f"SELECT {col} FROM {table}").fetchall() == [(value,)]


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO cx_responses (response_id) VALUES ('R')",  # submitted_at NOT NULL
        "INSERT INTO cx_responses (submitted_at) VALUES ('2026-01-01')",  # response_id NOT NULL
        "INSERT INTO business_outcomes (month, metric, value) VALUES ('2026-01-01', 'revenue', 1)",  # unit
        "INSERT INTO targets (kpi, value) VALUES ('nps', 10)",  # duplicate (nps, all)
        "INSERT INTO targets (kpi, business_unit) VALUES ('x', 'A')",  # value NOT NULL
    ],
)
def test_not_null_and_key_constraints(con, sql):
    with pytest.raises(duckdb.ConstraintException):
        con.execute(sql)


# --- meta and data version ------------------------------------------------------------

def test_data_version_starts_at_zero_and_bumps(con):
    assert db.data_version(con) == 0
    assert db.bump_data_version(con) == 1
    assert db.bump_data_version(con) == 2
    assert db.data_version(con) == 2
    assert db.get_meta(con, "data_version") == "2"


def test_data_version_persists(tmp_path):
    path = tmp_path / "cx.duckdb"
    c = db.connect(path)
    db.bump_data_version(c)
    c.close()
    c = db.connect(path)
    assert db.data_version(c) == 1
    c.close()


def test_meta_get_set(con):
    assert db.get_meta(con, "as_of") is None
    db.set_meta(con, "as_of", "2026-10-31")
    db.set_meta(con, "as_of", "2026-11-30")  # replaces
    db.set_meta(con, "seed", 42)  # stored as text
    assert (db.get_meta(con, "as_of"), db.get_meta(con, "seed")) == ("2026-11-30", "42")


@pytest.mark.parametrize(
    ("sql", "empty"),
    [
        (None, True),
        ("INSERT INTO cx_responses (response_id, submitted_at) VALUES ('R', '2026-01-01')", False),
        ("INSERT INTO ex_responses (response_id, submitted_at) VALUES ('X', '2026-01-01')", False),
        # outcomes are not responses
        ("INSERT INTO business_outcomes VALUES ('2026-01-01', 'A', 'revenue', 1, NULL)", True),
    ],
)
def test_is_empty(con, sql, empty):
    if sql:
        con.execute(sql)
    assert db.is_empty(con) is empty
