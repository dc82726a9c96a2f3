"""Run the Python blocks of one documentation file, in order, in one namespace.

Started by check_docs.py in a fresh interpreter (``python -I -W error``) and a fresh
working directory; reads the plan as JSON on stdin::

    {"file": "/abs/docs/db/pool.md",
     "blocks": [{"line": 12, "code": "...", "env": {"COVET_DATABASE_URL": "..."}}]}

``line`` is the file line of the block's first code line, so tracebacks point into the
Markdown file. Top-level ``await`` is allowed; every block runs on the same event loop,
so a pool opened in one block is usable in the next. The first failing block stops the
run: its traceback goes to stderr and the exit status is 1. Imports nothing from the
repository on purpose.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import os
import sys
import traceback
from types import CodeType, TracebackType
from typing import Any


def _compile(code: str, filename: str, line: int) -> CodeType:
    # Pad so that line numbers (and linecache, which reads the real file) match the file.
    source = "\n" * (line - 1) + code
    compiled: CodeType = compile(
        source, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    return compiled


def _trim(tb: TracebackType | None, filename: str) -> TracebackType | None:
    """The traceback from the documentation file's first frame on (no runner or asyncio
    frames above it), or all of it if the file has no frame (a syntax error)."""
    start = tb
    while start is not None and start.tb_frame.f_code.co_filename != filename:
        start = start.tb_next
    return start or tb


def run(plan: dict[str, Any]) -> int:
    filename = plan["file"]
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": filename}
    base_env = dict(os.environ)
    with asyncio.Runner() as runner:
        for block in plan["blocks"]:
            # On a timeout, the last of these lines says which block hung.
            print(f"{filename}:{block['line']}: running", flush=True)
            os.environ.clear()
            os.environ.update(base_env)
            os.environ.update(block["env"])
            try:
                code = _compile(block["code"], filename, block["line"])
                if code.co_flags & inspect.CO_COROUTINE:
                    runner.run(eval(code, namespace))
                else:
                    exec(code, namespace)
            except BaseException as exc:
                print(f"{filename}:{block['line']}: this block failed:", file=sys.stderr)
                traceback.print_exception(type(exc), exc, _trim(exc.__traceback__, filename))
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(run(json.load(sys.stdin)))
