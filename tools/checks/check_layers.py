"""The layers check: imports flow the way DESIGN.md draws them.

Reads every module of every package (all imports count: module level, inside functions,
under ``if TYPE_CHECKING:``, and ``importlib.import_module("...")`` with a literal name)
and reports:

- an import of another covet package that the importer's ``pyproject.toml`` does not
  declare (in ``dependencies`` or an extra);
- a required covet dependency (declared or imported outside any extra) that the layer
  order forbids; a lower package may reach a higher one only behind an optional extra;
- a package missing from the layer table below (add it here and to DESIGN.md);
- an import cycle between the modules of one package.

``.importlinter`` states the same layers for import-linter; the tests run both.

Run: ``uv run python tools/checks/check_layers.py [--root PATH]``.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from repo_layout import (
    META_PACKAGE,
    NAMESPACE,
    Package,
    discover_packages,
    rel,
    report,
    requirement_name,
    root_from_argv,
)

ANY = "*"

# DESIGN.md "Layers": the covet packages each distribution may require directly.
# A package may also import what those require (the transitive closure).
LAYERS: dict[str, frozenset[str]] = {
    "covet-db": frozenset(),
    "covet-web": frozenset(),
    "covet-security": frozenset(),
    "covet-cache": frozenset(),
    "covet-observe": frozenset(),
    "covet-orm": frozenset({"covet-db"}),
    "covet-migrate": frozenset({"covet-orm"}),
    "covet-tasks": frozenset({"covet-db"}),
    "covet-graphql": frozenset({"covet-web"}),  # + covet-orm, only as an optional extra
    "covet-cli": frozenset({ANY}),  # finds the others through entry points
    META_PACKAGE: frozenset({ANY}),  # the meta-package depends on everything
}


def allowed(dist: str, layers: dict[str, frozenset[str]] = LAYERS) -> frozenset[str]:
    """The covet distributions ``dist`` may require: the closure of the layer table."""
    seen: set[str] = set()
    todo = list(layers.get(dist, ()))
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(layers.get(current, ()))
    return frozenset(seen)


@dataclass(frozen=True)
class Import:
    """``importer`` imports ``target`` (a dotted name) at ``line``."""

    importer: str
    path: Path
    line: int
    target: str


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    package = module if is_package else module.rpartition(".")[0]
    parts = package.split(".")
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    base = ".".join(parts)
    return f"{base}.{name}" if name else base


def _literal_import_module(call: ast.Call, module: str, is_package: bool) -> str | None:
    """``import_module("x.y")`` / ``import_module(".y", __name__)`` with literal names."""
    func = call.func
    func_name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if func_name != "import_module" or not call.args:
        return None
    first = call.args[0]
    if not isinstance(first, ast.Constant) or not isinstance(first.value, str):
        return None
    target = first.value
    if not target.startswith("."):
        return target
    anchor = call.args[1] if len(call.args) > 1 else None
    if isinstance(anchor, ast.Name) and anchor.id in ("__name__", "__package__"):
        level = len(target) - len(target.lstrip("."))
        # import_module(".x", __name__) resolves against __name__ taken as a package.
        base = module if (is_package or anchor.id == "__name__") else module.rpartition(".")[0]
        return _resolve(base, True, level, target[level:] or None)
    return None


def imports_of(module: str, path: Path, is_package: bool, known: set[str]) -> Iterator[Import]:
    """Every import in one file, as targets; ``from a import b`` targets ``a.b`` when
    that is a module in ``known``."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node.level, node.module)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                target = candidate if candidate in known else base
                yield Import(module, path, node.lineno, target)
        elif isinstance(node, ast.Call):
            dynamic = _literal_import_module(node, module, is_package)
            if dynamic:
                yield Import(module, path, node.lineno, dynamic)


def _top_module(target: str) -> str | None:
    parts = target.split(".")
    if parts[0] != NAMESPACE or len(parts) < 2:
        return None
    return ".".join(parts[:2])


def _package_imports(package: Package, known: set[str]) -> list[Import]:
    found: list[Import] = []
    for module in package.modules():
        found.extend(imports_of(module.name, module.path, module.is_package, known))
    return found


def check_package_imports(
    package: Package, dist_of: dict[str, str], imports: list[Import], root: Path
) -> list[str]:
    """Cross-package rules for one package."""
    problems = []
    own = set(package.top_modules)
    required_specs, extras = package.declared_dependencies()
    required = {requirement_name(r) for r in required_specs}
    optional = {requirement_name(r) for specs in extras.values() for r in specs}
    pyproject = rel(package.path / "pyproject.toml", root)

    if package.dist not in LAYERS:
        problems.append(
            f"{pyproject}: {package.dist} is not in the layer table; add it to LAYERS in "
            "tools/checks/check_layers.py, to .importlinter and to DESIGN.md"
        )
        return problems
    may_require = allowed(package.dist)
    anything = ANY in may_require

    for dependency in sorted(required):
        if dependency.startswith(f"{NAMESPACE}-") or dependency == META_PACKAGE:
            if dependency == package.dist:
                problems.append(f"{pyproject}: {package.dist} depends on itself")
            elif not anything and dependency not in may_require:
                problems.append(
                    f"{pyproject}: {package.dist} requires {dependency}, which the layer order "
                    f"of DESIGN.md forbids (it may require: {sorted(may_require) or 'no covet package'}); "
                    "glue towards it belongs behind an optional extra"
                )

    for imp in imports:
        top = _top_module(imp.target)
        if top is None or top in own:
            continue
        dist = dist_of.get(top, f"{NAMESPACE}-{top.split('.')[1].replace('_', '-')}")
        where = f"{rel(imp.path, root)}:{imp.line}"
        if dist not in required and dist not in optional:
            problems.append(
                f"{where}: {imp.importer} imports {imp.target}, but {package.dist} does not "
                f"declare {dist} in {pyproject}"
            )
    return problems


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (or a self-import)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        # Iterative Tarjan: deep chains of imports must not hit the recursion limit.
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, ()):
                    components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(components)


def _cycle_path(component: list[str], edges: dict[str, set[str]]) -> list[str]:
    """The shortest loop from the component's first module back to itself."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for following in sorted(edges.get(node, set()) & members):
            if following == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if following not in previous:
                previous[following] = node
                queue.append(following)
    return [start, start]


def check_cycles(package: Package, imports: list[Import], root: Path) -> list[str]:
    """Import cycles between the modules of one package (TYPE_CHECKING imports count)."""
    modules = {m.name for m in package.modules()}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    lines: dict[tuple[str, str], str] = {}
    for imp in imports:
        # Importing a.b.c runs a/__init__ and a/b/__init__ first, but counting those
        # implicit edges would put every package in a cycle with its own face.
        target = imp.target
        if target not in modules or target == imp.importer:
            continue
        edges[imp.importer].add(target)
        lines.setdefault((imp.importer, target), f"{rel(imp.path, root)}:{imp.line}")
    problems = []
    for component in find_cycles(edges):
        loop = _cycle_path(component, edges)
        steps = ", ".join(f"{a} -> {b} ({lines.get((a, b), '?')})" for a, b in pairwise(loop))
        problems.append(
            f"import cycle in {package.dist} between {', '.join(component)}: {steps}; move "
            "the shared part into a lower module both can import"
        )
    return problems


def check_layers(root: Path, packages: Iterable[Package] | None = None) -> list[str]:
    """Every layering problem of the packages under ``root``."""
    all_packages = list(discover_packages(root) if packages is None else packages)
    dist_of = {top: p.dist for p in all_packages for top in p.top_modules}
    problems = []
    for package in all_packages:
        known = {m.name for m in package.modules()}
        imports = _package_imports(package, known)
        problems.extend(check_package_imports(package, dist_of, imports, root))
        problems.extend(check_cycles(package, imports, root))
    return problems


def main() -> int:
    return report("layers", check_layers(root_from_argv()))


if __name__ == "__main__":
    raise SystemExit(main())
