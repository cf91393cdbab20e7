"""The real sign-in flow: Chromium, `streamlit run` with an [auth] section, and
an OpenID Connect provider (oidc-provider-mock) on localhost.

Covers: an anonymous visitor sees only the sign-in page, whatever URL they
type; a viewer reaches the overview but is refused Settings (and the Data
page, when it exists) even by direct URL; an analyst reaches them; sign-out
ends the session.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cx_metrics import access, db, demo

ROOT = Path(__file__).resolve().parents[2]
USERS = {
    "ceo@example.com": ("Chief Executive", "viewer"),
    "ana@example.com": ("Ana Analyst", "analyst"),
    "nobody@elsewhere.org": ("No Body", None),
}
#: Pages an analyst may use and a viewer may not: (URL path, title). The Data
#: page joins when it exists.
ANALYST_PAGES = [("settings", "Settings")] + (
    [("data", "Data")] if (ROOT / "pages" / "data.py").exists() else []
)


@pytest.fixture(scope="module")
def provider():
    """An OpenID Connect provider on localhost with three predefined users."""
    from oidc_provider_mock import User, run_server_in_thread

    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on localhost
    users = [
        User(sub=email, claims={"email": email, "email_verified": True, "name": name})
        for email, (name, _) in USERS.items()
    ]
    with run_server_in_thread(user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def app(provider, serve_app, pick_port, tmp_path_factory):
    """The dashboard with sign-in on, roles from a roles file."""
    tmp = tmp_path_factory.mktemp("signin")
    path = tmp / "cx.duckdb"
    con = db.connect(path)
    demo.build(con, cx_rows=3_000, ex_rows=1_000)
    con.close()
    roles = tmp / "roles.toml"
    roles.write_text(access.dump_rules(access.RoleRules(
        default="none", users={email: role for email, (_, role) in USERS.items() if role})))
    port = pick_port()
    secrets = tmp / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        'cookie_secret = "a-long-random-test-cookie-secret-0123456789"\n'
        'client_id = "cx-dashboard"\n'
        'client_secret = "test-client-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    with serve_app(path, tmp, port=port, host="localhost", env={"CX_ROLES": str(roles)},
                   args=("--secrets.files", str(secrets))) as (url, log):
        yield url


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    # The provider's consent page: one button per predefined user.
    page.get_by_role("button", name=email).click()
    expect(page.get_by_text(USERS[email][0], exact=False).first).to_be_visible()


def refused(page: Page, role: str) -> None:
    alert = page.get_by_test_id("stAlertContentError")
    expect(alert).to_contain_text(f"Your role is {role}")
    expect(alert).to_contain_text("needs the analyst role")


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)  # sign-in is several round trips; CI machines are slow
    yield page
    context.close()


def test_anonymous_visitor_sees_only_sign_in(tab: Page, app, screenshots):
    for path in ("", "overview", "data", "settings"):
        tab.goto(f"{app}/{path}")
        expect(tab.get_by_role("button", name="Sign in")).to_be_visible()
        expect(tab.get_by_text("Executive overview")).to_have_count(0)
        expect(tab.get_by_test_id("stSidebar")).to_have_count(0)
    tab.screenshot(path=screenshots / "sign_in.png")


def test_viewer_sees_dashboards_and_is_refused_analyst_pages(tab: Page, app, screenshots):
    sign_in(tab, app, "ceo@example.com")
    expect(tab.get_by_role("heading", name="Executive overview")).to_be_visible()
    nav = tab.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name=re.compile("Overview"))).to_be_visible()
    expect(nav.get_by_role("link", name=re.compile("Settings"))).to_have_count(0)
    tab.screenshot(path=screenshots / "viewer_overview.png")
    for path, _title in ANALYST_PAGES:
        tab.goto(f"{app}/{path}")
        refused(tab, "viewer")
        expect(tab.get_by_role("button", name=re.compile("Save|Load|Upload"))).to_have_count(0)
    tab.screenshot(path=screenshots / "viewer_refused.png")


def test_analyst_reaches_settings_and_signs_out(tab: Page, app, screenshots):
    sign_in(tab, app, "ana@example.com")
    for path, title in ANALYST_PAGES:
        tab.goto(f"{app}/{path}")
        expect(tab.get_by_role("heading", name=title, exact=True).first).to_be_visible()
        expect(tab.get_by_test_id("stAlertContentError")).to_have_count(0)
    tab.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    # Streamlit drops its identity cookie and sends us to the provider's
    # end-session page, which asks to confirm and then returns to the app.
    tab.get_by_role("button", name="End session").click()
    expect(tab.get_by_role("button", name="Sign in")).to_be_visible()
    tab.goto(f"{app}/settings")
    expect(tab.get_by_role("button", name="Sign in")).to_be_visible()
    expect(tab.get_by_role("heading", name="Settings", exact=True)).to_have_count(0)


def test_signed_in_user_without_role_is_told_so(tab: Page, app):
    sign_in_page = tab
    sign_in_page.goto(app)
    sign_in_page.get_by_role("button", name="Sign in").click()
    sign_in_page.get_by_role("button", name="nobody@elsewhere.org").click()
    expect(sign_in_page.get_by_role("heading", name="No access")).to_be_visible()
    expect(sign_in_page.get_by_text("Executive overview")).to_have_count(0)
