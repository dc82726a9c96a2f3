"""The README's Quickstart test command is exactly what .ci/run and the workflow run."""

from __future__ import annotations

import pytest
from check_readme import check_readme, ci_run_test_command, readme_test_command
from repo_layout import ROOT


def test_ci_runs_the_readme_test_command() -> None:
    problems = check_readme(ROOT)
    assert problems == [], "\n".join(problems)


def test_the_command_runs_pytest() -> None:
    command = readme_test_command((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "pytest" in command.split()


README = """\
# Thing

## Install

```sh
pip install thing
```

## Quickstart

Intro.

```python
print("not a shell block")
```

```sh
# set up
uv sync
uv run pytest -q
```

```text
output
```

### Details

```bash
$ uv run pytest --details
```

## Later

```sh
uv run something-else
```
"""


def test_readme_test_command_is_the_last_quickstart_command() -> None:
    assert readme_test_command(README) == "uv run pytest --details"
    assert readme_test_command(README.replace("### Details", "## Details")) == "uv run pytest -q"


def test_readme_without_quickstart_is_an_error() -> None:
    with pytest.raises(ValueError, match="no '## Quickstart' section"):
        readme_test_command("# Thing\n\n```sh\nuv run pytest\n```\n")
    with pytest.raises(ValueError, match="no ```sh block"):
        readme_test_command("# Thing\n\n## Quickstart\n\nNothing.\n")


def test_ci_run_test_command_is_its_last_line() -> None:
    script = "#!/bin/sh\nset -e\nuv sync --frozen\n\n# the test command\nuv run pytest\n# end\n\n"
    assert ci_run_test_command(script) == "uv run pytest"


def test_a_mismatch_is_reported(fake_repo) -> None:  # type: ignore[no-untyped-def]
    fake_repo.write("README.md", "# X\n\n## Quickstart\n\n```sh\nuv run pytest\n```\n")
    fake_repo.write(".ci/run", "#!/bin/sh\nuv run --frozen pytest -x\n")
    fake_repo.write(".github/workflows/ci.yml", "jobs: {}\n")
    problems = check_readme(fake_repo.root)
    assert problems == [
        ".ci/run ends with 'uv run --frozen pytest -x' but the README's Quickstart test "
        "command is 'uv run pytest'; .ci/run must run exactly the README's command",
        ".github/workflows/ci.yml: no step runs the README's test command 'uv run pytest'",
    ]
    fake_repo.write(".ci/run", "#!/bin/sh\nuv run pytest\n")
    fake_repo.write(".github/workflows/ci.yml", "steps:\n  - run: uv run pytest\n")
    assert check_readme(fake_repo.root) == []
