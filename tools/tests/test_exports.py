"""The exports check passes on the workspace and catches each kind of violation."""

from __future__ import annotations

import sys

import pytest
from check_exports import check_exports
from repo_layout import ROOT


def test_workspace_public_faces_are_deliberate() -> None:
    problems = check_exports(ROOT)
    assert problems == [], "\n".join(problems)


CLEAN = {
    "__init__.py": '''
        """A fake package: re-exports only."""
        from typing import TYPE_CHECKING

        from . import errors as errors
        from ._core import Thing as Thing
        from ._core import make as make

        if TYPE_CHECKING:
            from ._core import Alias as Alias

        __all__ = ["Thing", "errors", "make"]
        __version__ = "0.1.0"
    ''',
    "_core.py": '''
        from dataclasses import dataclass
        from enum import Enum

        Alias = int


        @dataclass
        class Thing:
            """A documented dataclass."""

            size: int


        class Color(Enum):
            """A documented enum."""

            RED = 1


        def make() -> Thing:
            """Make a thing."""
            return Thing(1)


        def helper() -> None:
            pass
    ''',
    "errors.py": '''
        """Errors."""

        from ._core import helper as _helper
        from ._core import Color as Color

        __all__ = ["Color", "FakeError"]


        class FakeError(Exception):
            """The root error."""
    ''',
}


def _problems(fake_repo, dist: str, **changes: str | None) -> list[str]:  # type: ignore[no-untyped-def]
    files = {k: v for k, v in (CLEAN | changes).items() if v is not None}
    fake_repo.package(dist, files)
    return check_exports(fake_repo.root)


def test_a_clean_fake_package_passes(fake_repo, unique_dist: str) -> None:  # type: ignore[no-untyped-def]
    assert _problems(fake_repo, unique_dist) == []


def test_fake_modules_do_not_stay_imported(fake_repo, unique_dist: str) -> None:  # type: ignore[no-untyped-def]
    _problems(fake_repo, unique_dist)
    module = "covet." + unique_dist.removeprefix("covet-")
    assert not [name for name in sys.modules if name.startswith(module)]
    assert str(fake_repo.root) not in " ".join(sys.path)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"public.py": '"""No __all__."""\nVALUE = 1\n'},
            "public module covet.{name}.public defines no __all__",
            id="missing-__all__",
        ),
        pytest.param(
            {"public.py": '"""Typo."""\n__all__ = ["Missing"]\n'},
            "covet.{name}.public.__all__ lists 'Missing', which does not exist",
            id="__all__-name-missing",
        ),
        pytest.param(
            {"public.py": '"""Twice."""\n__all__ = ["A", "A"]\nA = 1\n'},
            "covet.{name}.public.__all__ lists ['A'] more than once",
            id="__all__-duplicate",
        ),
        pytest.param(
            {"public.py": '"""Broken."""\nimport not_a_module_anywhere\n__all__ = []\n'},
            "public module covet.{name}.public fails to import: ModuleNotFoundError",
            id="import-fails",
        ),
        pytest.param(
            {"public.py": '"""Leaks."""\nfrom ._core import helper\n__all__ = []\n'},
            "public module covet.{name}.public hands out 'helper' from private module "
            "covet.{name}._core",
            id="private-leak-function",
        ),
        pytest.param(
            {
                "public.py": '"""Leaks."""\nfrom ._core import Thing\nDEFAULT = Thing(1)\n__all__ = []\n'
            },
            "hands out 'DEFAULT' from private module covet.{name}._core",
            id="private-leak-instance",
        ),
        pytest.param(
            {"public.py": '"""Undocumented."""\n__all__ = ["run"]\ndef run() -> None:\n    pass\n'},
            "covet.{name}.public.run has no docstring",
            id="function-docstring",
        ),
        pytest.param(
            {
                "public.py": '"""Dataclass."""\nfrom dataclasses import dataclass\n'
                '__all__ = ["Point"]\n@dataclass\nclass Point:\n    x: int\n'
            },
            "covet.{name}.public.Point has no docstring",
            id="dataclass-docstring-not-made-up",
        ),
        pytest.param(
            {"__init__.py": '"""Defines."""\n__all__ = ["f"]\ndef f() -> None:\n    """Doc."""\n'},
            "__init__.py defines 'f'; an __init__.py only re-exports",
            id="init-defines-function",
        ),
        pytest.param(
            {"_sub/__init__.py": "class Hidden:\n    pass\n"},
            "__init__.py defines 'Hidden'",
            id="private-init-defines-class",
        ),
        pytest.param(
            {"__init__.py": '"""Assigns."""\n__all__ = []\nSETTING = 3\n'},
            "__init__.py assigns a non-dunder name",
            id="init-assigns",
        ),
        pytest.param(
            {"nested/thing.py": '"""No init."""\n__all__ = []\n'},
            "holds modules but has no __init__.py",
            id="implicit-namespace-subpackage",
        ),
    ],
)
def test_catches(fake_repo, unique_dist: str, changes: dict[str, str], expected: str) -> None:  # type: ignore[no-untyped-def]
    name = unique_dist.removeprefix("covet-")
    problems = _problems(fake_repo, unique_dist, **changes)
    assert any(expected.format(name=name) in p for p in problems), "\n".join(problems)


def test_catches_a_covet_init_and_a_missing_py_typed(fake_repo, unique_dist: str) -> None:  # type: ignore[no-untyped-def]
    path = fake_repo.package(unique_dist, CLEAN)
    (path / "src" / "covet" / "__init__.py").write_text("")
    (path / "src" / "covet" / unique_dist.removeprefix("covet-") / "py.typed").unlink()
    problems = check_exports(fake_repo.root)
    assert any("'covet' is a PEP 420 namespace" in p for p in problems), problems
    assert any("missing py.typed" in p for p in problems), problems


def test_problems_name_the_file_and_line(fake_repo, unique_dist: str) -> None:  # type: ignore[no-untyped-def]
    init = '"""Doc."""\nfrom ._core import Thing as Thing\n\n__all__ = ["Thing"]\nX = 1\n'
    problems = _problems(fake_repo, unique_dist, **{"__init__.py": init})
    expected = (
        f"packages/{unique_dist}/src/covet/{unique_dist.removeprefix('covet-')}/__init__.py:5:"
    )
    assert any(p.startswith(expected) for p in problems), problems
