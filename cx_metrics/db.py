"""The DuckDB connection, the schema and its migrations.

The schema is versioned: ``schema_version`` records every migration applied,
and :func:`migrate` applies the missing ones in order, each in its own
transaction, so a database made by an older release is upgraded in place and
keeps its data. Add a migration by appending to :data:`MIGRATIONS`; never
edit one that has shipped.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from . import ex_guard, rollup, taxonomy

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "initial schema",
        """
        CREATE TABLE meta (
            key VARCHAR PRIMARY KEY,
            value VARCHAR
        );
        CREATE TABLE uploads (
            upload_id VARCHAR PRIMARY KEY,
            file_name VARCHAR,
            sha256 VARCHAR,
            kind VARCHAR,
            rows_loaded BIGINT DEFAULT 0,
            rows_skipped BIGINT DEFAULT 0,
            loaded_at TIMESTAMP DEFAULT current_timestamp,
            loaded_by VARCHAR
        );
        CREATE TABLE cx_responses (
            response_id VARCHAR NOT NULL,
            source VARCHAR DEFAULT 'manual',
            submitted_at TIMESTAMP NOT NULL,
            business_unit VARCHAR,
            region VARCHAR,
            channel VARCHAR,
            journey_stage VARCHAR,
            segment VARCHAR,
            customer_id VARCHAR,
            nps TINYINT CHECK (nps BETWEEN 0 AND 10),
            csat TINYINT CHECK (csat BETWEEN 1 AND 5),
            ces TINYINT CHECK (ces BETWEEN 1 AND 7),
            comment VARCHAR,
            upload_id VARCHAR
        );
        CREATE TABLE ex_responses (
            response_id VARCHAR NOT NULL,
            source VARCHAR DEFAULT 'manual',
            submitted_at TIMESTAMP NOT NULL,
            population VARCHAR DEFAULT 'employee'
                CHECK (population IN ('employee', 'supplier', 'vendor')),
            business_unit VARCHAR,
            region VARCHAR,
            department VARCHAR,
            tenure_band VARCHAR,
            respondent_id VARCHAR,
            enps TINYINT CHECK (enps BETWEEN 0 AND 10),
            engagement TINYINT CHECK (engagement BETWEEN 1 AND 5),
            satisfaction TINYINT CHECK (satisfaction BETWEEN 1 AND 5),
            comment VARCHAR,
            upload_id VARCHAR
        );
        CREATE TABLE attribute_ratings (
            response_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL CHECK (kind IN ('cx', 'ex')),
            attribute VARCHAR NOT NULL,
            score DOUBLE,
            scale_max DOUBLE,
            source VARCHAR,
            upload_id VARCHAR
        );
        CREATE TABLE business_outcomes (
            month DATE NOT NULL,
            business_unit VARCHAR NOT NULL,
            metric VARCHAR NOT NULL,
            value DOUBLE,
            upload_id VARCHAR
        );
        CREATE TABLE targets (
            kpi VARCHAR NOT NULL,
            business_unit VARCHAR NOT NULL DEFAULT 'all',
            value DOUBLE NOT NULL,
            updated_at TIMESTAMP DEFAULT current_timestamp,
            PRIMARY KEY (kpi, business_unit)
        );
        INSERT INTO targets (kpi, business_unit, value) VALUES
            ('nps', 'all', 30), ('csat', 'all', 80), ('ces', 'all', 5.0),
            ('enps', 'all', 20), ('engagement', 'all', 70),
            ('retention', 'all', 90);
        """,
    ),
    (
        2,
        "ingest: mapping profiles, undone uploads",
        """
        CREATE TABLE mapping_profiles (
            name VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL CHECK (kind IN ('cx', 'ex')),
            columns_signature VARCHAR NOT NULL,
            mapping VARCHAR NOT NULL,
            saved_by VARCHAR,
            saved_at TIMESTAMP DEFAULT current_timestamp
        );
        ALTER TABLE uploads ADD COLUMN source VARCHAR;
        ALTER TABLE uploads ADD COLUMN undone_at TIMESTAMP;
        ALTER TABLE uploads ADD COLUMN undone_by VARCHAR;
        """,
    ),
    (
        3,
        "voice of the customer: theme taxonomy and comment sentiment",
        """
        CREATE TABLE themes (
            kind VARCHAR NOT NULL CHECK (kind IN ('cx', 'ex')),
            theme VARCHAR NOT NULL,
            keyword VARCHAR NOT NULL,
            PRIMARY KEY (kind, theme, keyword)
        );
        CREATE TABLE comment_sentiment (
            comment_hash VARCHAR PRIMARY KEY,
            compound DOUBLE NOT NULL
        );
        """
        + taxonomy.seed_sql(),
    ),
    (
        4,
        "audit log",
        """
        CREATE SEQUENCE audit_seq;
        CREATE TABLE audit_log (
            event_id BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
            happened_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            actor VARCHAR NOT NULL,
            action VARCHAR NOT NULL,
            object VARCHAR,
            details VARCHAR,
            sha256 VARCHAR,
            rows BIGINT
        );
        """,
    ),
    (5, "EX guard: reporting cells, comment cells, months and names", ex_guard.SCHEMA_SQL),
    (
        6,
        "always on: alert acknowledgements, action plans, schedules and their sends",
        """
        CREATE TABLE alert_acks (
            alert_key VARCHAR PRIMARY KEY,  -- alerts.Alert.key: month, population, KPI, group
            acknowledged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            actor VARCHAR NOT NULL,
            note VARCHAR
        );
        CREATE SEQUENCE action_ids START 1;
        CREATE TABLE actions (
            action_id INTEGER PRIMARY KEY DEFAULT nextval('action_ids'),
            title VARCHAR NOT NULL,
            function VARCHAR NOT NULL,      -- marketing, sales, customer success, operations, HR, finance, or custom
            owner VARCHAR NOT NULL,
            addresses_kind VARCHAR,         -- unit, theme, driver, alert, or NULL
            addresses VARCHAR,              -- the unit, theme or driver named
            kpi VARCHAR NOT NULL,           -- kpis.KPIS key the action is meant to move
            baseline DOUBLE,                -- the KPI when the action was created, for "before"
            baseline_n BIGINT,
            baseline_start DATE,
            baseline_end DATE,
            target DOUBLE,
            due DATE,
            status VARCHAR NOT NULL DEFAULT 'open',  -- open, in progress, done, dropped
            progress INTEGER NOT NULL DEFAULT 0,      -- percent, 0..100
            source VARCHAR,                 -- what it was created from: an alert key, a driver, ...
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            created_by VARCHAR NOT NULL,
            updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        CREATE SEQUENCE schedule_ids START 1;
        CREATE TABLE schedules (
            schedule_id INTEGER PRIMARY KEY DEFAULT nextval('schedule_ids'),
            name VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,          -- deck or digest
            format VARCHAR,                 -- pdf or pptx, for a deck
            sections VARCHAR,               -- JSON list, for a deck (NULL: all)
            filters VARCHAR,                -- JSON object of value filters
            cadence VARCHAR NOT NULL,       -- monthly or weekly
            day INTEGER NOT NULL,           -- monthly: day of month 1..28; weekly: ISO weekday 1..7
            recipients VARCHAR NOT NULL,    -- JSON list of e-mail addresses
            active BOOLEAN NOT NULL DEFAULT TRUE,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            created_by VARCHAR NOT NULL
        );
        CREATE SEQUENCE schedule_send_ids START 1;
        CREATE TABLE schedule_sends (
            send_id INTEGER PRIMARY KEY DEFAULT nextval('schedule_send_ids'),  -- orders attempts
            schedule_id INTEGER NOT NULL,
            period VARCHAR NOT NULL,        -- the period a send covers, e.g. 2026-11 or 2026-W48
            attempted_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            ok BOOLEAN NOT NULL,
            error VARCHAR,
            recipients VARCHAR,
            attachment VARCHAR
        );
        """,
    ),
    (7, "rollups: additive cells of customer responses by day and by month", rollup.SCHEMA_SQL),
    (8, "rollups: comment counts, theme cells and the rated table drivers read", rollup.SCHEMA_V8_SQL),
]

SCHEMA_VERSION = max(version for version, _, _ in MIGRATIONS)


def connect(path: str | Path | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database at ``path`` and migrate it.

    ``None`` or ``":memory:"`` gives an in-memory database, for tests.
    """
    if path is None or str(path) == ":memory:":
        con = duckdb.connect(":memory:")
    else:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        migrate(con)
        ex_guard.ensure_fresh(con)  # employee rows written behind the guard's back
        rollup.ensure_fresh(con)  # customer rows written behind the rollups' back
    return con


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied, 0 for an empty database."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration the database lacks, in order; return the new version."""
    con.execute(
        """CREATE TABLE IF NOT EXISTS schema_version (
               version INTEGER PRIMARY KEY,
               description VARCHAR,
               applied_at TIMESTAMP DEFAULT current_timestamp)"""
    )
    # By set, not by maximum: migrations written on parallel branches may land
    # in either order, and each must still run once on every database.
    applied = {v for (v,) in con.execute("SELECT version FROM schema_version").fetchall()}
    current = max(applied, default=0)
    for version, description, sql in sorted(MIGRATIONS):
        if version in applied:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                [version, description],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        current = max(current, version)
    return current


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, str(value)]
    )


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A counter that every write bumps; pages pass it to their caches."""
    return int(get_meta(con, "data_version") or 0)


def bump_data_version(con: duckdb.DuckDBPyConnection) -> int:
    version = data_version(con) + 1
    set_meta(con, "data_version", str(version))
    return version


def is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    """True when neither response table holds a row."""
    return not con.execute(
        "SELECT (SELECT count(*) FROM cx_responses) + (SELECT count(*) FROM ex_responses)"
    ).fetchone()[0]
