"""The isolation check: each package installs and imports on its own.

For every package: build its wheel (``uv build``), check the wheel keeps ``covet`` a
namespace (no ``covet/__init__.py``) and ships ``py.typed``, install it into an empty
virtual environment with only its declared dependencies (the wheels of the covet packages
it requires, everything else from the index), and import every public module in it. A
module that needs an optional extra may instead raise ImportError saying what to
``pip install``. This catches a dependency that only the workspace happened to provide.

Run: ``uv run python tools/checks/check_isolation.py [--root PATH] [DIST ...]``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from repo_layout import (
    NAMESPACE,
    Package,
    discover_packages,
    report,
    requirement_name,
    root_from_argv,
)

# Runs inside the fresh environment: import each module, report as JSON.
_IMPORT_SCRIPT = """
import importlib, json, sys, traceback
import covet

def describe(exc):
    # Start the traceback at the first frame in an installed module, not in importlib.
    tb = exc.__traceback__
    while tb and (tb.tb_frame.f_code.co_filename.startswith("<")
                  or "importlib" in tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))

failures = {}
if getattr(covet, "__file__", None):
    failures["covet"] = f"covet is a regular package ({covet.__file__}), not a namespace"
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except ImportError as exc:
        if "pip install" not in str(exc):
            failures[name] = describe(exc)
    except BaseException as exc:
        failures[name] = describe(exc)
print(json.dumps(failures))
"""


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        raise RuntimeError("the isolation check needs uv on PATH (pip install uv)")
    return found


def _env() -> dict[str, str]:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT"):
        env.pop(name, None)
    return env


def _run(command: list[str], cwd: Path) -> tuple[bool, str, str]:
    """(succeeded, stdout, stdout and stderr) of a command."""
    done = subprocess.run(
        command, cwd=cwd, env=_env(), capture_output=True, text=True, check=False, timeout=300
    )
    return done.returncode == 0, done.stdout, (done.stdout + done.stderr).strip()


def public_modules(wheel: Path) -> list[str]:
    """Dotted names of the public modules a wheel ships."""
    names = []
    with zipfile.ZipFile(wheel) as archive:
        for entry in archive.namelist():
            if not entry.startswith(f"{NAMESPACE}/") or not entry.endswith(".py"):
                continue
            parts = entry[: -len(".py")].split("/")
            if parts[-1] == "__init__":
                parts.pop()
            if len(parts) > 1 and not any(p.startswith("_") for p in parts):
                names.append(".".join(parts))
    return sorted(names)


def wheel_problems(package: Package, wheel: Path) -> list[str]:
    """What is wrong with the wheel's file list."""
    with zipfile.ZipFile(wheel) as archive:
        entries = set(archive.namelist())
    problems = []
    if f"{NAMESPACE}/__init__.py" in entries:
        problems.append(f"{wheel.name}: ships {NAMESPACE}/__init__.py, breaking the namespace")
    for top in package.top_modules:
        folder = top.replace(".", "/")
        if f"{folder}/py.typed" not in entries:
            problems.append(f"{wheel.name}: does not ship {folder}/py.typed")
        if f"{folder}/__init__.py" not in entries:
            problems.append(f"{wheel.name}: does not ship {folder}/__init__.py")
    return problems


def _required_covet(package: Package, by_dist: dict[str, Package]) -> list[str]:
    """The covet distributions ``package`` needs installed, transitively."""
    needed: list[str] = []
    todo = [package]
    while todo:
        required, _ = todo.pop().declared_dependencies()
        for name in map(requirement_name, required):
            if name in by_dist and name not in needed:
                needed.append(name)
                todo.append(by_dist[name])
    return needed


def check_isolation(root: Path, workdir: Path, dists: list[str] | None = None) -> list[str]:
    """Build, install alone and import each package (all by default)."""
    uv = _uv()
    packages = discover_packages(root)
    by_dist = {p.dist: p for p in packages}
    unknown = sorted(set(dists or ()) - set(by_dist))
    if unknown:
        return [f"no such package(s): {', '.join(unknown)}; packages: {', '.join(by_dist)}"]
    selected = [by_dist[d] for d in dists] if dists else packages
    problems: list[str] = []
    wheels: dict[str, Path] = {}

    def wheel_of(package: Package) -> Path | None:
        if package.dist not in wheels:
            out = workdir / "wheels" / package.dist
            ok, _, output = _run([uv, "build", str(package.path), "--wheel", "-o", str(out)], root)
            built = sorted(out.glob("*.whl"))
            if not ok or len(built) != 1:
                problems.append(f"{package.dist}: `uv build --wheel` failed:\n{output}")
                return None
            wheels[package.dist] = built[0]
        return wheels[package.dist]

    for package in selected:
        wheel = wheel_of(package)
        if wheel is None:
            continue
        problems.extend(f"{package.dist}: {p}" for p in wheel_problems(package, wheel))
        siblings = [wheel_of(by_dist[d]) for d in _required_covet(package, by_dist)]
        if None in siblings:
            continue
        venv = workdir / f"venv-{package.dist}"
        python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        steps = [
            [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
            [uv, "pip", "install", "--quiet", "--python", str(python), str(wheel)]
            + [str(s) for s in siblings],
        ]
        for step in steps:
            ok, _, output = _run(step, workdir)
            if not ok:
                problems.append(f"{package.dist}: `{' '.join(step[1:3])}` failed:\n{output}")
                break
        else:
            modules = public_modules(wheel)
            command = [str(python), "-I", "-W", "error", "-c", _IMPORT_SCRIPT, *modules]
            ok, stdout, output = _run(command, workdir)
            if not ok:
                problems.append(f"{package.dist}: importing in a clean venv crashed:\n{output}")
                continue
            failures: dict[str, str] = json.loads(stdout.splitlines()[-1])
            problems.extend(
                f"{package.dist}: {name} does not import with only the declared "
                f"dependencies installed:\n{detail}"
                for name, detail in sorted(failures.items())
            )
    return problems


def main() -> int:
    args = sys.argv[1:]
    if "--root" in args:
        del args[args.index("--root") : args.index("--root") + 2]
    with tempfile.TemporaryDirectory(prefix="covet-isolation-") as workdir:
        problems = check_isolation(root_from_argv(), Path(workdir), args or None)
    return report("isolation", problems)


if __name__ == "__main__":
    raise SystemExit(main())
