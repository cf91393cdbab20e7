"""Entry point: page config, navigation and the shared sidebar filters."""

import streamlit as st

from pages.shared import sidebar_filters

st.set_page_config(page_title="Experience dashboard", page_icon=":material/monitoring:", layout="wide")

nav = st.navigation(
    {
        "Dashboard": [
            st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        ],
        "Admin": [
            st.Page("pages/settings.py", title="Settings", icon=":material/tune:"),
        ],
    }
)
sidebar_filters()
nav.run()
