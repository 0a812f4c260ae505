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
            "LAWSTATS_MAX_SHEET_ROWS",
            "250000",
            "Most rows a sheet's used range may span (from row 1 to its last filled row); a larger sheet is refused before it is read.",
        ),
        Setting(
            "LAWSTATS_MAX_SHEET_COLS",
            "1000",
            "Most columns a sheet's used range may span (from column A); a larger sheet (e.g. a stray cell at XFD1) is refused before it is read.",
        ),
        Setting(
            "LAWSTATS_MAX_SHEET_CELLS",
            "2500000",
            "Most cells (rows x columns, empty ones included) a sheet's used range may hold; a larger sheet is refused before it is read.",
        ),
        Setting(
            "LAWSTATS_MAX_FILE_CELLS",
            "5000000",
            "Most cells the sheets of one file may hold together (each counted as its used range); a larger file is refused before it is read.",
        ),
        Setting(
            "LAWSTATS_PARSE_MEMORY_MB",
            "1024",
            "Address-space limit of the worker process that parses an untrusted file; a file that needs more is refused and only that worker ends.",
        ),
        Setting(
            "LAWSTATS_PARSE_TIMEOUT_S",
            "120",
            "Seconds the parse worker may spend on one file before it is stopped and the file refused.",
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
            "LAWSTATS_SESSION_KEY_FILE",
            str(DATA_DIR / "session.key"),
            "File with the key that signs the session cookie; every server process behind one proxy reads the same file (made, readable by its owner only, on first use).",
        ),
        Setting(
            "LAWSTATS_COOKIE_SECURE",
            "auto",
            "Mark the session cookie Secure: auto (when the request came over HTTPS, also as X-Forwarded-Proto from the proxy), true, or false.",
        ),
        # Login throttling (lawstats.store.throttle) never locks an account: after the allowance
        # of failed password checks, each further check for that user name (or from that client
        # address) must wait BACKOFF_BASE_S * 2^k seconds, k = failures beyond the allowance, at
        # most BACKOFF_MAX_S (a client: 6 times that); an attempt during the wait is
        # refused unchecked and uncounted, so the right password after the wait works (a client
        # that logged in to the account before skips the user name's wait, not its own).
        Setting(
            "LAWSTATS_LOGIN_MAX_FAILURES",
            "5",
            "Failed logins for one user name before each further attempt must wait (exponential backoff).",
        ),
        Setting(
            "LAWSTATS_LOGIN_LOCK_MINUTES",
            "15",
            "A user name's (or client's) failed logins are forgotten this many minutes after the last wait ends.",
        ),
        Setting(
            "LAWSTATS_LOGIN_BACKOFF_BASE_S",
            "5",
            "The first wait after the allowance of failed logins, in seconds; it doubles with each further failure.",
        ),
        Setting(
            "LAWSTATS_LOGIN_BACKOFF_MAX_S",
            "300",
            "The longest wait between login attempts for one user name, in seconds (the most a user whose own client has not failed ever waits); a client address that keeps failing waits up to 6 times as long.",
        ),
        Setting(
            "LAWSTATS_LOGIN_CLIENT_MAX_FAILURES",
            "10",
            "Failed logins from one client address (any user names) before each further attempt from it must wait.",
        ),
        Setting(
            "LAWSTATS_LOGIN_MAX_CONCURRENT",
            "2",
            "Password checks (argon2, 64 MiB each) running at once per server process; more are refused at once (登录过于频繁).",
        ),
        Setting(
            "LAWSTATS_CLIENT_IP_HEADER",
            "",
            "Behind a reverse proxy: the request header carrying the client address (e.g. X-Real-IP; the last entry of a list counts). Empty: the connection's own address. Only set it when every request passes that proxy.",
        ),
        Setting(
            "LAWSTATS_SSO",
            "false",
            "true: offer single sign-on through Streamlit's OIDC login ([auth] in .streamlit/secrets.toml); the e-mail must match an active local account.",
        ),
        Setting(
            "LAWSTATS_SSO_REQUIRE_VERIFIED_EMAIL",
            "true",
            "true: a single sign-on identity is accepted only with the claim email_verified = true; false for providers that never send it.",
        ),
        Setting(
            "LAWSTATS_SSO_ALLOWED_DOMAINS",
            "",
            "Comma-separated e-mail domains single sign-on accepts (e.g. sfj.example.gov.cn); empty: any domain. Exact match, no subdomains.",
        ),
        Setting(
            "LAWSTATS_ROUNDING",
            "half_up",
            "How figures are rounded for display, text, JSON and exports: half_up (四舍五入, as Excel's ROUND, which analysts check against) or half_even (GB/T 8170 四舍六入五成双).",
        ),
        Setting(
            "LAWSTATS_BIND",
            "127.0.0.1",
            "scripts/start only: the address the server listens on (0.0.0.0 for all interfaces; prefer a reverse proxy with TLS on this machine).",
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


def max_sheet_rows() -> int:
    return int(get("LAWSTATS_MAX_SHEET_ROWS"))


def max_sheet_cols() -> int:
    return int(get("LAWSTATS_MAX_SHEET_COLS"))


def max_sheet_cells() -> int:
    return int(get("LAWSTATS_MAX_SHEET_CELLS"))


def max_file_cells() -> int:
    return int(get("LAWSTATS_MAX_FILE_CELLS"))


def parse_memory_bytes() -> int:
    return int(float(get("LAWSTATS_PARSE_MEMORY_MB")) * 2**20)


def parse_timeout_s() -> float:
    return float(get("LAWSTATS_PARSE_TIMEOUT_S"))


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


def session_key_file() -> Path:
    return Path(get("LAWSTATS_SESSION_KEY_FILE"))


def cookie_secure() -> str:
    return get("LAWSTATS_COOKIE_SECURE").lower()


def login_max_failures() -> int:
    return int(get("LAWSTATS_LOGIN_MAX_FAILURES"))


def login_lock_s() -> float:
    return float(get("LAWSTATS_LOGIN_LOCK_MINUTES")) * 60


def sso_enabled() -> bool:
    return get("LAWSTATS_SSO").lower() in ("1", "true", "yes")


def login_backoff_base_s() -> float:
    return max(0.0, float(get("LAWSTATS_LOGIN_BACKOFF_BASE_S")))


def login_backoff_max_s() -> float:
    return max(0.0, float(get("LAWSTATS_LOGIN_BACKOFF_MAX_S")))


def login_client_max_failures() -> int:
    return int(get("LAWSTATS_LOGIN_CLIENT_MAX_FAILURES"))


def login_max_concurrent() -> int:
    return max(1, int(get("LAWSTATS_LOGIN_MAX_CONCURRENT")))


def client_ip_header() -> str:
    return get("LAWSTATS_CLIENT_IP_HEADER")


def sso_require_verified_email() -> bool:
    return get("LAWSTATS_SSO_REQUIRE_VERIFIED_EMAIL").lower() not in ("0", "false", "no")


ROUNDING_RULES = ("half_up", "half_even")


def rounding() -> str:
    """'half_up' or 'half_even' (LAWSTATS_ROUNDING); anything else is refused, never guessed."""
    value = get("LAWSTATS_ROUNDING").lower().replace("-", "_")
    if value not in ROUNDING_RULES:
        raise ValueError(f"LAWSTATS_ROUNDING={value!r}: use one of {', '.join(ROUNDING_RULES)}")
    return value


def sso_allowed_domains() -> tuple[str, ...]:
    """Lower-case e-mail domains single sign-on accepts; empty = any."""
    parts = (d.strip().lower().lstrip("@") for d in get("LAWSTATS_SSO_ALLOWED_DOMAINS").split(","))
    return tuple(d for d in parts if d)
