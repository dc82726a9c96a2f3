"""Fixtures for the repository checks: the checks on the path, and fake workspaces.

Each check is proven twice: it passes on this repository, and it catches a planted
violation in a small fake workspace written to ``tmp_path``.
"""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

CHECKS = Path(__file__).resolve().parents[1] / "checks"
if str(CHECKS) not in sys.path:
    sys.path.insert(0, str(CHECKS))


class FakeRepo:
    """A throwaway workspace: ``packages/<dist>/`` folders written on demand."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "packages").mkdir(parents=True, exist_ok=True)

    def write(self, relative: str, text: str) -> Path:
        """Write a file (dedented) relative to the workspace root."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def package(
        self,
        dist: str,
        files: Mapping[str, str] | None = None,
        *,
        dependencies: Iterable[str] = (),
        extras: Mapping[str, Iterable[str]] | None = None,
        complete: bool = True,
    ) -> Path:
        """Write ``packages/<dist>/``; ``files`` maps paths under ``src/covet/<name>/``
        to their source. ``complete`` adds README, CHANGELOG, py.typed and a test."""
        name = dist.removeprefix("covet-").replace("-", "_")
        base = f"packages/{dist}"
        extras_toml = "".join(
            f"{extra} = {list(reqs)!r}\n".replace("'", '"')
            for extra, reqs in (extras or {}).items()
        )
        pyproject = (
            "[project]\n"
            f'name = "{dist}"\n'
            'version = "0.1.0"\n'
            'readme = "README.md"\n'
            'requires-python = ">=3.11"\n'
            f"dependencies = {list(dependencies)!r}\n".replace("'", '"')
            + "\n[project.optional-dependencies]\n"
            + extras_toml
            + "\n[build-system]\n"
            'requires = ["hatchling>=1.25"]\n'
            'build-backend = "hatchling.build"\n'
            "\n[tool.hatch.build.targets.wheel]\n"
            'packages = ["src/covet"]\n'
        )
        self.write(f"{base}/pyproject.toml", pyproject)
        sources = {"__init__.py": '"""A fake package."""\n'} | dict(files or {})
        for relative, source in sources.items():
            self.write(f"{base}/src/covet/{name}/{relative}", source)
        if complete:
            self.write(f"{base}/README.md", f"# {dist}\n\nA fake package.\n")
            self.write(f"{base}/CHANGELOG.md", "# Changelog\n\n## 0.1.0\n- First.\n")
            self.write(f"{base}/src/covet/{name}/py.typed", "")
            self.write(f"{base}/tests/test_it.py", "def test_it() -> None:\n    assert True\n")
        return self.root / base


@pytest.fixture
def fake_repo(tmp_path: Path) -> FakeRepo:
    """An empty fake workspace in ``tmp_path``."""
    return FakeRepo(tmp_path / "repo")


@pytest.fixture
def unique_dist() -> str:
    """A distribution name no other test uses, so imported fake modules never clash."""
    return f"covet-fake{uuid.uuid4().hex[:10]}"
