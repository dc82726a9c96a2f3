"""Every package folder is a complete package, never an empty placeholder."""

from __future__ import annotations

from check_packages import check_packages
from repo_layout import ROOT, discover_packages


def test_workspace_packages_are_complete() -> None:
    problems = check_packages(ROOT)
    assert problems == [], "\n".join(problems)
    assert "covet-db" in {p.dist for p in discover_packages(ROOT)}


def _with_mypy(fake_repo, *dists: str) -> None:  # type: ignore[no-untyped-def]
    files = ", ".join(f'"packages/{d}/src"' for d in dists)
    fake_repo.write("pyproject.toml", f"[tool.mypy]\nfiles = [{files}]\n")


def test_a_complete_fake_package_passes(fake_repo) -> None:  # type: ignore[no-untyped-def]
    fake_repo.package("covet-db", {})
    _with_mypy(fake_repo, "covet-db")
    assert check_packages(fake_repo.root) == []


def test_catches_an_incomplete_package(fake_repo) -> None:  # type: ignore[no-untyped-def]
    fake_repo.package("covet-db", {}, complete=False)
    fake_repo.write("packages/covet-db/CHANGELOG.md", "\n")
    fake_repo.write("packages/covet-db/tests/test_nothing.py", "VALUE = 1\n")
    problems = "\n".join(check_packages(fake_repo.root))
    assert "packages/covet-db/README.md: missing or empty" in problems
    assert "packages/covet-db/CHANGELOG.md: missing or empty" in problems
    assert "missing src/covet/db/py.typed" in problems
    assert "packages/covet-db/tests: no test_*.py with a test function" in problems
    assert "[tool.mypy] files does not list 'packages/covet-db/src'" in problems


def test_catches_a_placeholder_and_a_misnamed_package(fake_repo) -> None:  # type: ignore[no-untyped-def]
    (fake_repo.root / "packages" / "covet-orm").mkdir()
    fake_repo.package("covet-web", {})
    fake_repo.write("packages/covet-web/src/covet/extra/__init__.py", "")
    pyproject = fake_repo.root / "packages" / "covet-web" / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('name = "covet-web"', 'name = "covet-www"'))
    _with_mypy(fake_repo, "covet-web")
    problems = "\n".join(check_packages(fake_repo.root))
    assert "packages/covet-orm: a package folder without pyproject.toml" in problems
    assert "[project] name is 'covet-www', expected the folder name 'covet-web'" in problems
    assert "packages/covet-web: ships ['extra'] besides covet.web" in problems


def test_the_meta_package_ships_no_module(fake_repo) -> None:  # type: ignore[no-untyped-def]
    fake_repo.write(
        "packages/covet/pyproject.toml",
        '[project]\nname = "covet"\nreadme = "README.md"\ndependencies = ["covet-db"]\n'
        '[build-system]\nbuild-backend = "hatchling.build"\n',
    )
    fake_repo.write("packages/covet/README.md", "# covet\n")
    fake_repo.write("packages/covet/CHANGELOG.md", "# Changelog\n")
    assert check_packages(fake_repo.root) == []
    fake_repo.write("packages/covet/src/covet/covet/__init__.py", "")
    assert check_packages(fake_repo.root) == [
        "packages/covet: the meta-package ships no module, found ['covet']"
    ]
