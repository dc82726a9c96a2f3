"""The exports check: every package's public face is deliberate.

For each package under ``packages/*/src/covet/<name>/``:

- ``covet`` stays a PEP 420 namespace (no ``src/covet/__init__.py``) and the package ships
  ``py.typed``; every folder holding modules has an ``__init__.py``;
- ``__init__.py`` files only re-export: imports, ``__all__``, dunder assignments, and a
  module ``__getattr__``/``__dir__`` for lazy imports; no other definitions;
- every public module (no ``_``-prefixed part in its dotted name) imports and defines
  ``__all__``, every name listed there exists, and every covet class or function listed
  has a docstring;
- no public module hands out an object defined in a private covet module unless it lists
  that name in ``__all__`` (pydantic's ``test_public_internal``): write
  ``from ._x import helper as _helper`` for internal use.

Run: ``uv run python tools/checks/check_exports.py [--root PATH]``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from repo_layout import NAMESPACE, Module, Package, discover_packages, rel, report, root_from_argv

# Names an __init__.py may bind besides imports: dunders, and PEP 562 lazy loading.
_INIT_FUNCTIONS = {"__getattr__", "__dir__"}


def _is_private_covet_module(name: str) -> bool:
    parts = name.split(".")
    return parts[0] == NAMESPACE and any(part.startswith("_") for part in parts[1:])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_dunder_target(target: ast.expr) -> bool:
    return isinstance(target, ast.Name) and target.id.startswith("__") and target.id.endswith("__")


def _init_statement_problems(body: list[ast.stmt], path: Path, root: Path) -> Iterator[str]:
    for index, node in enumerate(body):
        where = f"{rel(path, root)}:{node.lineno}"
        if isinstance(node, ast.Import | ast.ImportFrom | ast.Pass):
            continue
        if (
            index == 0
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            continue  # the module docstring
        if isinstance(node, ast.Assign) and all(_is_dunder_target(t) for t in node.targets):
            continue
        if isinstance(node, ast.AnnAssign | ast.AugAssign) and _is_dunder_target(node.target):
            continue
        if isinstance(node, ast.FunctionDef) and node.name in _INIT_FUNCTIONS:
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _init_statement_problems(node.body, path, root)
            yield from _init_statement_problems(node.orelse, path, root)
            continue
        if isinstance(node, ast.Try):
            for part in (node.body, node.orelse, node.finalbody):
                yield from _init_statement_problems(part, path, root)
            for handler in node.handlers:
                yield from _init_statement_problems(handler.body, path, root)
            continue
        if isinstance(node, ast.Raise):
            continue  # e.g. inside an except ImportError: raise a clear message
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            what = f"defines {node.name!r}"
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            what = "assigns a non-dunder name"
        else:
            what = f"runs a {type(node).__name__} statement"
        yield (
            f"{where}: __init__.py {what}; an __init__.py only re-exports: "
            "move the code into a private module and re-export it"
        )


def check_static(packages: list[Package], root: Path) -> list[str]:
    """The checks that need no import: namespace, py.typed, __init__.py contents."""
    problems = []
    for package in packages:
        namespace_init = package.src / NAMESPACE / "__init__.py"
        if namespace_init.exists():
            problems.append(
                f"{rel(namespace_init, root)}: 'covet' is a PEP 420 namespace shared by every "
                "package; delete this file"
            )
        for module_dir in package.module_dirs:
            if not (module_dir / "py.typed").is_file():
                problems.append(f"{rel(module_dir, root)}: missing py.typed (PEP 561 marker)")
            for folder in [module_dir, *sorted(p for p in module_dir.rglob("*") if p.is_dir())]:
                if folder.name == "__pycache__" or "__pycache__" in folder.parts:
                    continue
                if any(folder.glob("*.py")) and not (folder / "__init__.py").is_file():
                    problems.append(
                        f"{rel(folder, root)}: holds modules but has no __init__.py "
                        "(only 'covet' itself is a namespace package)"
                    )
        for module in package.modules():
            if module.is_package:
                tree = ast.parse(module.path.read_bytes(), filename=str(module.path))
                problems.extend(_init_statement_problems(tree.body, module.path, root))
    return problems


@cache
def _parsed(path: str) -> ast.Module:
    return ast.parse(Path(path).read_bytes(), filename=path)


def _definition(obj: Any) -> ast.AST | None:
    """The ``def``/``class`` node that defined ``obj``, found by its qualified name."""
    module = sys.modules.get(getattr(obj, "__module__", "") or "")
    filename = getattr(module, "__file__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not filename or not qualname or "<locals>" in qualname:
        return None
    scope: list[ast.stmt] = _parsed(filename).body
    node: ast.AST | None = None
    for part in qualname.split("."):
        node = next(
            (
                n
                for n in scope
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and n.name == part
            ),
            None,
        )
        if node is None:
            return None
        scope = node.body
    return node


def _has_docstring(obj: Any) -> bool:
    # Read the source, not __doc__: dataclasses, NamedTuples and enums make one up.
    node = _definition(obj)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return bool(ast.get_docstring(node))
    return bool(inspect.getdoc(obj))


def _origin(value: Any) -> str | None:
    """The module that defined ``value`` (its class's module for plain instances)."""
    if inspect.isclass(value) or inspect.isroutine(value):
        origin = getattr(value, "__module__", None)
    else:
        origin = getattr(value, "__module__", None)
        if not isinstance(origin, str):
            origin = type(value).__module__
    return origin if isinstance(origin, str) else None


def check_public_module(module: ModuleType, path: Path, root: Path) -> list[str]:
    """The problems of one imported public module."""
    where = rel(path, root)
    name = module.__name__
    if "__all__" not in vars(module):
        return [f"{where}: public module {name} defines no __all__"]
    exported = module.__all__
    if not isinstance(exported, list | tuple) or not all(isinstance(n, str) for n in exported):
        return [f"{where}: {name}.__all__ must be a list of strings"]
    problems = []
    duplicates = sorted({n for n in exported if exported.count(n) > 1})
    if duplicates:
        problems.append(f"{where}: {name}.__all__ lists {duplicates} more than once")
    for export in exported:
        try:
            value = getattr(module, export)
        except AttributeError:
            problems.append(f"{where}: {name}.__all__ lists {export!r}, which does not exist")
            continue
        except Exception as exc:  # a lazy __getattr__ that fails
            problems.append(f"{where}: {name}.{export} fails to import: {exc!r}")
            continue
        if inspect.ismodule(value):
            documented = bool(value.__doc__)
        elif inspect.isclass(value) or inspect.isroutine(value):
            if not (_origin(value) or "").startswith(f"{NAMESPACE}."):
                continue
            documented = _has_docstring(value)
        else:
            continue
        if not documented:
            problems.append(f"{where}: {name}.{export} has no docstring")
    listed = set(exported)
    for attr, value in sorted(vars(module).items()):
        if attr.startswith("_") or attr in listed or inspect.ismodule(value):
            continue
        origin = _origin(value)
        if origin and _is_private_covet_module(origin):
            problems.append(
                f"{where}: public module {name} hands out {attr!r} from private module "
                f"{origin} without listing it in __all__; re-export it on purpose or import "
                f"it under a private name (`import ... as _{attr}`)"
            )
    return problems


@contextmanager
def _importable(packages: list[Package]) -> Iterator[None]:
    """Put the packages' ``src`` folders first on ``sys.path``; forget modules imported
    from elsewhere than the workspace afterwards so a fake tree never leaks."""
    added = [str(p.src) for p in packages if str(p.src) not in sys.path]
    sys.path[:0] = added
    before = set(sys.modules)
    try:
        yield
    finally:
        for entry in added:
            sys.path.remove(entry)
        for name in set(sys.modules) - before:
            module_file = getattr(sys.modules[name], "__file__", None) or ""
            if any(module_file.startswith(entry) for entry in added):
                del sys.modules[name]
        importlib.invalidate_caches()


def _import(module: Module, root: Path) -> tuple[ModuleType | None, str | None]:
    try:
        imported = importlib.import_module(module.name)
    except (Exception, SystemExit) as exc:  # a module that exits on import is broken too
        detail = "".join(traceback.format_exception_only(exc)).strip()
        return (
            None,
            f"{rel(module.path, root)}: public module {module.name} fails to import: {detail}",
        )
    file = Path(getattr(imported, "__file__", "") or "").resolve()
    if file != module.path.resolve():
        return None, (
            f"{rel(module.path, root)}: importing {module.name} gives {file}, not this file "
            "(is another distribution shadowing it?)"
        )
    return imported, None


def check_exports(root: Path) -> list[str]:
    """Every problem with the public faces of the packages under ``root``."""
    packages = discover_packages(root)
    problems = check_static(packages, root)
    with _importable(packages):
        for package in packages:
            for module in package.modules():
                if not module.is_public:
                    continue
                imported, problem = _import(module, root)
                if problem:
                    problems.append(problem)
                if imported is not None:
                    problems.extend(check_public_module(imported, module.path, root))
    return problems


def main() -> int:
    return report("exports", check_exports(root_from_argv()))


if __name__ == "__main__":
    raise SystemExit(main())
