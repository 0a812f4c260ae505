"""Reading the learned header spellings (the header_spellings table).

Writing them (remember, retire) is part of the upload workflow; reading is shared by the
workflow and the prose review, so it lives here, below both."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lawstats import store


def list_spellings(engine: Engine) -> pd.DataFrame:
    """Every learned spelling, newest first (active and retired)."""
    t = store.header_spellings
    with store.connect(engine) as conn:
        return store.read_frame(conn, sa.select(t).order_by(t.c.id.desc()))
