"""Where things are in the Covet workspace: its packages and their modules.

Shared by the checks in this folder. A package is a folder ``packages/<dist>/`` with a
``pyproject.toml``; its code lives in ``src/covet/<name>/`` (``covet`` is a PEP 420
namespace, so there is no ``src/covet/__init__.py``). The meta-package ``covet`` ships no
module of its own.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = "covet"
META_PACKAGE = "covet"


@dataclass(frozen=True)
class Module:
    """One ``.py`` file of a package, by dotted name."""

    name: str
    path: Path

    @property
    def is_public(self) -> bool:
        """No part of the dotted path starts with an underscore (``__init__`` excepted)."""
        return not any(part.startswith("_") for part in self.name.split("."))

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


@dataclass(frozen=True)
class Package:
    """One workspace member: ``packages/<dist>/``."""

    dist: str
    path: Path
    pyproject: dict[str, Any] = field(repr=False, compare=False)

    @property
    def src(self) -> Path:
        return self.path / "src"

    @property
    def module_dirs(self) -> list[Path]:
        """The ``src/covet/<name>/`` folders this package ships (normally exactly one)."""
        namespace_dir = self.src / NAMESPACE
        if not namespace_dir.is_dir():
            return []
        return sorted(
            child
            for child in namespace_dir.iterdir()
            if child.is_dir() and child.name != "__pycache__"
        )

    @property
    def expected_module(self) -> str | None:
        """``packages/covet-db`` -> ``covet.db``; the meta-package ships none."""
        folder = self.path.name
        prefix = f"{NAMESPACE}-"
        if folder == META_PACKAGE or not folder.startswith(prefix):
            return None
        return f"{NAMESPACE}.{folder[len(prefix) :].replace('-', '_')}"

    @property
    def top_modules(self) -> list[str]:
        """Dotted names of the shipped top-level packages (``covet.db``)."""
        return [f"{NAMESPACE}.{d.name}" for d in self.module_dirs]

    def modules(self) -> Iterator[Module]:
        """Every ``.py`` file under ``src/covet/``, sorted by dotted name."""
        namespace_dir = self.src / NAMESPACE
        found = []
        for path in namespace_dir.rglob("*.py"):
            rel = path.relative_to(self.src).with_suffix("")
            parts = list(rel.parts)
            if "__pycache__" in parts:
                continue
            if parts[-1] == "__init__":
                parts.pop()
            found.append(Module(".".join(parts), path))
        yield from sorted(found, key=lambda m: m.name)

    def declared_dependencies(self) -> tuple[list[str], dict[str, list[str]]]:
        """(required requirement strings, {extra: requirement strings})."""
        project = self.pyproject.get("project", {})
        required = list(project.get("dependencies", []))
        extras = {k: list(v) for k, v in project.get("optional-dependencies", {}).items()}
        return required, extras


def discover_packages(root: Path = ROOT) -> list[Package]:
    """The workspace members under ``root/packages``, sorted by distribution name."""
    packages = []
    for pyproject_path in sorted((root / "packages").glob("*/pyproject.toml")):
        data = tomllib.loads(pyproject_path.read_text(encoding="utf-8"))
        dist = data.get("project", {}).get("name", pyproject_path.parent.name)
        packages.append(Package(dist=dist, path=pyproject_path.parent, pyproject=data))
    return packages


def requirement_name(requirement: str) -> str:
    """The normalized project name of a PEP 508 requirement string."""
    name = requirement.strip()
    for stop in "[<>=!~;@ (":
        name = name.split(stop, 1)[0]
    return name.strip().lower().replace("_", "-").replace(".", "-")


def rel(path: Path, root: Path = ROOT) -> str:
    """``path`` relative to ``root`` when it is inside it, for readable messages."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def report(title: str, problems: Sequence[str]) -> int:
    """Print the outcome of a check run as a script; the process exit status."""
    if problems:
        print(f"{title}: {len(problems)} problem(s)")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"{title}: ok")
    return 0


def root_from_argv(argv: Sequence[str] | None = None) -> Path:
    """``--root PATH`` from the command line, else the repository root."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--root" in args:
        return Path(args[args.index("--root") + 1]).resolve()
    return ROOT
