"""The README check: the Quickstart's test command is the one CI runs.

The root ``README.md`` has a ``## Quickstart`` section with a ```sh (or bash, shell,
console) block whose last command line is the test command. ``.ci/run`` ends with exactly
that command (its last line that is not blank or a comment), and the GitHub workflow runs
it too.

Run: ``uv run python tools/checks/check_readme.py [--root PATH]``.
"""

from __future__ import annotations

import re
from pathlib import Path

from repo_layout import report, root_from_argv

SHELL_LANGUAGES = frozenset({"sh", "bash", "shell", "console"})
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_RUN_KEY = re.compile(r"^(-\s*)?run:\s*")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")


def _command_lines(block: list[str]) -> list[str]:
    commands = []
    for raw in block:
        line = raw.strip()
        if line.startswith("$ "):
            line = line[2:].strip()
        if line and not line.startswith("#"):
            commands.append(line)
    return commands


def readme_test_command(text: str) -> str:
    """The last command of the last shell block in the README's Quickstart section."""
    lines = text.splitlines()
    start = level = None
    for number, line in enumerate(lines):
        heading = _HEADING.match(line)
        if heading and heading[2].strip().lower() == "quickstart":
            start, level = number + 1, len(heading[1])
            break
    if start is None or level is None:
        raise ValueError("README.md has no '## Quickstart' section")
    blocks: list[tuple[str, list[str]]] = []  # (language, lines) of each fenced block
    fence: str | None = None
    for line in lines[start:]:
        if fence is None:
            heading = _HEADING.match(line)
            if heading and len(heading[1]) <= level:
                break
            opening = _FENCE.match(line)
            if opening:
                fence = opening[1]
                blocks.append((opening[2].lower(), []))
        elif line.strip().startswith(fence) and not line.strip().lstrip(fence[0]):
            fence = None
        else:
            blocks[-1][1].append(line)
    shell_blocks = [lines for language, lines in blocks if language in SHELL_LANGUAGES]
    commands = [c for c in map(_command_lines, shell_blocks) if c]
    if not commands:
        raise ValueError("README.md's Quickstart has no ```sh block with a command")
    return commands[-1][-1]


def ci_run_test_command(text: str) -> str:
    """The last line of ``.ci/run`` that is not blank or a comment."""
    lines = [line.strip() for line in text.splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    if not commands:
        raise ValueError(".ci/run runs nothing")
    return commands[-1]


def workflow_commands(text: str) -> set[str]:
    """Every line a GitHub workflow may run: ``run: cmd`` values and lines of ``run: |``
    blocks (a superset is fine: the test command must equal one of them)."""
    found = set()
    for line in text.splitlines():
        stripped = _RUN_KEY.sub("", line.strip()).strip()
        if stripped and not stripped.startswith("#"):
            found.add(stripped)
    return found


def check_readme(root: Path) -> list[str]:
    """Mismatches between the README's test command and the CI entries."""
    readme, ci_run = root / "README.md", root / ".ci" / "run"
    problems = [f"{p.relative_to(root)}: missing" for p in (readme, ci_run) if not p.is_file()]
    if problems:
        return problems
    try:
        command = readme_test_command(readme.read_text(encoding="utf-8"))
        ci_command = ci_run_test_command(ci_run.read_text(encoding="utf-8"))
    except ValueError as exc:
        return [str(exc)]
    if ci_command != command:
        problems.append(
            f".ci/run ends with {ci_command!r} but the README's Quickstart test command is "
            f"{command!r}; .ci/run must run exactly the README's command"
        )
    workflow = root / ".github" / "workflows" / "ci.yml"
    if workflow.is_file() and command not in workflow_commands(
        workflow.read_text(encoding="utf-8")
    ):
        problems.append(
            f".github/workflows/ci.yml: no step runs the README's test command {command!r}"
        )
    return problems


def main() -> int:
    return report("readme", check_readme(root_from_argv()))


if __name__ == "__main__":
    raise SystemExit(main())
