"""The dashboard as an ASGI app: app.py plus the session cookie's routes (lawstats.ui.session).

Started with `streamlit run lawstats/ui/asgi.py` (scripts/start; or any ASGI server:
`uvicorn lawstats.ui.asgi:app`). Plain `streamlit run app.py` still works, with logins that
last as long as the browser tab.
"""

from pathlib import Path

import streamlit as st

from lawstats.ui import session

APP = Path(__file__).resolve().parents[2] / "app.py"

app = st.App(APP, routes=session.routes())
