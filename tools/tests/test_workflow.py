"""The GitHub workflow parses and does what the issue asks of it."""

from __future__ import annotations

import os
from typing import Any

import pytest
from check_readme import readme_test_command
from repo_layout import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    try:
        import yaml  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        message = "PyYAML is not installed: add pyyaml to the dev group"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message} (CI=true: the workflow must be checked)")
        pytest.skip(f"SKIPPED, NOT TESTED: {message}")
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return loaded


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"].strip() for step in job["steps"] if "run" in step]


def test_triggers_on_push_and_pull_request(workflow: dict[str, Any]) -> None:
    # YAML 1.1 reads the bare key `on` as True.
    triggers = workflow["on"] if "on" in workflow else workflow[True]  # type: ignore[index]
    assert set(triggers) >= {"push", "pull_request"}


def test_lint_job_runs_ruff_and_mypy(workflow: dict[str, Any]) -> None:
    runs = _runs(workflow["jobs"]["lint"])
    assert "uv run ruff check ." in runs
    assert "uv run ruff format --check ." in runs
    assert "uv run mypy" in runs


def test_test_job_runs_the_readme_command_on_every_python_with_services(
    workflow: dict[str, Any],
) -> None:
    job = workflow["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == ["3.11", "3.12", "3.13"]
    assert job["services"]["postgres"]["image"] == "postgres:16"
    assert job["services"]["postgres"]["env"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
    assert job["services"]["postgres"]["env"]["POSTGRES_DB"] == "test"
    assert "--health-cmd" in job["services"]["postgres"]["options"]
    assert job["services"]["redis"]["image"] == "redis:7"
    assert job["env"]["CI"] == "true"
    assert job["env"]["COVET_TEST_POSTGRES_URL"].startswith("postgresql://")
    assert job["env"]["COVET_TEST_REDIS_URL"].startswith("redis://")
    uses = [step.get("uses", "") for step in job["steps"]]
    assert any(u.startswith("astral-sh/setup-uv@") for u in uses)
    runs = _runs(job)
    assert "uv sync --frozen --all-packages" in runs
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert runs[-1] == readme_test_command(readme)


def test_every_package_is_checked_alone(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["package-alone"]
    assert job["needs"] == "discover"
    assert "fromJSON(needs.discover.outputs.packages)" in job["strategy"]["matrix"]["package"]
    assert _runs(job) == ["python tools/checks/check_isolation.py ${{ matrix.package }}"]
    listing = _runs(workflow["jobs"]["discover"])[0]
    assert 'glob("*/pyproject.toml")' in listing
