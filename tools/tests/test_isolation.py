"""Each package builds to a wheel that installs and imports alone in an empty venv."""

from __future__ import annotations

from pathlib import Path

import pytest
from check_isolation import check_isolation, public_modules
from repo_layout import ROOT

pytestmark = pytest.mark.slow


def test_every_package_installs_and_imports_alone(tmp_path: Path) -> None:
    problems = check_isolation(ROOT, tmp_path)
    assert problems == [], "\n".join(problems)


def test_catches_an_undeclared_dependency_and_a_broken_namespace(fake_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = fake_repo.package(
        "covet-lonely",
        {
            "__init__.py": '"""Face."""\nfrom ._core import VALUE as VALUE\n__all__ = ["VALUE"]\n',
            "_core.py": "VALUE = 1\n",
            # Only the workspace happens to provide sqlglot; the wheel does not declare it.
            "parsing.py": "import sqlglot\n__all__ = []\n",
            # Optional extras may be missing if the module says what to install.
            "extra.py": (
                "try:\n    import asyncpg\nexcept ImportError as exc:\n"
                "    raise ImportError(\"pip install 'covet-lonely[pg]'\") from exc\n"
            ),
            "_private.py": "import not_installed_anywhere\n",
        },
    )
    (path / "src" / "covet" / "__init__.py").write_text("")
    problems = check_isolation(fake_repo.root, tmp_path)
    text = "\n".join(problems)
    assert "ships covet/__init__.py, breaking the namespace" in text
    assert "covet.lonely.parsing does not import" in text
    assert "No module named 'sqlglot'" in text
    assert "covet.lonely.extra" not in text
    assert "_private" not in text
    assert len(problems) == 3, text  # the two above, and covet being a regular package


def test_siblings_come_from_their_wheels(fake_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake_repo.package("covet-low", {"__init__.py": '"""Low."""\nLEVEL = 0\n__all__ = []\n'})
    fake_repo.package(
        "covet-high",
        {"__init__.py": '"""High."""\nfrom covet.low import LEVEL as LEVEL\n__all__ = ["LEVEL"]\n'},
        dependencies=["covet-low"],
    )
    assert check_isolation(fake_repo.root, tmp_path, ["covet-high"]) == []
    assert {p.name for p in (tmp_path / "wheels").iterdir()} == {"covet-high", "covet-low"}


def test_an_unknown_package_is_reported(fake_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake_repo.package("covet-low", {})
    assert check_isolation(fake_repo.root, tmp_path, ["covet-nope"]) == [
        "no such package(s): covet-nope; packages: covet-low"
    ]


def test_public_modules_of_a_wheel(tmp_path: Path) -> None:
    import zipfile

    wheel = tmp_path / "x-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in (
            "covet/x/__init__.py",
            "covet/x/api.py",
            "covet/x/_impl.py",
            "covet/x/_sub/mod.py",
            "covet/x/sub/__init__.py",
            "covet/x/py.typed",
        ):
            archive.writestr(name, "")
    assert public_modules(wheel) == ["covet.x", "covet.x.api", "covet.x.sub"]
