"""Typed, documented settings: every knob with its default, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"


@dataclass(frozen=True)
class Setting:
    env: str
    default: str
    help: str


SETTINGS: dict[str, Setting] = {
    s.env: s
    for s in [
        Setting(
            "LAWSTATS_DB_URL",
            str(DATA_DIR / "lawstats.duckdb"),
            "Database: a SQLAlchemy URL (duckdb:///path, postgresql+psycopg://...) or a DuckDB file path.",
        ),
        Setting(
            "LAWSTATS_TEST_PG_URL",
            "",
            "Tests only: a PostgreSQL URL whose database the test suite may wipe; enables the PostgreSQL leg.",
        ),
        Setting(
            "LAWSTATS_MAX_UPLOAD_MB",
            "50",
            "Largest spreadsheet accepted for upload, in megabytes.",
        ),
        Setting(
            "LAWSTATS_LOCK_TIMEOUT_S",
            "60",
            "How long a writer waits for another process's DuckDB write lock before giving up, in seconds.",
        ),
        Setting(
            "LAWSTATS_REQUIRE_LOGIN",
            "auto",
            "Viewing needs a login: auto (yes, except on the demo database), true, or false (public viewing). Writing always needs a login.",
        ),
        Setting(
            "LAWSTATS_SESSION_IDLE_MINUTES",
            "60",
            "A login expires after this many minutes without activity.",
        ),
        Setting(
            "LAWSTATS_SESSION_MAX_HOURS",
            "12",
            "A login expires this many hours after it began, active or not.",
        ),
        Setting(
            "LAWSTATS_LOGIN_MAX_FAILURES",
            "5",
            "Failed logins for one user name before logins for it are paused.",
        ),
        Setting(
            "LAWSTATS_LOGIN_LOCK_MINUTES",
            "15",
            "How long logins for a user name stay paused after too many failures.",
        ),
        Setting(
            "LAWSTATS_SSO",
            "false",
            "true: offer single sign-on through Streamlit's OIDC login ([auth] in .streamlit/secrets.toml); the e-mail must match an active local account.",
        ),
    ]
}


def get(env: str) -> str:
    """Value of a setting: the environment variable if set and non-empty, else its default."""
    setting = SETTINGS[env]
    value = os.environ.get(env, "").strip()
    return value or setting.default


def db_url() -> str:
    return get("LAWSTATS_DB_URL")


def max_upload_bytes() -> int:
    return int(float(get("LAWSTATS_MAX_UPLOAD_MB")) * 1024 * 1024)


def lock_timeout_s() -> float:
    return float(get("LAWSTATS_LOCK_TIMEOUT_S"))


def require_login() -> str:
    """'auto', 'true' or 'false' (LAWSTATS_REQUIRE_LOGIN)."""
    value = get("LAWSTATS_REQUIRE_LOGIN").lower()
    return value if value in ("auto", "true", "false") else "true"


def session_idle_s() -> float:
    return float(get("LAWSTATS_SESSION_IDLE_MINUTES")) * 60


def session_max_s() -> float:
    return float(get("LAWSTATS_SESSION_MAX_HOURS")) * 3600


def login_max_failures() -> int:
    return int(get("LAWSTATS_LOGIN_MAX_FAILURES"))


def login_lock_s() -> float:
    return float(get("LAWSTATS_LOGIN_LOCK_MINUTES")) * 60


def sso_enabled() -> bool:
    return get("LAWSTATS_SSO").lower() in ("1", "true", "yes")
