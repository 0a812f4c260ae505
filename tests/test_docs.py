"""The docs stay true to the tree: every file or folder they name in backticks exists, every
setting they name is a setting, and the README keeps its shape (short, the two commands)."""

from __future__ import annotations

import re
from pathlib import Path

from lawstats import settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Named on purpose though absent from a checkout: made by the user or at run time.
NOT_IN_CHECKOUT = {
    ".streamlit/secrets.toml",
    "data/lawstats.duckdb",
    "data/session.key",  # made on first use, git-ignored
}
# Environment variables the tests or one CLI command read, not server settings.
ENV_NOT_SETTINGS = {
    "LAWSTATS_TEST_PG_URL",
    "LAWSTATS_REQUIRE_ALL",
    "LAWSTATS_USER_PASSWORD",
    "LAWSTATS_WALL_SOAK_S",
}
PATH = re.compile(r"`((?:[\w.-]+/)+[\w.-]*|[\w-]+\.(?:py|toml|csv|md|sql|yaml|txt))`")


def named_paths(text: str) -> set[str]:
    out = set()
    for m in PATH.finditer(text):
        p = m.group(1)
        if "<" in p or "*" in p or p.startswith(("/", "http")) or "NNNN" in p:
            continue
        out.add(p)
    return out


def test_every_path_the_docs_name_exists():
    missing = []
    for doc in DOCS:
        for p in sorted(named_paths(doc.read_text(encoding="utf-8"))):
            if p in NOT_IN_CHECKOUT or p.startswith(("tmp/", "../")):
                continue
            if "/" not in p.rstrip("/"):
                continue  # a bare file or folder name refers to a path given nearby
            if not (ROOT / p).exists():
                missing.append(f"{doc.relative_to(ROOT)}: {p}")
    assert missing == []


def test_every_setting_the_docs_name_exists():
    unknown = []
    for doc in DOCS:
        for name in set(re.findall(r"\bLAWSTATS_[A-Z0-9_]+\b", doc.read_text(encoding="utf-8"))):
            if name not in settings.SETTINGS and name not in ENV_NOT_SETTINGS:
                unknown.append(f"{doc.relative_to(ROOT)}: {name}")
    assert unknown == []


def test_the_deployment_doc_lists_every_setting():
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert [name for name in settings.SETTINGS if f"`{name}`" not in text] == []


def test_the_deployment_settings_table_says_what_the_code_says():
    """Each row of the settings table is `| `NAME` | `default` | help |` as in SETTINGS, so a
    changed default or meaning cannot leave the doc behind."""
    lines = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8").splitlines()
    stale = []
    for s in settings.SETTINGS.values():
        default = s.default.removeprefix(f"{ROOT}/")  # the data/ default is under the checkout
        shown = f"`{default}`" if default else "(empty)"
        row = f"| `{s.env}` | {shown} | {s.help} |"
        if row not in lines:
            stale.append(s.env)
    assert stale == []


def test_the_readme_is_short_and_carries_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) < 12 * 1024
    commands = re.findall(r"^(scripts/\w+)\b", text, flags=re.M)
    assert commands == ["scripts/start", "scripts/test"]


def test_the_docs_link_only_to_docs_that_exist():
    broken = []
    for doc in DOCS:
        for target in re.findall(
            r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")
        ):
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert broken == []
