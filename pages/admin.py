"""Admin: who has which role (the roles file) and the audit log."""

import pandas as pd
import streamlit as st

from cx_metrics import access, audit
from pages.shared import auth_configured, cursor, require, table_downloads, writing

user = require("view_audit")
st.title("Admin")

st.subheader("Roles")
if not auth_configured():
    st.info(
        "Sign-in is not configured, so the app runs in single-user local mode and these roles are not used "
        "yet. They apply once `[auth]` is set in `.streamlit/secrets.toml`.",
        icon=":material/info:",
    )
st.caption(
    f"Stored in `{access.roles_path()}`. A person's own entry wins; otherwise the highest role among their "
    "groups and email domain applies; otherwise the default. Viewers see dashboards and the board pack; "
    "analysts also upload data and edit mappings, targets and themes; admins also manage roles and read this log."
)
try:
    rules = access.load_rules()
except access.RolesFileError as exc:
    st.error(f"The roles file cannot be used: {exc}")
    rules = access.RoleRules()
choices = [*access.ROLES, access.NO_ROLE]
left, right = st.columns(2)
default = left.selectbox("Role of signed-in users no rule matches", choices,
                         index=choices.index(rules.default), key="roles_default")
claim = right.text_input("Group claim in the ID token", rules.groups_claim, key="roles_claim")
edited = st.data_editor(
    pd.DataFrame(access.rules_table(rules), columns=["kind", "name", "role"]),
    key="roles_editor", num_rows="dynamic", hide_index=True, width="stretch",
    column_config={
        "kind": st.column_config.SelectboxColumn("Match on", options=["user", "group", "domain"], required=True),
        "name": st.column_config.TextColumn("Email, group or domain", required=True),
        "role": st.column_config.SelectboxColumn("Role", options=choices, required=True),
    },
)
if st.button("Save roles", key="save_roles", type="primary"):
    try:
        new = access.rules_from_table(edited.to_dict("records"), default, claim)
        with writing() as con:
            access.save_rules(con, new, actor=user.email)
    except access.RolesFileError as exc:
        st.error(f"Roles not saved: {exc}")
    else:
        st.success("Roles saved. They apply from each user's next page load.")

st.subheader("Audit log")
st.caption("Append-only: every upload, undo, and change to mappings, targets, themes and roles. Newest first.")
action = st.selectbox("Action", ["All", *audit.ACTIONS], key="audit_action")
with cursor() as cur:
    events = audit.events(cur, action=None if action == "All" else action, limit=1000)
st.dataframe(
    events, hide_index=True, width="stretch",
    column_config={
        "event_id": st.column_config.NumberColumn("#", format="%d"),
        "happened_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "actor": "Who", "action": "Action", "object": "On", "details": "Details",
        "sha256": "File SHA-256", "rows": st.column_config.NumberColumn("Rows", format="%d"),
    },
)
st.caption(f"{len(events):,} event{'' if len(events) == 1 else 's'} shown (at most 1,000).")
table_downloads(events, "audit-log", "audit")
