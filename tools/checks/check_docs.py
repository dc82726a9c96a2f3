"""The docs check: every ```python block in the documentation runs.

Files: ``docs/**/*.md``, ``packages/*/README.md`` and the root ``README.md``. Rules:

- the blocks of one file run in order in one namespace (a later block may use names from
  an earlier one), on one event loop; top-level ``await`` is allowed;
- each file runs in a fresh interpreter and a fresh temporary working directory, with
  ``COVET_DATABASE_URL`` pointing at a SQLite file there, and warnings as errors;
- ``<!-- requires: postgres -->`` on the line right above a block (or in the file's header,
  among the title and other markers, for the whole file) runs it with
  ``COVET_DATABASE_URL`` set to the test PostgreSQL server, in a fresh schema
  (``?search_path=<schema>``) dropped afterwards; ``<!-- requires: redis -->`` sets
  ``COVET_REDIS_URL`` to the test Redis server; ``requires: postgres, redis`` for both;
- ``<!-- skip-run: reason -->`` leaves a block (or, in the header, the file) out; the
  reason is required, and at most ``MAX_SKIPPED_BLOCKS`` blocks in the repository may be
  skipped.

A marker anywhere else, an unknown service, or an unclosed fence is an error.

Run: ``uv run python tools/checks/check_docs.py [--root PATH] [FILE ...]``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from repo_layout import ROOT, rel, report, root_from_argv

PYTHON_LANGUAGES = frozenset({"python", "py", "python3"})
SERVICES = frozenset({"postgres", "redis"})
MAX_SKIPPED_BLOCKS = 3
FILE_TIMEOUT = 110.0  # seconds; pytest-timeout stops a test at 120
RUNNER = Path(__file__).resolve().with_name("run_doc_blocks.py")

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_MARKER = re.compile(r"^\s*<!--\s*(?P<kind>requires|skip-run)\b(?P<rest>.*?)-->\s*$")


@dataclass
class Block:
    """One fenced code block. ``line`` is the file line of its first code line."""

    fence_line: int
    line: int
    language: str
    code: str
    requires: set[str] = field(default_factory=set)
    skip_reason: str | None = None

    @property
    def is_python(self) -> bool:
        return self.language in PYTHON_LANGUAGES


@dataclass
class DocFile:
    """A parsed Markdown file: its blocks, file-wide markers and marker mistakes."""

    path: Path
    blocks: list[Block] = field(default_factory=list)
    requires: set[str] = field(default_factory=set)
    skip_reason: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def python_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b.is_python]

    def skipped(self) -> list[tuple[int, str]]:
        """(line, reason) of every Python block that will not run."""
        return [
            (b.fence_line, reason)
            for b in self.python_blocks
            if (reason := self.skip_reason or b.skip_reason)
        ]

    def to_run(self) -> list[Block]:
        if self.skip_reason:
            return []
        return [b for b in self.python_blocks if not b.skip_reason]

    def services(self) -> set[str]:
        """The services the blocks that run need."""
        return set().union(*(self.requires | b.requires for b in self.to_run()))


@dataclass(frozen=True)
class _Marker:
    line: int
    kind: str
    value: str


def _parse_marker(text: str, line: int, where: str, problems: list[str]) -> _Marker | None:
    match = _MARKER.match(text)
    if not match:
        return None
    kind, rest = match["kind"], match["rest"].strip()
    if not rest.startswith(":") or not rest[1:].strip():
        what = "a reason" if kind == "skip-run" else "a service (postgres, redis)"
        problems.append(f"{where}:{line}: write <!-- {kind}: ... --> with {what}")
        return _Marker(line, kind, "")
    value = rest[1:].strip()
    if kind == "requires":
        unknown = {s.strip() for s in value.split(",")} - SERVICES
        if unknown:
            problems.append(
                f"{where}:{line}: unknown service(s) {sorted(unknown)} in requires; "
                f"known: {', '.join(sorted(SERVICES))}"
            )
    return _Marker(line, kind, value)


def _apply(markers: list[_Marker], target: Block | DocFile) -> None:
    for marker in markers:
        if marker.kind == "requires":
            target.requires |= {s.strip() for s in marker.value.split(",")} & SERVICES
        elif marker.value:
            target.skip_reason = marker.value


def parse(path: Path, root: Path = ROOT) -> DocFile:
    """Read the fenced blocks and markers of one Markdown file."""
    doc = DocFile(path)
    where = rel(path, root)
    lines = path.read_text(encoding="utf-8").splitlines()
    pending: list[_Marker] = []
    in_header = True
    i = 0
    while i < len(lines):
        text = lines[i]
        number = i + 1
        marker = _parse_marker(text, number, where, doc.problems)
        if marker:
            pending.append(marker)
            i += 1
            continue
        opening = _FENCE_OPEN.match(text)
        if opening:
            fence, indent = opening["fence"], len(opening["indent"])
            language = (opening["info"].strip().split() or [""])[0].lower()
            closing = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
            body: list[str] = []
            j = i + 1
            while j < len(lines) and not closing.match(lines[j]):
                line = lines[j]
                strip = min(indent, len(line) - len(line.lstrip()))
                body.append(line[strip:])
                j += 1
            if j == len(lines):
                doc.problems.append(f"{where}:{number}: code block never closed")
            block = Block(number, number + 1, language, "\n".join(body) + "\n")
            if pending and not block.is_python:
                doc.problems.append(
                    f"{where}:{pending[0].line}: run markers apply to ```python blocks only, "
                    f"not ```{language or '(no language)'}"
                )
            _apply(pending, block)
            doc.blocks.append(block)
            pending = []
            in_header = False
            i = j + 1
            continue
        if pending:
            if in_header:
                _apply(pending, doc)
            else:
                doc.problems.append(
                    f"{where}:{pending[0].line}: a run marker must be on the line right above "
                    "a ```python block, or in the file's header for the whole file"
                )
            pending = []
        if text.strip() and not text.lstrip().startswith("#"):
            in_header = False
        i += 1
    if pending:
        doc.problems.append(f"{where}:{pending[0].line}: a run marker with no block below it")
    return doc


def doc_files(root: Path = ROOT) -> list[Path]:
    """The Markdown files whose Python blocks must run."""
    files = sorted((root / "docs").rglob("*.md"))
    files += sorted((root / "packages").glob("*/README.md"))
    if (root / "README.md").is_file():
        files.append(root / "README.md")
    return files


def with_search_path(url: str, schema: str) -> str:
    """``url`` with ``search_path=<schema>`` added to its query string."""
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


def _admin_url(url: str) -> str:
    # psycopg takes a libpq URI: no "+driver" in the scheme.
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


@dataclass(frozen=True)
class RunResult:
    """What running one documentation file gave."""

    returncode: int
    output: str
    ran: int

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class _Schema:
    """A fresh PostgreSQL schema for the life of the ``with`` block."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = f"docs_{uuid.uuid4().hex[:12]}"

    def _execute(self, sql: str) -> None:
        import psycopg  # only files that need PostgreSQL pay for the import

        with psycopg.connect(_admin_url(self.url), autocommit=True) as connection:
            connection.execute(sql)

    def __enter__(self) -> str:
        self._execute(f'CREATE SCHEMA "{self.name}"')
        return with_search_path(self.url, self.name)

    def __exit__(self, *exc_info: object) -> None:
        self._execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


def run_doc(
    doc: DocFile,
    workdir: Path,
    *,
    postgres_url: str | None = None,
    redis_url: str | None = None,
    timeout: float = FILE_TIMEOUT,
) -> RunResult:
    """Run the file's Python blocks in a fresh interpreter with ``workdir`` as its cwd.

    The caller provides the service URLs the file needs (``doc.services()``)."""
    blocks = doc.to_run()
    if not blocks:
        return RunResult(0, "", 0)
    missing = doc.services() - {
        name for name, url in (("postgres", postgres_url), ("redis", redis_url)) if url
    }
    if missing:
        raise ValueError(f"{doc.path} needs {sorted(missing)}: pass their URLs")
    sqlite_url = f"sqlite:///{workdir / 'docs.db'}"
    env = {**os.environ, "COVET_DATABASE_URL": sqlite_url}
    env.pop("PYTHONPATH", None)

    def run(database_url_pg: str | None) -> RunResult:
        plan_blocks = []
        for block in blocks:
            needs = doc.requires | block.requires
            block_env = {"COVET_DATABASE_URL": sqlite_url}
            if "postgres" in needs and database_url_pg:
                block_env["COVET_DATABASE_URL"] = database_url_pg
            if "redis" in needs and redis_url:
                block_env["COVET_REDIS_URL"] = redis_url
            plan_blocks.append({"line": block.line, "code": block.code, "env": block_env})
        plan = json.dumps({"file": str(doc.path), "blocks": plan_blocks})
        command = [sys.executable, "-I", "-W", "error", str(RUNNER)]
        try:
            done = subprocess.run(
                command,
                input=plan,
                capture_output=True,
                text=True,
                cwd=workdir,
                env=env,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            # TimeoutExpired carries bytes even when text=True.
            partial = "".join(
                part.decode(errors="replace") if isinstance(part, bytes) else part
                for part in (exc.stdout or b"", exc.stderr or b"")
            )
            return RunResult(
                -1, f"{rel(doc.path)}: timed out after {timeout:.0f} s\n{partial}", len(blocks)
            )
        printed = "".join(
            line
            for line in done.stdout.splitlines(keepends=True)
            if not line.endswith(": running\n")
        )
        output = done.stderr + (f"--- what the blocks printed ---\n{printed}" if printed else "")
        return RunResult(done.returncode, output, len(blocks))

    if "postgres" in doc.services():
        assert postgres_url is not None
        with _Schema(postgres_url) as schema_url:
            return run(schema_url)
    return run(None)


def all_skipped(root: Path = ROOT) -> list[str]:
    """``file:line: reason`` for every skipped Python block in the repository."""
    return [
        f"{rel(path, root)}:{line}: {reason}"
        for path in doc_files(root)
        for line, reason in parse(path, root).skipped()
    ]


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2.0
        ):
            return True
    except OSError:
        return False


def check_docs(root: Path, files: list[Path] | None = None) -> Iterator[str]:
    """Run the files (all of them by default); yield each problem."""
    postgres_url = os.environ.get(
        "COVET_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    redis_url = os.environ.get("COVET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    available = {
        "postgres": postgres_url if _reachable(postgres_url, 5432) else None,
        "redis": redis_url if _reachable(redis_url, 6379) else None,
    }
    for path in files or doc_files(root):
        doc = parse(path, root)
        yield from doc.problems
        unreachable = sorted(s for s in doc.services() if not available[s])
        if unreachable:
            yield f"{rel(path, root)}: not run, needs unreachable {', '.join(unreachable)}"
            continue
        with tempfile.TemporaryDirectory(prefix="covet-docs-") as workdir:
            result = run_doc(
                doc,
                Path(workdir),
                postgres_url=available["postgres"],
                redis_url=available["redis"],
            )
        if not result.ok:
            yield result.output.strip()
    skipped = all_skipped(root)
    if len(skipped) > MAX_SKIPPED_BLOCKS:
        yield f"{len(skipped)} skipped blocks, at most {MAX_SKIPPED_BLOCKS}: " + "; ".join(skipped)


def main() -> int:
    root = root_from_argv()
    args = sys.argv[1:]
    if "--root" in args:
        del args[args.index("--root") : args.index("--root") + 2]
    files = [Path(a).resolve() for a in args] or None
    return report("docs", list(check_docs(root, files)))


if __name__ == "__main__":
    raise SystemExit(main())
