"""The package layout check: no empty placeholders, every package complete.

Each ``packages/<dist>/`` has a ``pyproject.toml`` (hatchling; its ``[project].name`` is
the folder name; ``readme = "README.md"``), a ``README.md`` and a ``CHANGELOG.md`` with
content, ``src/covet/<name>/`` with ``__init__.py`` and ``py.typed``, and ``tests/`` with
at least one test function; its sources are type-checked (listed in the root
``[tool.mypy] files``). The meta-package ``covet`` ships no module and needs no tests.

Run: ``uv run python tools/checks/check_packages.py [--root PATH]``.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from repo_layout import (
    META_PACKAGE,
    NAMESPACE,
    Package,
    discover_packages,
    rel,
    report,
    root_from_argv,
)


def _has_test_function(tests: Path) -> bool:
    for path in sorted(tests.rglob("test_*.py")):
        tree = ast.parse(path.read_bytes(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
                "test"
            ):
                return True
    return False


def _mypy_files(root: Path) -> set[str]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return set()
    config = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("mypy", {})
    files = config.get("files", [])
    return {f.rstrip("/") for f in ([files] if isinstance(files, str) else files)}


def check_package(package: Package, root: Path, mypy_files: set[str]) -> list[str]:
    """The layout problems of one package."""
    where = rel(package.path, root)
    problems = []
    project = package.pyproject.get("project", {})
    if project.get("name") != package.path.name:
        problems.append(
            f"{where}/pyproject.toml: [project] name is {project.get('name')!r}, "
            f"expected the folder name {package.path.name!r}"
        )
    if project.get("readme") != "README.md":
        problems.append(f'{where}/pyproject.toml: set readme = "README.md" in [project]')
    backend = package.pyproject.get("build-system", {}).get("build-backend")
    if backend != "hatchling.build":
        problems.append(
            f"{where}/pyproject.toml: build-backend is {backend!r}, use hatchling.build"
        )
    for name in ("README.md", "CHANGELOG.md"):
        path = package.path / name
        if not path.is_file() or not path.read_text(encoding="utf-8").strip():
            problems.append(f"{where}/{name}: missing or empty")

    module_dirs = [d.name for d in package.module_dirs]
    if package.dist == META_PACKAGE:
        if module_dirs:
            problems.append(f"{where}: the meta-package ships no module, found {module_dirs}")
        return problems
    expected = package.expected_module
    if expected is None:
        problems.append(f"{where}: a package's name starts with '{NAMESPACE}-'")
        return problems
    folder = expected.split(".", 1)[1]
    module_dir = package.src / NAMESPACE / folder
    if not (module_dir / "__init__.py").is_file():
        problems.append(f"{where}: missing src/{NAMESPACE}/{folder}/__init__.py")
    if not (module_dir / "py.typed").is_file():
        problems.append(f"{where}: missing src/{NAMESPACE}/{folder}/py.typed")
    extra = sorted(set(module_dirs) - {folder})
    if extra:
        problems.append(f"{where}: ships {extra} besides {expected}; one module per package")
    tests = package.path / "tests"
    if not tests.is_dir() or not _has_test_function(tests):
        problems.append(
            f"{where}/tests: no test_*.py with a test function; a package is "
            "created when its work starts, never as an empty placeholder"
        )
    src = rel(package.src, root)
    if src not in mypy_files:
        problems.append(
            f"pyproject.toml: [tool.mypy] files does not list {src!r}; "
            "every package is type-checked"
        )
    return problems


def check_packages(root: Path) -> list[str]:
    """Every layout problem under ``root/packages``."""
    packages = discover_packages(root)
    found = {p.path.name for p in packages}
    folders = sorted((root / "packages").iterdir()) if (root / "packages").is_dir() else []
    problems = [
        f"{rel(folder, root)}: a package folder without pyproject.toml"
        for folder in folders
        if folder.is_dir() and folder.name not in found and not folder.name.startswith(".")
    ]
    mypy_files = _mypy_files(root)
    for package in packages:
        problems.extend(check_package(package, root, mypy_files))
    return problems


def main() -> int:
    return report("packages", check_packages(root_from_argv()))


if __name__ == "__main__":
    raise SystemExit(main())
