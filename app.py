"""Entry point: page config, sign-in, navigation by role and the shared sidebar filters."""

import ipaddress
from pathlib import Path

import streamlit as st

from pages.shared import EVERY_FILTER, VALUES, current_user, sidebar_filters, through_app

# A file of our own, served by this app: a ":material/...:" icon would make every browser fetch it
# from fonts.gstatic.com (and an emoji from a CDN), a request leaving this computer on each page load.
FAVICON = str(Path(__file__).resolve().parent / "assets" / "favicon.png")
st.set_page_config(page_title="Experience dashboard", page_icon=FAVICON, layout="wide")

#: section -> (script, title, icon, the permission it needs). A page the user
#: may not use is still registered, hidden, so that its URL reaches the page,
#: which refuses it (every page calls pages.shared.require first).
PAGES = {
    "Dashboard": [
        ("pages/overview.py", "Overview", ":material/dashboard:", "view"),
        ("pages/cx_ex.py", "CX ↔ EX", ":material/sync_alt:", "view"),
        ("pages/units.py", "Units", ":material/table_chart:", "view"),
        ("pages/journey.py", "Customer journey", ":material/route:", "view"),
        ("pages/internal.py", "Employees and partners", ":material/groups:", "view"),
        ("pages/drivers.py", "Key drivers", ":material/insights:", "view"),
        ("pages/voc.py", "Voice of the customer", ":material/forum:", "view"),
    ],
    "Follow-up": [
        ("pages/alerts.py", "Alerts", ":material/notifications:", "view"),
        ("pages/actions.py", "Actions", ":material/task_alt:", "view"),
    ],
    "Reports": [
        ("pages/boardpack.py", "Board pack", ":material/slideshow:", "view"),
    ],
    "Admin": [
        ("pages/data.py", "Data", ":material/upload_file:", "upload"),
        ("pages/settings.py", "Settings", ":material/tune:", "edit_targets"),
        ("pages/admin.py", "Roles and audit log", ":material/admin_panel_settings:", "view_audit"),
    ],
}
#: Page title -> the sidebar filters it reads (pages.shared.EVERY_FILTER); other pages get none.
#: Employee figures have only a business unit, so CX <-> EX and Employees offer only that; the
#: board pack picks its own period and comparison.
SIDEBAR = {
    "Overview": EVERY_FILTER,
    "CX ↔ EX": ("period", "bu"),
    "Units": EVERY_FILTER,
    "Customer journey": ("period", *VALUES),
    "Employees and partners": ("period", "compare", "bu"),
    "Key drivers": ("period", *VALUES),
    "Voice of the customer": EVERY_FILTER,
    "Board pack": VALUES,
    "Alerts": VALUES,
}


def sign_in() -> None:
    st.title("Experience dashboard")
    st.write("Customer and employee experience, for the leadership team. Please sign in.")
    if st.button("Sign in", key="sign_in", type="primary", icon=":material/login:"):
        st.login()


def no_access() -> None:
    st.title("No access")
    st.error(f"{user.email} is signed in but has no role here. Ask an admin to add you to the roles file.")
    if st.button("Sign out", key="sign_out"):
        st.logout()


def from_this_computer() -> bool:
    """Local mode serves only this machine. .streamlit/config.toml binds the
    server to 127.0.0.1; this check also holds if someone overrides that."""
    ip = st.context.ip_address  # None for loopback connections
    if not isinstance(ip, str):  # None, or no socket at all (AppTest)
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def navigation(signed_out: bool):
    """Every page, so typed URLs reach the page's own check; those the user
    may not use are hidden. Signed out, the gate page is the default."""
    gate = [st.Page(sign_in if user is None else no_access, title="Sign in", icon=":material/login:",
                    default=True)] if signed_out else []
    sections = {
        section: [
            st.Page(script, title=title, icon=icon, default=not signed_out and script == "pages/overview.py",
                    visibility="visible" if user is not None and user.can(action) else "hidden")
            for script, title, icon, action in pages
        ]
        for section, pages in PAGES.items()
    }
    return st.navigation({"": gate, **sections} if gate else sections, position="hidden" if signed_out else "sidebar",
                         expanded=True)  # every page listed: Settings must not hide behind "View more"


user = current_user()
if user is None or user.role is None:
    with through_app():
        navigation(signed_out=True).run()  # the gate, or a page that refuses (no sidebar, no data)
    st.stop()
if user.local and not from_this_computer():
    st.error("This dashboard runs in single-user local mode (no sign-in configured), so it only answers this "
             "computer. Configure [auth] in .streamlit/secrets.toml to share it.")
    st.stop()

nav = navigation(signed_out=False)
if user.local:
    st.sidebar.caption(":material/computer: **Local mode**: one user, no sign-in, this computer only.")
else:
    st.sidebar.caption(f":material/person: {user.name} · **{user.role}**")
    if st.sidebar.button("Sign out", key="sign_out", icon=":material/logout:"):
        st.logout()
sidebar_filters(SIDEBAR.get(nav.title, ()))
with through_app():
    nav.run()
