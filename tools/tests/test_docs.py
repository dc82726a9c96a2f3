"""Every ```python block of the documentation runs; the runner keeps its promises."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from check_docs import (
    MAX_SKIPPED_BLOCKS,
    all_skipped,
    doc_files,
    parse,
    run_doc,
    with_search_path,
)
from repo_layout import ROOT, rel

DOC_FILES = doc_files(ROOT)


def _run_file(path: Path, workdir: Path, request: pytest.FixtureRequest) -> str:
    """Run one file with the services it asks for; the failure report, or ''."""
    doc = parse(path, ROOT)
    assert doc.problems == [], "\n".join(doc.problems)
    urls = {name: request.getfixturevalue(f"{name}_url") for name in sorted(doc.services())}
    result = run_doc(doc, workdir, postgres_url=urls.get("postgres"), redis_url=urls.get("redis"))
    return "" if result.ok else result.output


@pytest.mark.parametrize("path", DOC_FILES, ids=[rel(p) for p in DOC_FILES])
def test_documentation_runs(path: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    failure = _run_file(path, tmp_path, request)
    if failure:
        pytest.fail(failure, pytrace=False)


def test_the_documentation_is_found() -> None:
    assert ROOT / "packages" / "covet-db" / "README.md" in DOC_FILES
    assert any(p.is_relative_to(ROOT / "docs") for p in DOC_FILES)


def test_few_blocks_are_skipped() -> None:
    skipped = all_skipped(ROOT)
    assert len(skipped) <= MAX_SKIPPED_BLOCKS, "skipped blocks:\n" + "\n".join(skipped)


def _doc(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "doc.md"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def _workdir(tmp_path: Path) -> Path:
    workdir = tmp_path / "work"
    workdir.mkdir()
    return workdir


def test_blocks_share_a_namespace_and_an_event_loop(tmp_path: Path) -> None:
    path = _doc(
        tmp_path,
        """
        # Title

        ```python
        import asyncio

        async def current_loop():
            return asyncio.get_running_loop()

        first = await current_loop()
        ```

        Text between blocks; a ```py block counts too.

        ```py
        assert await current_loop() is first
        ```
        """,
    )
    doc = parse(path, tmp_path)
    assert [b.line for b in doc.python_blocks] == [4, 15]
    result = run_doc(doc, _workdir(tmp_path))
    assert result.ok, result.output
    assert result.ran == 2


def test_a_failure_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = _doc(
        tmp_path,
        """
        # Title

        ```python
        x = 1
        ```

        ```python
        y = 2
        assert x == y, "x is not y"
        ```

        ```python
        raise SystemExit("never reached")
        ```
        """,
    )
    result = run_doc(parse(path, tmp_path), _workdir(tmp_path))
    assert not result.ok
    assert f"{path}:8: this block failed" in result.output
    assert f'File "{path}", line 9' in result.output
    assert "AssertionError: x is not y" in result.output
    assert "never reached" not in result.output


def test_each_file_gets_a_fresh_directory_and_sqlite_url(tmp_path: Path) -> None:
    workdir = _workdir(tmp_path)
    path = _doc(
        tmp_path,
        f"""
        ```python
        import os
        from pathlib import Path

        assert Path.cwd() == Path({str(workdir)!r})
        assert os.environ["COVET_DATABASE_URL"] == "sqlite:///" + str(Path.cwd() / "docs.db")
        Path("made-here.txt").write_text("x")
        ```
        """,
    )
    result = run_doc(parse(path, tmp_path), workdir)
    assert result.ok, result.output
    assert (workdir / "made-here.txt").exists()


def test_warnings_are_errors(tmp_path: Path) -> None:
    path = _doc(
        tmp_path, '```python\nimport warnings\nwarnings.warn("old", DeprecationWarning)\n```\n'
    )
    result = run_doc(parse(path, tmp_path), _workdir(tmp_path))
    assert not result.ok and "DeprecationWarning: old" in result.output


def test_a_block_that_hangs_times_out(tmp_path: Path) -> None:
    path = _doc(tmp_path, "```python\nx = 1\n```\n\n```python\nimport time\ntime.sleep(30)\n```\n")
    result = run_doc(parse(path, tmp_path), _workdir(tmp_path), timeout=2)
    assert not result.ok
    assert "timed out after 2 s" in result.output
    assert result.output.rstrip().endswith(f"{path}:6: running")


def test_skip_run_leaves_a_block_out(tmp_path: Path) -> None:
    path = _doc(
        tmp_path,
        """
        ```python
        ok = True
        ```

        <!-- skip-run: shows a signature, not code -->
        ```python
        raise RuntimeError("must not run")
        ```
        """,
    )
    doc = parse(path, tmp_path)
    assert doc.skipped() == [(6, "shows a signature, not code")]
    result = run_doc(doc, _workdir(tmp_path))
    assert result.ok and result.ran == 1, result.output


def test_file_level_markers(tmp_path: Path) -> None:
    path = _doc(
        tmp_path,
        """
        # Title
        <!-- requires: redis -->

        Intro text.

        ```python
        pass
        ```

        <!-- requires: postgres -->
        ```python
        pass
        ```
        """,
    )
    doc = parse(path, tmp_path)
    assert doc.problems == []
    assert doc.requires == {"redis"}
    assert [b.requires for b in doc.python_blocks] == [set(), {"postgres"}]
    assert doc.services() == {"redis", "postgres"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "# T\n\nText.\n\n<!-- requires: postgres -->\n\n```python\npass\n```\n",
            "doc.md:5: a run marker must be on the line right above a ```python block",
            id="blank-line-between",
        ),
        pytest.param(
            "# T\n\n<!-- requires: mysql -->\n```python\npass\n```\n",
            "doc.md:3: unknown service(s) ['mysql']",
            id="unknown-service",
        ),
        pytest.param(
            "# T\n\n<!-- skip-run -->\n```python\npass\n```\n",
            "doc.md:3: write <!-- skip-run: ... --> with a reason",
            id="skip-without-reason",
        ),
        pytest.param(
            "# T\n\n<!-- skip-run: output -->\n```text\nhello\n```\n",
            "doc.md:3: run markers apply to ```python blocks only, not ```text",
            id="marker-on-other-language",
        ),
        pytest.param(
            "# T\n\n```python\npass\n", "doc.md:3: code block never closed", id="unclosed"
        ),
        pytest.param(
            "# T\n\n```python\npass\n```\n<!-- requires: postgres -->\n",
            "doc.md:6: a run marker with no block below it",
            id="trailing-marker",
        ),
    ],
)
def test_marker_mistakes_are_reported(tmp_path: Path, text: str, expected: str) -> None:
    problems = parse(_doc(tmp_path, text), tmp_path).problems
    assert any(expected in p for p in problems), problems


def test_indented_blocks_in_lists_run(tmp_path: Path) -> None:
    path = _doc(
        tmp_path,
        """
        1. First:

           ```python
           if True:
               value = 3
           ```
        2. Then `assert value == 3`.
        """,
    )
    doc = parse(path, tmp_path)
    assert doc.python_blocks[0].code == "if True:\n    value = 3\n"
    assert run_doc(doc, _workdir(tmp_path)).ok


def test_with_search_path() -> None:
    assert with_search_path("postgresql://h/db", "s1") == "postgresql://h/db?search_path=s1"
    assert with_search_path("postgresql://h/db?x=1", "s1") == "postgresql://h/db?x=1&search_path=s1"


@pytest.mark.postgres
def test_postgres_blocks_run_in_a_fresh_schema(tmp_path: Path, postgres_url: str) -> None:
    path = _doc(
        tmp_path,
        """
        ```python
        import os
        assert os.environ["COVET_DATABASE_URL"].startswith("sqlite:///")
        ```

        <!-- requires: postgres -->
        ```python
        import psycopg

        url, _, options = os.environ["COVET_DATABASE_URL"].partition("?")
        schema = dict(o.split("=") for o in options.split("&"))["search_path"]
        with psycopg.connect(url) as conn:
            found = conn.execute(
                "SELECT count(*) FROM pg_namespace WHERE nspname = %s", [schema]
            ).fetchone()
        assert found == (1,), schema
        print("SCHEMA", schema)
        ```

        ```python
        assert os.environ["COVET_DATABASE_URL"].startswith("sqlite:///")
        raise SystemExit(schema)
        ```
        """,
    )
    doc = parse(path, tmp_path)
    assert doc.services() == {"postgres"}
    result = run_doc(doc, _workdir(tmp_path), postgres_url=postgres_url)
    # The last block fails on purpose, to hand the schema name out.
    assert f"{path}:21: this block failed" in result.output, result.output
    schema = result.output.split("SCHEMA ")[1].split()[0]
    assert schema.startswith("docs_")
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        left = conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [schema])
        assert left.fetchone() == (0,), "the schema is dropped afterwards"


def test_a_file_needing_a_service_gets_its_url(tmp_path: Path) -> None:
    path = _doc(tmp_path, "<!-- requires: redis -->\n```python\npass\n```\n")
    with pytest.raises(ValueError, match=r"needs \['redis'\]: pass their URLs"):
        run_doc(parse(path, tmp_path), _workdir(tmp_path))
