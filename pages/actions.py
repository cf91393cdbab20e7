"""Actions: owned actions with their KPI before and after, created here or from an alert, driver, theme or unit."""

import pandas as pd
import streamlit as st

from cx_metrics import actions, audit, kpis
from pages.shared import ACTION_DRAFT, cursor, load, require, table_downloads, writing

user = require("view")
FLASH = "actions_flash"
OTHER = "Other (type a name)"
#: What an action can address -> the sidebar's list of names for it (free text for the others).
CHOICES = {"unit": "business_units", "region": "regions", "journey stage": "journey_stages"}

st.title("Actions")
st.caption("Each action has an owning function and an owner, the KPI it is meant to move, a target and a due date. "
           "**Before** is that KPI over the three complete months before the action was created (for the group it "
           "addresses); **since** is the same KPI from the day it was created to the latest data. Every change is "
           "recorded in the audit log.")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon=":material/save:")


def new_action_form(draft: dict) -> None:
    """The form for a new action, filled in from ``draft`` (set by another page's "Create action")."""
    names = load(kpis.dimension_values)
    if draft.get("why"):
        st.info(draft["why"], icon=":material/info:")
    kinds = ["(nothing in particular)", *actions.ADDRESSES]
    kind = st.selectbox("It addresses", kinds, key="new_addresses_kind",
                        index=kinds.index(draft["addresses_kind"]) if draft.get("addresses_kind") in kinds else 0)
    kind = None if kind == kinds[0] else kind
    with st.form("new_action", border=True):
        title = st.text_input("Title", value=draft.get("title", ""), key="new_title", max_chars=200)
        left, right = st.columns(2)
        functions = [*actions.FUNCTIONS, OTHER]
        known = draft.get("function") in functions
        function = left.selectbox("Owning function", functions, key="new_function",
                                  index=functions.index(draft["function"]) if known
                                  else len(functions) - 1 if draft.get("function") else 0)
        custom = left.text_input("Other function", key="new_custom_function", max_chars=40,
                                 value="" if known else draft.get("function") or "",
                                 help=f"Used when the owning function is '{OTHER}'.")
        owner = right.text_input("Owner", key="new_owner", max_chars=120, placeholder="Name of the person")
        addressed = None
        if kind in CHOICES and names[CHOICES[kind]]:
            options = names[CHOICES[kind]]
            addressed = right.selectbox(kind.capitalize(), options, key="new_addresses",
                                        index=options.index(draft["addresses"]) if draft.get("addresses") in options
                                        else 0)
        elif kind:
            addressed = right.text_input(kind.capitalize(), value=draft.get("addresses") or "", key="new_addresses")
        keys = list(kpis.KPIS)
        kpi = left.selectbox("KPI it should move", keys, format_func=lambda k: kpis.KPIS[k].label, key="new_kpi",
                             index=keys.index(draft["kpi"]) if draft.get("kpi") in keys else 0)
        target = right.number_input("Target (optional)", value=None, key="new_target", step=1.0)
        due = left.date_input("Due (optional)", value=None, key="new_due", format="YYYY-MM-DD")
        if not st.form_submit_button("Create action", type="primary", icon=":material/add_task:"):
            return
    try:
        with writing() as con:
            action_id = actions.add(con, user, title=title, function=custom if function == OTHER else function,
                                    owner=owner, kpi=kpi, addresses_kind=kind, addresses=addressed, target=target,
                                    due=due, source=draft.get("source"))
    except ValueError as exc:
        st.error(f"Not created: {exc}.")
        return
    st.session_state.pop(ACTION_DRAFT, None)
    st.success(f"Action {action_id} created: {title}.", icon=":material/task_alt:")


if user.can("edit_actions"):
    draft = st.session_state.get(ACTION_DRAFT) or {}
    with st.expander("New action", expanded=bool(draft), icon=":material/add_task:"):
        new_action_form(draft)

left, right = st.columns(2)
status = left.multiselect("Status", actions.STATUSES, default=["open", "in progress"], key="actions_status")
function = right.selectbox("Owning function", ["(all)", *actions.FUNCTIONS], key="actions_function")
with cursor() as cur:  # not cached: a change shows on the next rerun
    rows = actions.as_json(cur, actions.listing(cur, tuple(status), None if function == "(all)" else function))
if not rows:
    st.info("No actions yet." if not status else "No action has these statuses.", icon=":material/task_alt:")
    st.stop()


def _num(x, n=None) -> str:
    return "–" if x is None else f"{x:.1f}" + (f" (n = {n:,})" if n else "")


table = pd.DataFrame([{
    "#": r["action_id"], "Title": r["title"], "Function": r["function"], "Owner": r["owner"],
    "Addresses": f"{r['addresses_kind']}: {r['addresses']}" if r["addresses_kind"] else "",
    "KPI": r["kpi_label"], "Before": _num(r["before"], r["before_n"]), "Since created": _num(r["after"], r["after_n"]),
    "Target": _num(r["target"]), "Due": r["due"] or "", "Status": r["status"], "Progress": r["progress"],
} for r in rows])
st.dataframe(table, hide_index=True, column_config={
    "Progress": st.column_config.ProgressColumn("Progress", min_value=0, max_value=100, format="%d%%")})
table_downloads(table, "actions", "actions")

st.subheader("Update an action")
chosen = st.selectbox("Action", [r["action_id"] for r in rows], key="update_id",
                      format_func=lambda i: f"#{i} {next(r['title'] for r in rows if r['action_id'] == i)}")
current = next(r for r in rows if r["action_id"] == chosen)
if user.can("edit_actions"):
    with st.form("update_action"):
        left, right = st.columns(2)
        new_status = left.selectbox("Status", actions.STATUSES, index=actions.STATUSES.index(current["status"]),
                                    key="update_status")
        new_progress = right.slider("Progress (%)", 0, 100, int(current["progress"]), key="update_progress")
        new_owner = left.text_input("Owner", value=current["owner"], key="update_owner")
        new_due = right.date_input("Due", value=pd.Timestamp(current["due"]).date() if current["due"] else None,
                                   key="update_due", format="YYYY-MM-DD")
        if st.form_submit_button("Save changes", icon=":material/save:"):
            try:
                with writing() as con:
                    changed = actions.update(con, user, chosen, status=new_status, progress=new_progress,
                                             owner=new_owner, due=new_due)
            except ValueError as exc:
                st.error(f"Not saved: {exc}.")
            else:  # rerun, so the table above shows the change; the message survives it
                st.session_state[FLASH] = f"Action {chosen}: " + (", ".join(changed) + " saved." if changed
                                                                  else "nothing changed.")
                st.rerun()
with cursor() as cur:
    history = audit.events(cur, object=f"action {chosen}")[["happened_at", "actor", "action", "details"]]
st.caption(f"History of action {chosen}, from the audit log")
st.dataframe(history, hide_index=True)
