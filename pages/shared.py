"""Streamlit glue shared by app.py and the pages: connection, caching, filters.

Holds no SQL and no statistics: it only opens the database through
cx_metrics, caches cx_metrics calls, and builds the sidebar widgets.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cx_metrics import access, config, db, demo, fmt, kpis, service
from cx_metrics.filters import Filters, clamp_period
from cx_metrics.overview import default_period

PERIODS = ["Last month", "Last 3 months", "Last 6 months", "Last 12 months", "Year to date", "Custom"]
COMPARE = {"previous": "Previous period", "year": "Same period last year"}


_RUN = threading.local()


@contextmanager
def through_app():
    """app.py runs the chosen page inside this block; see :func:`_reroute_legacy_run`."""
    _RUN.through_app = True
    try:
        yield
    finally:
        _RUN.through_app = False


def _reroute_legacy_run() -> None:
    """Send a page run that did not come through app.py back through it.

    Our page scripts live in ``pages/`` next to an ``st.navigation`` entry
    point. Until ``st.navigation`` has run once in a server process, Streamlit
    treats ``pages/`` as a legacy multipage folder: a first request for
    ``/data`` runs ``pages/data.py`` alone, without app.py's sign-in, page
    config and sidebar. Several first requests at once each start in that
    mode, so a process-wide switch is not enough: every run is checked. A page
    run while app.py is the main script but outside :func:`through_app` is such
    a run; the legacy mode is switched off and the session reruns, now through
    app.py, whose navigation selects the page the URL asked for. (A page that
    is itself the main script, as in a test of one page, runs as it is.)
    """
    if getattr(_RUN, "through_app", False):
        return
    ctx = get_script_run_ctx()
    if ctx is None or Path(ctx.main_script_path).name != "app.py":
        return
    PagesManager.uses_pages_directory = False
    st.rerun()

FILTER_WIDGETS = [  # (Filters field, query-param key, label)
    ("business_units", "bu", "Business units"),
    ("regions", "region", "Regions"),
    ("channels", "channel", "Channels"),
    ("segments", "segment", "Segments"),
    ("journey_stages", "stage", "Journey stages"),
]
#: The sidebar's filters by widget key (also the query-param key). app.py says which ones each page uses.
VALUES = tuple(key for _, key, _ in FILTER_WIDGETS)
EVERY_FILTER = ("period", "compare", *VALUES)


@st.cache_resource(show_spinner="Opening the database (first start builds the demo data)…")
def connection(path: str) -> service.Reader:
    """The process's read-only view of the published data; every thread takes a cursor() of it.

    Start-up builds the demo data on a fresh machine, migrates the database and
    audits edits made to the roles file while the app was down (see cx_metrics.service).
    """
    service.prepare(path, build=demo.build, on_open=access.note_roles_file)
    return service.Reader(path)


def db_path() -> str:
    return str(config.db_path())


def cursor():
    """A read-only cursor of the newest published data, for this thread; close it after use."""
    return connection(db_path()).cursor()


@contextmanager
def writing():
    """The database, writable, for one change; readers see it once the block ends.

    When another process (a CLI load, say) keeps writing, the page says so in
    one line and stops; nothing is changed.
    """
    try:
        with service.writer(db_path(), wait_s=10) as con:
            yield con
    except service.Busy as exc:
        st.error(f"Not saved: {exc}.", icon=":material/hourglass_top:")
        st.stop()


def data_version() -> int:
    with cursor() as cur:
        return db.data_version(cur)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(_fn, key: str, path: str, version: int, args: tuple, kwargs: tuple):
    with connection(path).cursor() as cur:
        return _fn(cur, *args, **dict(kwargs))


def load(fn, *args, **kwargs):
    """``fn(cursor, *args, **kwargs)``, cached until the data version changes."""
    key = f"{fn.__module__}.{fn.__qualname__}"
    return _cached(fn, key, db_path(), data_version(), args, tuple(sorted(kwargs.items())))


def load_with_progress(fn, *args, **kwargs):
    """:func:`load` for slow work that reports ``progress(done, total, what)``: a progress bar shows
    each step while it runs. The result is kept for this session until the data version changes."""
    key = (f"{fn.__module__}.{fn.__qualname__}", db_path(), data_version(), args, tuple(sorted(kwargs.items())))
    kept = st.session_state.setdefault("_with_progress", {})
    if key not in kept:
        bar = st.progress(0.0, text="Starting…")

        def progress(done: int, total: int | None, what: str) -> None:
            if total:
                bar.progress(min(done / total, 1.0), text=f"{what} ({done:,} of {total:,} done)")

        with cursor() as cur:
            result = fn(cur, *args, progress=progress, **kwargs)
        bar.empty()
        kept.clear()  # one result per page is enough
        kept[key] = result
    return kept[key]


# --- Who is using the app -----------------------------------------------------

def auth_configured() -> bool:
    """Sign-in is on when secrets.toml has an ``[auth]`` section."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return False


def current_user() -> access.User | None:
    """The user of this session; None when sign-in is on and nobody has signed in.

    Without ``[auth]`` the app is in single-user local mode: the person at
    this computer may do everything (app.py refuses other machines).
    """
    if not auth_configured():
        return access.local_user()
    if not st.user.is_logged_in:
        return None
    claims = st.user.to_dict()
    role = access.role_for(claims, access.load_rules())
    email = str(claims.get("email") or claims.get("sub") or "")
    return access.User(email=email, name=str(claims.get("name") or email), role=role)


def require(action: str) -> access.User:
    """Stop the page, with a clear refusal, unless this user may do ``action``.

    Every page calls it first; navigation hiding a page is only a courtesy.
    A page run outside app.py (Streamlit's legacy pages mode) is rerouted first.
    """
    _reroute_legacy_run()
    user = current_user()
    if user is None:
        st.info("Please sign in to see this page.", icon=":material/lock:")
        if st.button("Sign in", key="sign_in", type="primary", icon=":material/login:"):
            st.login()
        st.stop()
    if not user.can(action):
        need = access.PERMISSIONS.get(action, "admin")
        st.error(
            f"Your role is **{user.role or 'none'}**. This page needs the **{need}** role. "
            "Ask an admin if you need access.",
            icon=":material/block:",
        )
        st.stop()
    return user


def _period(preset: str, first: date, as_of: date) -> tuple[date, date]:
    months = {"Last month": 1, "Last 3 months": 3, "Last 6 months": 6, "Last 12 months": 12}
    if preset in months:
        return default_period(as_of, months[preset])
    if preset == "Year to date":
        return max(first, date(as_of.year, 1, 1)), as_of
    return default_period(as_of, 3)


@dataclass(frozen=True)
class View:
    filters: Filters
    compare: str
    as_of: date


def _link_dates() -> tuple[date, date] | None:
    """The custom dates the page address holds (``?dates=2026-03-01&dates=2026-05-31``), if readable."""
    try:
        days = sorted(date.fromisoformat(d) for d in st.query_params.get_all("dates"))
    except ValueError:
        return None
    return (days[0], days[-1]) if days else None


def _custom_dates(sb, default: tuple[date, date], first: date, as_of: date) -> tuple[date, date]:
    """The custom dates widget. Dates a shared link asks for outside the data are clamped into it,
    with a one-line notice (Streamlit alone would silently replace them with the default)."""
    if "dates" not in st.session_state and (asked := _link_dates()):
        if asked[0] < first or asked[1] > as_of:
            shown = clamp_period(*asked, first, as_of)
            st.session_state["dates"] = shown  # before the widget exists, so it starts with these
            partly = "partly " if asked[0] <= as_of and asked[1] >= first else ""
            st.session_state["_dates_notice"] = (shown, (
                f"The link's dates {fmt.period(*asked)} are {partly}outside the data "
                f"({fmt.period(first, as_of)}); showing {fmt.period(*shown)}."))
    value = {} if "dates" in st.session_state else {"value": default}
    picked = sb.date_input("Dates (inclusive)", min_value=first, max_value=as_of, key="dates",
                           bind="query-params", format="YYYY-MM-DD", **value)
    start, end = (picked[0], picked[-1]) if picked else default
    notice = st.session_state.get("_dates_notice")
    if notice and notice[0] == (start, end):  # until the reader picks other dates
        st.info(notice[1], icon=":material/date_range:")
    return start, end


def sidebar_filters(uses: Collection[str] = EVERY_FILTER) -> View | None:
    """Draw the shared filters the page ``uses`` (keys of :data:`EVERY_FILTER`, mirrored in the URL)
    and remember them for the page.

    A filter the page does not use is neither drawn nor applied. Streamlit keeps its value in the
    session, so it is back (in the sidebar and the URL) on the next page that uses it. Without
    ``period`` the view covers the default period (the last 3 months); without ``compare``, the
    previous period.
    """
    if not uses:
        st.session_state["_view"] = None
        return None
    first, as_of = load(kpis.data_range)
    if as_of is None:
        st.session_state["_view"] = None
        return None
    choices = load(kpis.dimension_values)
    sb = st.sidebar
    sb.header("Filters")
    start, end = _period(PERIODS[1], first, as_of)
    if "period" in uses:
        preset = sb.selectbox("Period", PERIODS, index=1, key="period", bind="query-params")
        start, end = _period(preset, first, as_of)
        if preset == "Custom":
            start, end = _custom_dates(sb, (start, end), first, as_of)
    compare = "previous"
    if "compare" in uses:
        compare = sb.radio(
            "Compare with", list(COMPARE), format_func=COMPARE.get, key="compare", bind="query-params",
        )
    values = {}
    for field, key, label in FILTER_WIDGETS:
        if key in uses:
            values[field] = tuple(sb.multiselect(label, choices[field], key=key, bind="query-params",
                                                 placeholder="All"))
    sb.caption(f"Data as of **{as_of:%d %b %Y}**. Copy the page address to share this view.")
    st.session_state["_view"] = View(Filters(start, end, **values), compare, as_of)
    return st.session_state["_view"]


def view() -> View | None:
    """The filters the sidebar holds for this run; None when there is no data."""
    return st.session_state.get("_view")


# --- Downloads ------------------------------------------------------------------------

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_downloads(df, name: str, key: str) -> None:
    """CSV and XLSX download buttons for ``df``, named ``name.csv`` / ``name.xlsx``.

    Text cells that a spreadsheet could run as a formula are neutralised
    (cx_metrics.export.tables); the files are built only when clicked.
    """
    from cx_metrics import export

    left, right, _ = st.columns([1, 1, 6], gap="small")
    left.download_button("CSV", data=lambda: export.csv_bytes(df), file_name=f"{name}.csv", mime="text/csv",
                         key=f"{key}_csv", on_click="ignore", icon=":material/download:", width="stretch")
    right.download_button("XLSX", data=lambda: export.xlsx_bytes(df), file_name=f"{name}.xlsx", mime=XLSX_MIME,
                          key=f"{key}_xlsx", on_click="ignore", icon=":material/download:", width="stretch")


def chart(fig, key: str, name: str | None = None) -> None:
    """A Plotly chart with a PNG download under it (rendered by kaleido when clicked)."""
    from cx_metrics import export

    st.plotly_chart(fig, key=key)
    height = fig.layout.height or 450
    missing = export.chromium_missing()  # no Chromium: the button says why instead of failing when clicked
    st.download_button("PNG", data=lambda: export.png(fig, 1000, height), file_name=f"{name or key}.png",
                       mime="image/png", key=f"{key}_png", on_click="ignore", icon=":material/image:",
                       disabled=missing is not None, help=missing)


#: Session key of an action being drafted on another page, for the Actions page's form.
ACTION_DRAFT = "action_draft"


def draft_action(key: str, label: str = "Create action", **prefill) -> None:
    """A button that opens the Actions page's form filled in from ``prefill`` (title, function, kpi,
    addresses_kind, addresses, source). Shown only to users who may edit actions."""
    user = current_user()
    if user is None or not user.can("edit_actions"):
        return
    if st.button(label, key=key, icon=":material/add_task:"):
        st.session_state[ACTION_DRAFT] = prefill
        st.switch_page("pages/actions.py")
