"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "cx.duckdb"

#: CX groups with fewer responses than this are flagged ``low_base``.
LOW_BASE_N = 30
#: EX groups with fewer distinct respondents than this are never shown.
EX_MIN_RESPONDENTS = 5


def db_path() -> Path:
    """The database file: ``$CX_DB``, or ``data/cx.duckdb`` in the repo."""
    return Path(os.environ.get("CX_DB") or DEFAULT_DB)
