"""The layers check and the import-linter contracts hold, and catch wrong imports."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from check_layers import LAYERS, allowed, check_layers, find_cycles
from repo_layout import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_workspace_layers_hold() -> None:
    problems = check_layers(ROOT)
    assert problems == [], "\n".join(problems)


def _lint_imports(
    cwd: Path, extra_path: list[Path] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the repository, or on a fake tree given as ``extra_path``.

    For a fake tree the interpreter starts without ``site`` (``-S``), so the workspace's
    editable installs (``.pth`` files) are not on the path: otherwise the real
    ``covet.web`` and a fake one would both be portions of the ``covet`` namespace and
    import-linter would scan either, at random.
    """
    args = [str(LINT_IMPORTS), "--config", str(ROOT / ".importlinter"), "--no-cache", "--no-logo"]
    env = dict(os.environ)
    if extra_path:
        site_packages = [p for p in sys.path if p.endswith("site-packages")]
        env["PYTHONPATH"] = os.pathsep.join([*map(str, extra_path), *site_packages])
        runner = "from importlinter.cli import lint_imports_command; lint_imports_command()"
        args = [sys.executable, "-S", "-c", runner, *args[1:]]
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=100,
    )


def test_import_linter_contracts_are_kept() -> None:
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_import_linter_layers_match_the_layer_table() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layers = config["importlinter:contract:layers"]["layers"]
    in_contract = {f"covet-{name}" for name in re.findall(r"covet\.(\w+)", layers)}
    in_table = {dist for dist in LAYERS if dist.startswith("covet-")}
    assert in_contract == in_table


def test_the_layer_table_is_the_design() -> None:
    assert allowed("covet-migrate") == {"covet-orm", "covet-db"}
    assert allowed("covet-graphql") == {"covet-web"}
    for base in ("covet-db", "covet-web", "covet-security", "covet-cache", "covet-observe"):
        assert allowed(base) == frozenset()


IMPORT_FORMS = {
    "module-level": "from covet.orm import Model\n",
    "plain-import": "import covet.orm.fields\n",
    "in-a-function": "def f() -> None:\n    import covet.orm\n",
    "type-checking": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from covet.orm import Model\n",
    "import-module": "import importlib\nimportlib.import_module('covet.orm')\n",
}


@pytest.mark.parametrize("source", IMPORT_FORMS.values(), ids=IMPORT_FORMS.keys())
def test_catches_an_undeclared_import_in_any_form(fake_repo, source: str) -> None:  # type: ignore[no-untyped-def]
    fake_repo.package("covet-db", {"_pool.py": source})
    fake_repo.package("covet-orm", {}, dependencies=["covet-db"])
    problems = check_layers(fake_repo.root)
    assert len(problems) == 1, problems
    assert "packages/covet-db/src/covet/db/_pool.py:" in problems[0]
    assert "but covet-db does not declare covet-orm" in problems[0]


def test_catches_a_required_dependency_against_the_layers(fake_repo) -> None:  # type: ignore[no-untyped-def]
    fake_repo.package(
        "covet-db", {"_x.py": "from covet.orm import Model\n"}, dependencies=["covet-orm>=0.1"]
    )
    fake_repo.package("covet-orm", {"_m.py": "import covet.db\n"}, dependencies=["covet-db"])
    problems = check_layers(fake_repo.root)
    assert len(problems) == 1, problems
    assert "covet-db requires covet-orm, which the layer order of DESIGN.md forbids" in problems[0]


def test_allows_what_the_design_allows(fake_repo) -> None:  # type: ignore[no-untyped-def]
    fake_repo.package("covet-db", {"_x.py": "import asyncio\n"})
    fake_repo.package(
        "covet-orm", {"_m.py": "from covet.db import errors\n"}, dependencies=["covet-db"]
    )
    # migrate -> orm -> db: migrate may use covet.db directly once it declares it.
    fake_repo.package(
        "covet-migrate",
        {"_m.py": "import covet.orm\nfrom covet.db import errors\n"},
        dependencies=["covet-orm", "covet-db"],
    )
    fake_repo.package("covet-web", {"_app.py": "import json\n"})
    # Glue behind an optional extra (covet-security[web]) is allowed.
    fake_repo.package(
        "covet-security",
        {"_web.py": "from covet.web import App\n"},
        extras={"web": ["covet-web"]},
    )
    assert check_layers(fake_repo.root) == []


def test_catches_a_package_missing_from_the_layer_table(fake_repo) -> None:  # type: ignore[no-untyped-def]
    fake_repo.package("covet-mail", {})
    problems = check_layers(fake_repo.root)
    assert problems and "covet-mail is not in the layer table" in problems[0]


def test_catches_an_import_cycle_inside_a_package(fake_repo) -> None:  # type: ignore[no-untyped-def]
    fake_repo.package(
        "covet-db",
        {
            "_pool.py": "from ._conn import Connection\n",
            "_conn.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ._pool import Pool\n"
            ),
            "errors.py": "__all__ = []\n",
        },
    )
    problems = check_layers(fake_repo.root)
    assert len(problems) == 1, problems
    assert "import cycle in covet-db between covet.db._conn, covet.db._pool" in problems[0]
    assert (
        "covet.db._conn -> covet.db._pool (packages/covet-db/src/covet/db/_conn.py:3)"
        in problems[0]
    )


def test_catches_a_cycle_through_the_package_face(fake_repo) -> None:  # type: ignore[no-untyped-def]
    fake_repo.package(
        "covet-db",
        {
            "__init__.py": "from ._pool import Pool as Pool\n",
            "_pool.py": "def f() -> None:\n    from covet.db import Pool\n",
        },
    )
    problems = check_layers(fake_repo.root)
    assert len(problems) == 1 and "covet.db, covet.db._pool" in problems[0], problems


def test_relative_import_module_resolves(fake_repo) -> None:  # type: ignore[no-untyped-def]
    fake_repo.package(
        "covet-db",
        {
            "_drivers/__init__.py": "from importlib import import_module\nimport_module('._a', __name__)\n",
            "_drivers/_a.py": "from . import _b\n",
            "_drivers/_b.py": "from covet.db._drivers import _a\n",
        },
    )
    problems = check_layers(fake_repo.root)
    assert len(problems) == 1 and "covet.db._drivers._a, covet.db._drivers._b" in problems[0], (
        problems
    )


def test_find_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert find_cycles(edges) == [["a", "b", "c"], ["e"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_import_linter_catches_siblings_importing_each_other(fake_repo) -> None:  # type: ignore[no-untyped-def]
    web = fake_repo.package("covet-web", {"_app.py": "import covet.orm\n"})
    orm = fake_repo.package("covet-orm", {"_model.py": "X = 1\n"})
    done = _lint_imports(fake_repo.root, [web / "src", orm / "src"])
    assert done.returncode != 0, done.stdout
    assert "covet.web._app -> covet.orm" in done.stdout
