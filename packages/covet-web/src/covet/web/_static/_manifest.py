"""Hashed asset names: ``app.css`` is copied to ``app.3f2a1b9c.css`` and recorded.

The copy's name changes whenever the content does, so it can be cached forever
(``immutable``); ``manifest.json`` maps each original name to its hashed copy, and
:meth:`StaticFiles.static_url` reads it to write links.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path, PurePosixPath

__all__ = ["MANIFEST_NAME", "build_manifest", "hashed_name", "load_manifest"]

MANIFEST_NAME = "manifest.json"
_PRECOMPRESSED = (".br", ".gz")


def hashed_name(relative: str, digest: str) -> str:
    """``css/app.min.css`` with digest ``3f2a1b9c`` → ``css/app.min.3f2a1b9c.css``."""
    path = PurePosixPath(relative)
    if path.suffix:
        return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))
    return f"{relative}.{digest}"


def _digest(path: Path, length: int) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            hasher.update(block)
    return hasher.hexdigest()[:length]


def load_manifest(directory: str | os.PathLike[str]) -> dict[str, str]:
    """The manifest of ``directory`` (``{}`` when there is none)."""
    path = Path(directory) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"{path} is not a manifest: expected a JSON object of names to names")
    return data


def build_manifest(directory: str | os.PathLike[str], *, hash_length: int = 8) -> dict[str, str]:
    """Copy every asset of ``directory`` to a content-hashed name and write ``manifest.json``.

    Returns the mapping (``{"app.css": "app.3f2a1b9c.css"}``, POSIX relative paths).
    Precompressed siblings (``app.css.br``, ``app.css.gz``) are copied alongside their
    asset; dot-files, the manifest and earlier hashed copies are skipped, so running it
    again after a change adds the new copies and keeps the old ones for clients still
    holding old pages. Also ``python -m covet.web.staticfiles build-manifest DIR``.
    """
    if not 4 <= hash_length <= 64:
        raise ValueError(f"hash_length must be 4..64, got {hash_length}")
    root = Path(directory)
    if not root.is_dir():
        raise NotADirectoryError(f"build_manifest: {root} is not a directory")
    previous = set(load_manifest(root).values())
    hashed_pattern = re.compile(rf"\.[0-9a-f]{{{hash_length}}}(\.[^./]+)?$")
    manifest: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if (
            not path.is_file()
            or relative == MANIFEST_NAME
            or relative in previous
            or path.suffix in _PRECOMPRESSED
            or any(part.startswith(".") for part in PurePosixPath(relative).parts)
        ):
            continue
        match = hashed_pattern.search(path.name)
        if match and (path.parent / (path.name[: match.start()] + (match.group(1) or ""))).exists():
            continue  # an earlier run's copy (its manifest may be gone)
        target = hashed_name(relative, _digest(path, hash_length))
        manifest[relative] = target
        shutil.copy2(path, root / target)
        for suffix in _PRECOMPRESSED:
            sibling = path.with_name(path.name + suffix)
            if sibling.is_file():
                shutil.copy2(sibling, root / (target + suffix))
    (root / MANIFEST_NAME).write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8"
    )
    return manifest
