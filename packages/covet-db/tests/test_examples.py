"""The README's Quickstart runs examples/hello_db.py: it must keep working as written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "hello_db.py"


def run_example(cwd: Path, env_url: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COVET_DATABASE_URL"}
    if env_url is not None:
        env["COVET_DATABASE_URL"] = env_url
    return subprocess.run(
        [sys.executable, str(EXAMPLE)], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_hello_db_on_the_embedded_default(tmp_path: Path) -> None:
    result = run_example(tmp_path, None)
    assert result.returncode == 0, result.stderr
    assert "sqlite:///./covet.db" in result.stdout
    assert "refused a duplicate e-mail: UniqueViolation" in result.stdout
    assert result.stdout.rstrip().endswith("2 users")
    assert (tmp_path / "covet.db").exists()
    # a second run starts clean and prints the same
    again = run_example(tmp_path, None)
    assert again.returncode == 0, again.stderr
    assert again.stdout == result.stdout


def test_hello_db_follows_covet_database_url(tmp_path: Path) -> None:
    result = run_example(tmp_path, f"sqlite:///{tmp_path / 'other.db'}")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "other.db").exists()
    assert not (tmp_path / "covet.db").exists()
