"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

#: The checkout's top folder; for an installed package (``pip install .``), the working directory.
ROOT = (Path(__file__).resolve().parent.parent if (Path(__file__).resolve().parent.parent / "app.py").exists()
        else Path.cwd())
DEFAULT_DB = ROOT / "data" / "cx.duckdb"

#: CX groups with fewer responses than this are flagged ``low_base``.
LOW_BASE_N = 30
#: EX groups with fewer distinct respondents than this are never shown.
EX_MIN_RESPONDENTS = 5
#: EX comments are shown only for groups with at least this many distinct commenters.
EX_MIN_COMMENT_RESPONDENTS = 10


def db_path() -> Path:
    """The database file: ``$CX_DB``, or ``data/cx.duckdb`` in the checkout (installed: in the working directory)."""
    return Path(os.environ.get("CX_DB") or DEFAULT_DB)


# --- Board pack branding --------------------------------------------------------

DEFAULT_BRANDING_FILE = ROOT / "branding.toml"


@dataclass(frozen=True)
class Branding:
    """How the board pack looks: organisation name, colours (#RRGGBB), optional logo.

    Read by :func:`branding` from ``$CX_BRANDING`` or ``branding.toml`` in the repo.
    """

    org_name: str = "Your organisation"
    #: Titles, table headers and the title slide's band.
    primary: str = "#1f3a5f"
    #: Rules and highlights.
    accent: str = "#1f5fa8"
    cx_colour: str = "#1f5fa8"
    ex_colour: str = "#c2571a"
    #: A PNG or JPEG shown on the title slide and in each slide's corner.
    logo: Path | None = None


_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def branding(path: Path | str | None = None) -> Branding:
    """The branding from ``path``, else ``$CX_BRANDING``, else ``branding.toml``; defaults when absent.

    Raises ValueError naming the file for an unknown key, a colour that is not
    #RRGGBB, or a logo file that does not exist (a relative logo path is taken
    from the file's folder).
    """
    file = Path(path or os.environ.get("CX_BRANDING") or DEFAULT_BRANDING_FILE)
    if not file.exists():
        if path or os.environ.get("CX_BRANDING"):
            raise ValueError(f"{file}: branding file not found")
        return Branding()
    with open(file, "rb") as fh:
        values = tomllib.load(fh)
    known = {f.name for f in fields(Branding)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"{file}: unknown branding keys {sorted(unknown)}; use {sorted(known)}")
    for key in known - {"org_name", "logo"}:
        if key in values and not _COLOUR.fullmatch(str(values[key])):
            raise ValueError(f"{file}: {key} must be a colour like #1f3a5f, not {values[key]!r}")
    logo = values.pop("logo", "") or None
    if logo:
        logo = (file.parent / logo).resolve()
        if not logo.exists():
            raise ValueError(f"{file}: logo {logo} not found")
    return Branding(**values, logo=logo)
