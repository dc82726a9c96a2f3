"""Serving a directory of static files: :class:`StaticFiles`, and hashed asset names.

::

    static = StaticFiles("static", base_url="/static", cdn_url="https://cdn.example.com")
    app.mount("/static", static, name="static")
    static.static_url("app.css")  # "https://cdn.example.com/static/app.3f2a1b9c.css"

Build the hashed copies and ``manifest.json`` at deploy time with :func:`build_manifest`
or ``python -m covet.web.staticfiles build-manifest static/``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from ._files import FileResponse as _FileResponse
from ._files import guess_media_type as _guess_media_type
from ._static._manifest import MANIFEST_NAME
from ._static._manifest import build_manifest as _build_manifest
from ._static._manifest import load_manifest as _load_manifest
from ._static._paths import is_directory as _is_directory
from ._static._paths import resolve as _resolve
from ._static._paths import stat_file as _stat_file
from ._types import Receive, Scope, Send
from .errors import ConfigurationError
from .middleware._compression import parse_accept_encoding as _parse_accept_encoding
from .middleware._replies import send_problem as _send_problem
from .middleware._replies import send_redirect as _send_redirect

__all__ = ["IMMUTABLE", "StaticFiles", "build_manifest", "main"]

IMMUTABLE = "public, max-age=31536000, immutable"
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


def build_manifest(directory: str | os.PathLike[str], *, hash_length: int = 8) -> dict[str, str]:
    """Copy every asset to a content-hashed name and write ``manifest.json``; return the map.

    ``build_manifest("static")`` → ``{"app.css": "app.3f2a1b9c.css", ...}``. Precompressed
    siblings are copied along; earlier copies are kept. Run it at deploy time.
    """
    return _build_manifest(directory, hash_length=hash_length)


@dataclass(frozen=True, slots=True)
class _Lookup:
    path: str
    stat: os.stat_result
    media_type: str
    encoding: str | None
    status_code: int
    vary: bool


class StaticFiles:
    """An ASGI app serving the files under ``directory`` (GET and HEAD).

    Answers with ``ETag``, ``Last-Modified`` and ``Cache-Control`` (``cache_control`` for
    ordinary names, ``immutable`` for a year for names from the manifest), 304 to
    conditional requests, 206 to ``Range``. With ``precompressed`` (default), a request
    accepting brotli or gzip gets ``app.css.br`` / ``app.css.gz`` when that file exists,
    with ``Vary: Accept-Encoding``. With ``html``, directories serve their ``index.html``
    and a ``404.html`` serves missing paths. Paths never leave ``directory``: ``..``, NUL
    bytes and dot-files are refused, and symlinks must stay inside unless
    ``follow_symlinks``.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        base_url: str = "/static",
        cdn_url: str | None = None,
        cache_control: str = "no-cache",
        precompressed: bool = True,
        html: bool = False,
        follow_symlinks: bool = False,
        serve_hidden: bool = False,
        check_dir: bool = True,
    ) -> None:
        self.directory = os.path.realpath(directory)
        if check_dir and not os.path.isdir(self.directory):
            raise ConfigurationError(
                f"StaticFiles directory {os.fspath(directory)!r} does not exist"
            )
        self.base_url = base_url.rstrip("/")
        self.cdn_url = cdn_url.rstrip("/") if cdn_url else None
        self.cache_control = cache_control
        self.precompressed = precompressed
        self.html = html
        self.follow_symlinks = follow_symlinks
        self.serve_hidden = serve_hidden
        self.manifest: dict[str, str] = {}
        self._immutable: frozenset[str] = frozenset()
        if os.path.isdir(self.directory):
            self.reload_manifest()

    def reload_manifest(self) -> None:
        """Read ``manifest.json`` again (done once at start-up; call after a rebuild)."""
        self.manifest = _load_manifest(self.directory)
        self._immutable = frozenset(self.manifest.values())

    def static_url(self, path: str) -> str:
        """The URL to link to for asset ``path``: hashed through the manifest, under the
        CDN base URL when one is set, else under ``base_url``.

        ``static_url("app.css")`` → ``"/static/app.3f2a1b9c.css"``.
        """
        relative = path.lstrip("/")
        name = self.manifest.get(relative, relative)
        return f"{self.cdn_url or ''}{self.base_url}/{quote(name)}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1000})
            return
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _send_problem(
                send,
                405,
                "Method Not Allowed",
                "Static files answer GET and HEAD only.",
                [(b"allow", b"GET, HEAD")],
            )
            return
        relative = _relative_path(scope)
        accept = _header(scope, b"accept-encoding") if self.precompressed else None
        found = await asyncio.to_thread(self._lookup, relative, accept)
        if found is None:
            await _send_problem(send, 404, "Not Found", "No file at this path.")
            return
        if isinstance(found, str):  # a directory in html mode: add the slash
            await _send_redirect(send, found, 307)
            return
        headers = {
            "cache-control": IMMUTABLE
            if relative.lstrip("/") in self._immutable
            else self.cache_control
        }
        if found.status_code != 200:
            headers["cache-control"] = "no-cache"
        if found.encoding is not None:
            headers["content-encoding"] = found.encoding
        if found.vary:
            headers["vary"] = "Accept-Encoding"
        response = _FileResponse(
            found.path,
            status_code=found.status_code,
            headers=headers,
            media_type=found.media_type,
            stat_result=found.stat,
        )
        await response(scope, receive, send)

    def _lookup(self, relative: str, accept: bytes | None) -> _Lookup | str | None:
        """Find the file for ``relative``, in a worker thread: every call here may block."""
        path = _resolve(
            self.directory, relative, follow_symlinks=self.follow_symlinks, hidden=self.serve_hidden
        )
        if path is None:
            return None
        stat = _stat_file(path)
        if stat is None and self.html and _is_directory(path):
            if not relative.endswith("/"):
                return relative.rsplit("/", 1)[-1] + "/"
            path = os.path.join(path, "index.html")
            stat = _stat_file(path)
        if stat is None:
            return self._not_found_page()
        media_type = _guess_media_type(path)
        if not self.precompressed:
            return _Lookup(path, stat, media_type, None, 200, False)
        return self._variant(path, stat, media_type, accept)

    def _variant(
        self, path: str, stat: os.stat_result, media_type: str, accept: bytes | None
    ) -> _Lookup:
        siblings = {name: _stat_file(path + suffix) for name, suffix in _ENCODINGS}
        vary = any(s is not None for s in siblings.values())
        if vary and accept:
            qualities = _parse_accept_encoding(accept.decode("latin-1"))
            wildcard = qualities.get("*", 0.0)
            ranked = sorted(
                (
                    (qualities.get(name, wildcard), -i, name)
                    for i, (name, _) in enumerate(_ENCODINGS)
                ),
                reverse=True,
            )
            for quality, _, name in ranked:
                sibling = siblings[name]
                if quality > 0 and sibling is not None:
                    suffix = dict(_ENCODINGS)[name]
                    return _Lookup(path + suffix, sibling, media_type, name, 200, True)
        return _Lookup(path, stat, media_type, None, 200, vary)

    def _not_found_page(self) -> _Lookup | None:
        if not self.html:
            return None
        path = os.path.join(self.directory, "404.html")
        stat = _stat_file(path)
        return _Lookup(path, stat, "text/html", None, 404, False) if stat else None


def _relative_path(scope: Scope) -> str:
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    # Current servers keep the mount prefix in both path and root_path; older ones drop it.
    if root_path and path.startswith(root_path):
        return path[len(root_path) :] or "/"
    return path


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


async def _lifespan(receive: Receive, send: Send) -> None:
    """Answer the lifespan protocol when StaticFiles is the whole application."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m covet.web.staticfiles build-manifest DIR``: hash assets, write the manifest."""
    parser = argparse.ArgumentParser(prog="python -m covet.web.staticfiles")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build-manifest", help=f"hash assets and write {MANIFEST_NAME}")
    build.add_argument("directory")
    build.add_argument("--hash-length", type=int, default=8)
    args = parser.parse_args(argv)
    try:
        manifest = build_manifest(args.directory, hash_length=args.hash_length)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    print(f"wrote {MANIFEST_NAME} with {len(manifest)} assets in {args.directory}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
