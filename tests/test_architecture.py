"""The rules of the house for `registry/`: who may import whom, no import cycles, little repeated code.

The import graph comes from grimp, which reads every import statement of every module, those inside
function bodies included. A rule about a package that does not exist (yet) has nothing to check and
passes.
"""

from __future__ import annotations

import functools
import itertools
import re
import subprocess
import sys
from collections import deque
from pathlib import Path

import grimp
import pytest

import registry

PACKAGE = "registry"
SOURCE = Path(registry.__file__).resolve().parent
ROOT = SOURCE.parent

FEATURES = ("catalog", "providers", "certification", "panels", "accounts", "pseudonymisation", "opendata")
# The app shell puts the features together. settings is not part of it here: anything may read settings.
SHELL = ("registry.app", "registry.cli", "registry.wiring", "registry.demo", "registry.asgi", "registry.web")
FOUNDATION = ("registry.db", "registry.audit", "registry.kernel")
# What a feature may import from another one; the rest (service.py, use-case modules) is its own business.
OPEN_TO_OTHER_FEATURES = ("model", "tables", "schemas", "queries", "urls")
WEB_AND_ORM = ("litestar", "piccolo")

MIGRATIONS = SOURCE / "db" / "migrations"
MIN_SIMILAR_LINES = 6
MAX_DUPLICATE_PAIRS = 5

Import = tuple[str, str]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(PACKAGE, include_external_packages=True, cache_dir=None)


def _within(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


def _feature(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == PACKAGE and parts[1] in FEATURES else None


def _own_modules(graph: grimp.ImportGraph) -> list[str]:
    return sorted({PACKAGE} | graph.find_descendants(PACKAGE)) if PACKAGE in graph.modules else []


def _imports(graph: grimp.ImportGraph) -> list[Import]:
    """Every direct import made by a module of the package, as (importer, imported)."""
    return [(a, b) for a in _own_modules(graph) for b in sorted(graph.find_modules_directly_imported_by(a))]


# -- the rules, each a function of the import graph ----------------------------------------------------


def shell_imported_by_features(graph: grimp.ImportGraph) -> list[Import]:
    return [(a, b) for a, b in _imports(graph) if _feature(a) and _within(b, SHELL)]


def services_imported_across_features(graph: grimp.ImportGraph) -> list[Import]:
    bad = []
    for a, b in _imports(graph):
        mine, theirs = _feature(a), _feature(b)
        if mine and theirs and mine != theirs:
            parts = b.split(".")
            if len(parts) < 3 or parts[2] not in OPEN_TO_OTHER_FEATURES:
                bad.append((a, b))
    return bad


def features_or_shell_imported_by_foundation(graph: grimp.ImportGraph) -> list[Import]:
    return [(a, b) for a, b in _imports(graph) if _within(a, FOUNDATION) and (_feature(b) or _within(b, SHELL))]


def web_or_orm_imported_by_models(graph: grimp.ImportGraph) -> list[Import]:
    return [
        (a, b)
        for a, b in _imports(graph)
        if len(a.split(".")) > 2 and a.split(".")[2] == "model" and _within(b, WEB_AND_ORM)
    ]


def _strongly_connected(nodes: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = itertools.count()
    for start in nodes:
        if start in index:
            continue
        index[start] = low[start] = next(counter)
        stack.append(start)
        on_stack.add(start)
        work = [(start, iter(edges[start]))]
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = next(counter)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(edges[successor])))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while not component or component[-1] != node:
                        component.append(stack.pop())
                        on_stack.discard(component[-1])
                    components.append(sorted(component))
    return components


def _shortest_path(edges: dict[str, list[str]], start: str, goal: str, allowed: set[str]) -> list[str]:
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue and goal not in previous:
        node = queue.popleft()
        for successor in edges[node]:
            if successor in allowed and successor not in previous:
                previous[successor] = node
                queue.append(successor)
    path = [goal]
    while (before := previous[path[-1]]) is not None:
        path.append(before)
    return path[::-1]


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Import cycles among the package's modules, as chains `[a, b, a]`. Within each strongly connected
    group of modules, the shortest cycle through each of its imports: every import in a cycle shows."""
    modules = _own_modules(graph)
    own = set(modules)
    edges = {m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i in own) for m in modules}
    cycles: set[tuple[str, ...]] = set()
    for component in _strongly_connected(modules, edges):
        members = set(component)
        for a in component:
            for b in edges[a]:
                if b in members:
                    loop = [a] if a == b else [a, *_shortest_path(edges, b, a, members)[:-1]]
                    first = loop.index(min(loop))
                    cycles.add(tuple(loop[first:] + loop[:first]))
    return [[*cycle, cycle[0]] for cycle in sorted(cycles, key=lambda c: (len(c), c))]


# -- telling the developer where -----------------------------------------------------------------------


def _path(module: str) -> Path:
    base = SOURCE.joinpath(*module.split(".")[1:])
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


@functools.cache
def _source_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.is_file() else []


def _where(graph: grimp.ImportGraph, importer: str, imported: str) -> list[str]:
    """`file:line: statement` for each statement by which `importer` imports `imported`."""
    path = _path(importer)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    details = graph.get_import_details(importer=importer, imported=imported)
    if not details:
        return [f"{shown}: imports {imported}"]
    found = []
    for detail in details:
        number = detail["line_number"]
        lines = _source_lines(path)
        nested = 0 < number <= len(lines) and lines[number - 1][:1].isspace()
        found.append(f"{shown}:{number}: {detail['line_contents'].strip()}" + ("   (in a function)" if nested else ""))
    return found


def _report(graph: grimp.ImportGraph, rule: str, imports: list[Import]) -> str:
    lines = [f"{rule}: {len(imports)} forbidden import(s)"]
    for importer, imported in imports:
        lines.append(f"  {importer} -> {imported}")
        lines.extend(f"      {where}" for where in _where(graph, importer, imported))
    return "\n".join(lines)


# -- the tests -----------------------------------------------------------------------------------------


def test_features_do_not_import_the_app_shell(graph):
    """catalog, providers, certification, panels and accounts never import app, cli, wiring, demo or asgi."""
    bad = shell_imported_by_features(graph)
    assert not bad, _report(graph, "Rule 1, a feature imports the app shell", bad)


def test_features_use_only_the_open_modules_of_other_features(graph):
    """From another feature only its model, tables, schemas, queries and urls; never its service modules."""
    bad = services_imported_across_features(graph)
    assert not bad, _report(graph, "Rule 2, a feature imports another feature's service modules", bad)


def test_db_audit_and_kernel_import_no_feature_nor_the_app_shell(graph):
    """registry.db, registry.audit and registry.kernel lie under the features: they import none of them."""
    bad = features_or_shell_imported_by_foundation(graph)
    assert not bad, _report(graph, "Rule 3, db, audit or kernel imports a feature or the app shell", bad)


def test_models_import_neither_litestar_nor_piccolo(graph):
    """Every registry.<x>.model is pure domain: no web framework, no ORM."""
    bad = web_or_orm_imported_by_models(graph)
    assert not bad, _report(graph, "Rule 4, a model imports litestar or piccolo", bad)


def test_no_import_cycles(graph):
    """No module of registry/ comes back to itself through its imports, those inside functions included."""
    cycles = import_cycles(graph)
    lines = [f"Rule 5, {len(cycles)} import cycle(s) in {PACKAGE}/"]
    for cycle in cycles:
        lines.append("  " + " -> ".join(cycle))
        for a, b in itertools.pairwise(cycle):
            lines.extend(f"      {where}" for where in _where(graph, a, b))
    assert not cycles, "\n".join(lines)


def test_each_rule_catches_what_it_forbids():
    """The checks themselves, on a hand-made graph in the target shape, where each rule is broken once."""
    made = grimp.ImportGraph()
    modules = [
        "registry", "registry.app", "registry.wiring", "registry.cli", "registry.cli.users", "registry.kernel",
        "registry.kernel.clock", "registry.db", "registry.db.engine", "registry.http", "registry.http.auth",
    ]  # fmt: skip
    modules += [f"registry.{f}.{m}" for f in ("catalog", "providers") for m in ("model", "queries", "service", "api")]
    for module in modules:
        made.add_module(module)
    for external in WEB_AND_ORM:
        made.add_module(external, is_squashed=True)
    imports = [
        ("registry.providers.api", "registry.wiring"),  # 1
        ("registry.providers.service", "registry.catalog.queries"),  # allowed
        ("registry.providers.service", "registry.catalog.model"),  # allowed
        ("registry.providers.service", "registry.catalog.service"),  # 2
        ("registry.kernel.clock", "registry.cli.users"),  # 3
        ("registry.db.engine", "registry.catalog.model"),  # 3
        ("registry.catalog.model", "piccolo"),  # 4
        ("registry.catalog.api", "litestar"),  # allowed
        ("registry.http.auth", "registry.providers.service"),  # 5
        ("registry.providers.service", "registry.http.auth"),  # 5
        ("registry.app", "registry.wiring"),  # allowed
    ]
    for importer, imported in imports:
        made.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    assert shell_imported_by_features(made) == [("registry.providers.api", "registry.wiring")]
    assert services_imported_across_features(made) == [("registry.providers.service", "registry.catalog.service")]
    assert features_or_shell_imported_by_foundation(made) == [
        ("registry.db.engine", "registry.catalog.model"),
        ("registry.kernel.clock", "registry.cli.users"),
    ]
    assert web_or_orm_imported_by_models(made) == [("registry.catalog.model", "piccolo")]
    assert import_cycles(made) == [["registry.http.auth", "registry.providers.service", "registry.http.auth"]]


def test_the_cycle_finder_shows_every_import_in_a_cycle():
    made = grimp.ImportGraph()
    for module in ("registry", "registry.a", "registry.b", "registry.c", "registry.d", "registry.e"):
        made.add_module(module)
    for importer, imported in [("a", "b"), ("b", "a"), ("b", "c"), ("c", "a"), ("d", "a"), ("e", "e")]:
        made.add_import(importer=f"registry.{importer}", imported=f"registry.{imported}")
    assert [" -> ".join(m.removeprefix("registry.") for m in cycle) for cycle in import_cycles(made)] == [
        "e -> e",
        "a -> b -> a",
        "a -> b -> c -> a",
    ]


# -- repeated code -------------------------------------------------------------------------------------

_PLACE = re.compile(r"^==(?P<path>.+):\[(?P<start>\d+):(?P<end>\d+)\]$")


def duplicate_pairs() -> list[tuple[str, str]]:
    """Pairs of places in registry/ (migrations aside) sharing MIN_SIMILAR_LINES or more similar lines,
    as `path:first-last` (lines counted from 1), found by pylint's similarity checker (symilar)."""
    files = sorted(str(path.relative_to(ROOT)) for path in SOURCE.rglob("*.py") if not path.is_relative_to(MIGRATIONS))
    options = [
        f"--duplicates={MIN_SIMILAR_LINES}",
        "--ignore-comments",
        "--ignore-docstrings",
        "--ignore-imports",
        "--ignore-signatures",
    ]
    run = subprocess.run(
        [sys.executable, "-c", "from pylint import run_symilar; run_symilar()", *options, *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "TOTAL lines=" in run.stdout, f"symilar did not run:\n{run.stdout}\n{run.stderr}"
    pairs: list[tuple[str, str]] = []
    places: list[str] = []
    for line in [*run.stdout.splitlines(), ""]:
        if found := _PLACE.match(line.strip()):
            places.append(f"{found['path']}:{int(found['start']) + 1}-{found['end']}")
        elif places:
            pairs.extend(itertools.combinations(places, 2))
            places = []
    return pairs


def test_little_repeated_code():
    """At most MAX_DUPLICATE_PAIRS pairs of places in registry/ share MIN_SIMILAR_LINES or more similar lines."""
    pairs = duplicate_pairs()
    listing = "\n".join(f"  {a}  ~  {b}" for a, b in pairs)
    assert len(pairs) <= MAX_DUPLICATE_PAIRS, (
        f"Rule 6, {len(pairs)} pairs of places share {MIN_SIMILAR_LINES} or more similar lines "
        f"(at most {MAX_DUPLICATE_PAIRS}); let one place of each pair use the other:\n{listing}"
    )
