"""One writing transaction: ``with transaction(con): ...`` commits when the block ends and rolls back
(and re-raises) when it raises, Ctrl-C included, so a change and its audit record land or vanish together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:  # the statement that failed may have ended the transaction already
            pass
        raise
    con.execute("COMMIT")
