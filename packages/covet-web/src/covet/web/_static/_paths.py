"""Mapping a URL path to a file under a root directory, and never outside it.

The server has already percent-decoded the path, so ``%2e%2e`` arrives as ``..`` and is
refused like a literal one; a double-encoded ``%252e`` stays the literal name ``%2e``. NUL
bytes, backslashes and (unless allowed) dot-files are refused. A symlink may point outside
the root only when ``follow_symlinks`` is set.
"""

from __future__ import annotations

import os
import stat as stat_module
from dataclasses import dataclass

__all__ = ["Found", "resolve", "stat_file"]


@dataclass(frozen=True, slots=True)
class Found:
    """A regular file found for a request: where it is and its ``stat``."""

    path: str
    stat: os.stat_result


def resolve(root: str, relative: str, *, follow_symlinks: bool, hidden: bool) -> str | None:
    """The filesystem path for URL path ``relative`` under ``root`` (a real path), or None.

    None when the path tries to leave the root or names something we never serve.
    """
    if "\0" in relative or "\\" in relative:
        return None
    parts: list[str] = []
    for part in relative.split("/"):
        if part in ("", "."):
            continue
        if part == ".." or (part.startswith(".") and not hidden):
            return None
        parts.append(part)
    candidate = os.path.join(root, *parts)
    if follow_symlinks:
        return candidate  # no ".." left, so lexically inside the root
    try:
        real = os.path.realpath(candidate)
    except (OSError, ValueError):
        return None
    if real != root and not real.startswith(root + os.sep):
        return None
    return real


def stat_file(path: str) -> os.stat_result | None:
    """``os.stat(path)`` if it is a regular file, else None (missing, a directory, bad name)."""
    try:
        result = os.stat(path)
    except (OSError, ValueError):  # ValueError: a name the filesystem cannot encode
        return None
    return result if stat_module.S_ISREG(result.st_mode) else None


def is_directory(path: str) -> bool:
    """Whether ``path`` is a directory (False for anything unreadable)."""
    try:
        return os.path.isdir(path)
    except (OSError, ValueError):
        return False
