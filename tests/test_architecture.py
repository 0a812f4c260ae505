"""The import structure: data flows one way through the layers, and no module circles back.

Every import counts, also one inside a function: a lazy import still makes the lower module
depend on the higher one. docs/architecture.md draws the same layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("lawstats", "etl", "pages")

# Highest first. A module may import its own layer and any layer below it; modules in one row
# separated into groups (a tuple of prefixes) may not import each other's group.
LAYERS: list[tuple[str, tuple[tuple[str, ...], ...]]] = [
    ("presentation", (("app", "pages", "lawstats.ui", "etl.cli", "etl.__main__"),)),
    ("workflow and demo", (("lawstats.workflow",), ("lawstats.demo",))),
    ("reports", (("lawstats.reports",),)),
    ("ingest and analysis", (("etl",), ("lawstats.analysis",))),
    ("store", (("lawstats.store",),)),
    ("domain", (("lawstats.domain",),)),
    ("base", (("lawstats.settings", "lawstats.i18n", "lawstats"),)),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {"app": ROOT / "app.py"}
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            found[module_name(path)] = path
    return found


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def place(module: str) -> tuple[int, int]:
    """(layer index, group index) of a module: the most specific prefix wins."""
    best: tuple[int, int, int] | None = None
    for li, (_, groups) in enumerate(LAYERS):
        for gi, prefixes in enumerate(groups):
            for prefix in prefixes:
                if _matches(module, prefix) and (best is None or len(prefix) > best[2]):
                    best = (li, gi, len(prefix))
    assert best is not None, f"{module} is in no layer"
    return best[0], best[1]


def imports_of(path: Path, module: str, known: dict[str, Path]) -> set[str]:
    """Project modules imported by a file, resolved to the longest known module name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    out = set()
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != module:
            out.add(name)
    return out


def import_graph() -> dict[str, set[str]]:
    known = project_modules()
    return {m: imports_of(p, m, known) for m, p in known.items()}


def _is_parent_package(importer: str, imported: str) -> bool:
    """`import lawstats.store.summary` runs lawstats/store/__init__.py: not a real dependency
    of the importer on the package, so an ancestor package counts as its own layer's."""
    return importer.startswith(imported + ".")


def test_every_module_is_in_a_layer():
    for module in project_modules():
        place(module)


def test_imports_point_down_the_layers():
    wrong = []
    for importer, imported_set in sorted(import_graph().items()):
        li, gi = place(importer)
        for imported in sorted(imported_set):
            if _is_parent_package(importer, imported) and imported in ("lawstats", "etl"):
                continue
            lj, gj = place(imported)
            if lj < li or (lj == li and gj != gi):
                wrong.append(f"{importer} ({LAYERS[li][0]}) imports {imported} ({LAYERS[lj][0]})")
    assert wrong == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles():
    graph = {
        m: {i for i in imported if not _is_parent_package(m, i)}
        for m, imported in import_graph().items()
    }
    assert _cycles(graph) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_circle_finder_finds_circles(graph, expected):
    assert _cycles(graph) == expected


def test_the_layer_check_sees_a_lazy_upward_import(tmp_path):
    """The checker reads imports inside functions too (what a lazy import hides)."""
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from lawstats.ui import common\n", encoding="utf-8")
    known = {"lawstats.ui.common": Path(), "lawstats.domain.m": src}
    assert imports_of(src, "lawstats.domain.m", known) == {"lawstats.ui.common"}
    assert place("lawstats.domain.m")[0] > place("lawstats.ui.common")[0]


# A page shows what analysis, reports and the workflow compute: it runs no SQL and does no
# roll-up itself. These are the modules a page may not import (the store's query and roll-up
# machinery, and the database drivers); account and engine services come through lawstats.ui
# and lawstats.store.auth.
PAGE_FORBIDDEN_IMPORTS = (
    "sqlalchemy",
    "duckdb",
    "psycopg",
    "psycopg2",
    "lawstats.store.rollup",
    "lawstats.store.grains",
    "lawstats.store.summary",
    "lawstats.store.queries",
    "lawstats.store.schema",
    "lawstats.store.revisions",
)
SQL_WORDS = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE", " GROUP BY ")


def _page_files() -> list[Path]:
    return sorted((ROOT / "pages").glob("*.py"))


def page_problems(path: Path) -> list[str]:
    """What a page file does that belongs lower down: forbidden imports, SQL text, and
    pandas group-by roll-ups."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        for name in names:
            if any(_matches(name, bad) for bad in PAGE_FORBIDDEN_IMPORTS):
                found.append(f"{path.name}:{node.lineno} imports {name}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            upper = node.value.upper()
            if any(w in upper for w in SQL_WORDS):
                found.append(f"{path.name}:{node.lineno} SQL text {node.value[:40]!r}")
        if isinstance(node, ast.Attribute) and node.attr in ("groupby", "pivot_table", "resample"):
            found.append(f"{path.name}:{node.lineno} rolls up with .{node.attr}")
    return found


def test_pages_hold_no_sql_and_no_roll_up():
    assert _page_files(), "pages/ holds no page files"
    assert [p for path in _page_files() for p in page_problems(path)] == []


def test_the_page_check_sees_sql_and_group_by(tmp_path):
    page = tmp_path / "bad.py"
    page.write_text(
        "import sqlalchemy as sa\n"
        "from lawstats.store import rollup\n"
        "q = 'select * from facts'\n"
        "def f(df):\n    return df.groupby('region').sum()\n",
        encoding="utf-8",
    )
    problems = page_problems(page)
    assert len(problems) == 4, problems


# "No module over ~600 lines unless it is one idea": the modules allowed past the mark, each
# with the one idea that keeps it whole. A module growing past it fails here until it is split
# or named below with its reason.
MAX_MODULE_LINES = 650
ONE_IDEA_MODULES: dict[str, str] = {
    "lawstats.store.rollup": "the roll-up itself: one vectorised pass from grains to figures "
    "(own figure, tiling, units, per-target sums, reported rates, state); its SQL, region tree "
    "and year over year are already modules of their own",
}


def test_modules_stay_small_or_are_one_idea():
    long = {
        m: n
        for m, p in project_modules().items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
        and m not in ONE_IDEA_MODULES
    }
    assert long == {}
