"""StaticFiles: validators, precompressed siblings, hashed names, Range, no traversal."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
from pathlib import Path

import brotli  # type: ignore[import-untyped]
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covet.web._types import Message
from covet.web.errors import ConfigurationError
from covet.web.staticfiles import IMMUTABLE, StaticFiles, build_manifest, main

from ._servers import serve
from ._web_asgi import body_of, headers_of, http_scope, run_asgi

CSS = b"body { color: rebeccapurple; }\n" * 50


def make_tree(root: Path) -> Path:
    """``root/static`` with assets, precompressed siblings and traps; ``root/secret.txt``."""
    static = root / "static"
    (static / "img").mkdir(parents=True)
    (static / "docs").mkdir()
    (static / "app.css").write_bytes(CSS)
    (static / "app.css.br").write_bytes(brotli.compress(CSS))
    (static / "app.css.gz").write_bytes(gzip.compress(CSS))
    (static / "img" / "logo.png").write_bytes(b"\x89PNG fake")
    (static / "docs" / "index.html").write_text("<h1>docs</h1>")
    (static / "404.html").write_text("<h1>nope</h1>")
    (static / ".env").write_text("SECRET=1")
    (root / "secret.txt").write_text("top secret")
    os.symlink(root / "secret.txt", static / "escape.txt")
    os.symlink(static / "app.css", static / "alias.css")
    return static


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    return make_tree(tmp_path)


async def fetch(
    app: StaticFiles, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> list[Message]:
    raw = [(b"host", b"testserver")] + [
        (k.encode(), v.encode()) for k, v in (headers or {}).items()
    ]
    return await run_asgi(app, http_scope(path, method=method, headers=raw))


def status(sent: list[Message]) -> int:
    return int(sent[0]["status"])


async def test_plain_file_with_validators_and_cache_control(static_dir: Path) -> None:
    sent = await fetch(StaticFiles(static_dir), "/app.css")
    headers = headers_of(sent)
    assert status(sent) == 200
    assert body_of(sent) == CSS
    assert headers["content-type"] == "text/css; charset=utf-8"
    assert headers["cache-control"] == "no-cache"
    assert headers["vary"] == "Accept-Encoding"  # siblings exist: the choice depends on it
    assert "etag" in headers and "last-modified" in headers
    png = headers_of(await fetch(StaticFiles(static_dir), "/img/logo.png"))
    assert png["content-type"] == "image/png"
    assert "vary" not in png


@pytest.mark.parametrize(
    ("accept", "encoding", "compressed"),
    [
        ("br, gzip", "br", brotli.compress),
        ("gzip", "gzip", None),
        ("br;q=0, gzip", "gzip", None),
        ("gzip;q=0.5, br;q=0.8", "br", brotli.compress),
        ("*", "br", brotli.compress),
        ("identity", None, None),
    ],
)
async def test_precompressed_siblings(
    static_dir: Path, accept: str, encoding: str | None, compressed: object
) -> None:
    sent = await fetch(StaticFiles(static_dir), "/app.css", {"accept-encoding": accept})
    headers = headers_of(sent)
    assert headers.get("content-encoding") == encoding
    assert headers["content-type"] == "text/css; charset=utf-8"
    assert headers["vary"] == "Accept-Encoding"
    body = body_of(sent)
    decoded = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding](body)
    assert decoded == CSS
    assert int(headers["content-length"]) == len(body)


async def test_each_variant_has_its_own_etag(static_dir: Path) -> None:
    files = StaticFiles(static_dir)
    tags = {
        headers_of(await fetch(files, "/app.css", {"accept-encoding": a}))["etag"]
        for a in ("br", "gzip", "identity")
    }
    assert len(tags) == 3


async def test_precompressed_can_be_turned_off(static_dir: Path) -> None:
    sent = await fetch(
        StaticFiles(static_dir, precompressed=False), "/app.css", {"accept-encoding": "br"}
    )
    assert "content-encoding" not in headers_of(sent)
    assert body_of(sent) == CSS


async def test_a_precompressed_file_asked_for_by_name_is_not_mislabelled(static_dir: Path) -> None:
    headers = headers_of(await fetch(StaticFiles(static_dir), "/app.css.gz"))
    assert headers["content-type"] == "application/gzip"
    assert "content-encoding" not in headers


async def test_conditional_and_range_requests(static_dir: Path) -> None:
    files = StaticFiles(static_dir)
    etag = headers_of(await fetch(files, "/app.css"))["etag"]
    not_modified = await fetch(files, "/app.css", {"if-none-match": etag})
    assert status(not_modified) == 304
    assert body_of(not_modified) == b""
    partial = await fetch(files, "/app.css", {"range": "bytes=-10"})
    assert status(partial) == 206
    assert body_of(partial) == CSS[-10:]
    unsatisfiable = await fetch(files, "/app.css", {"range": f"bytes={len(CSS)}-"})
    assert status(unsatisfiable) == 416
    assert headers_of(unsatisfiable)["content-range"] == f"bytes */{len(CSS)}"


async def test_head_and_other_methods(static_dir: Path) -> None:
    files = StaticFiles(static_dir)
    head = await fetch(files, "/app.css", method="HEAD")
    assert status(head) == 200
    assert body_of(head) == b""
    assert headers_of(head)["content-length"] == str(len(CSS))
    post = await fetch(files, "/app.css", method="POST")
    assert status(post) == 405
    assert headers_of(post)["allow"] == "GET, HEAD"
    assert headers_of(post)["content-type"] == "application/problem+json"


async def test_mounted_under_a_root_path(static_dir: Path) -> None:
    files = StaticFiles(static_dir)
    for path in ("/static/app.css", "/app.css"):  # current and older ASGI conventions
        sent = await run_asgi(files, http_scope(path, root_path="/static"))
        assert body_of(sent) == CSS


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/img/../../secret.txt",
        "/..",
        "/escape.txt",  # a symlink out of the root
        "/.env",
        "/img/.././.env",
        "/app.css\0.png",
        "/img\\..\\..\\secret.txt",
        "/missing.css",
        "/img",
        "/img/",
        "/" + "a" * 5000,
    ],
)
async def test_what_is_never_served(static_dir: Path, path: str) -> None:
    sent = await fetch(StaticFiles(static_dir), path)
    assert status(sent) == 404
    assert headers_of(sent)["content-type"] == "application/problem+json"
    assert b"secret" not in body_of(sent).lower()


async def test_symlinks_and_dot_files_when_allowed(static_dir: Path) -> None:
    assert body_of(await fetch(StaticFiles(static_dir), "/alias.css")) == CSS  # stays inside
    following = StaticFiles(static_dir, follow_symlinks=True)
    assert body_of(await fetch(following, "/escape.txt")) == b"top secret"
    assert status(await fetch(following, "/../secret.txt")) == 404
    assert body_of(await fetch(StaticFiles(static_dir, serve_hidden=True), "/.env")) == b"SECRET=1"


async def test_html_mode(static_dir: Path) -> None:
    files = StaticFiles(static_dir, html=True)
    index = await fetch(files, "/docs/")
    assert body_of(index) == b"<h1>docs</h1>"
    redirect = await fetch(files, "/docs")
    assert status(redirect) == 307
    assert headers_of(redirect)["location"] == "docs/"
    missing = await fetch(files, "/nothing/here")
    assert status(missing) == 404
    assert body_of(missing) == b"<h1>nope</h1>"
    assert headers_of(missing)["content-type"] == "text/html; charset=utf-8"


def test_missing_directory_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        StaticFiles(tmp_path / "nope")
    StaticFiles(tmp_path / "nope", check_dir=False)


def _contents_inside(root: Path) -> list[bytes]:
    return [p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.is_symlink()]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.lists(
        st.sampled_from(
            [
                "..",
                ".",
                "",
                "app.css",
                "img",
                "logo.png",
                "%2e%2e",
                "escape.txt",
                ".env",
                "\0",
                "secret.txt",
                "docs",
                "\\",
            ]
        )
        | st.text(max_size=12),
        max_size=6,
    ).map(lambda parts: "/" + "/".join(parts))
)
async def test_random_paths_never_fail_and_never_leave_the_root(
    static_dir: Path, path: str
) -> None:
    for files in (StaticFiles(static_dir), StaticFiles(static_dir, html=True)):
        sent = await fetch(files, path)
        code = status(sent)
        assert code in (200, 307, 404), (path, code)
        if code == 200:
            body = body_of(sent)
            assert body != b"top secret"
            inside = _contents_inside(static_dir)
            assert body in inside


# Hashed names and the manifest -------------------------------------------------------


async def test_build_manifest_and_immutable_hashed_names(static_dir: Path) -> None:
    manifest = build_manifest(static_dir)
    hashed = manifest["app.css"]
    assert (
        hashed.startswith("app.")
        and hashed.endswith(".css")
        and len(hashed) == len("app.12345678.css")
    )
    assert manifest["img/logo.png"].startswith("img/logo.")
    assert ".env" not in manifest and "app.css.br" not in manifest
    assert json.loads((static_dir / "manifest.json").read_text()) == manifest
    assert (static_dir / hashed).read_bytes() == CSS
    assert (static_dir / (hashed + ".br")).is_file()  # precompressed copies follow

    files = StaticFiles(static_dir, base_url="/assets/")
    assert files.static_url("app.css") == f"/assets/{hashed}"
    assert files.static_url("/img/logo.png") == f"/assets/{manifest['img/logo.png']}"
    assert files.static_url("not-in-manifest.js") == "/assets/not-in-manifest.js"
    cdn = StaticFiles(static_dir, cdn_url="https://cdn.example.com/")
    assert cdn.static_url("app.css") == f"https://cdn.example.com/static/{hashed}"

    sent = await fetch(files, f"/{hashed}", {"accept-encoding": "br"})
    assert headers_of(sent)["cache-control"] == IMMUTABLE
    assert headers_of(sent)["content-encoding"] == "br"
    assert headers_of(await fetch(files, "/app.css"))["cache-control"] == "no-cache"


def test_rebuilding_keeps_old_copies_and_never_hashes_twice(static_dir: Path) -> None:
    first = build_manifest(static_dir)
    again = build_manifest(static_dir)
    assert again == first
    (static_dir / "app.css").write_bytes(CSS + b"/* v2 */")
    third = build_manifest(static_dir)
    assert third["app.css"] != first["app.css"]
    assert (static_dir / first["app.css"]).is_file()
    assert not any(name.count(".") > 2 for name in third.values() if "/" not in name)


def test_manifest_cli(static_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build-manifest", str(static_dir)]) == 0
    assert "wrote manifest.json" in capsys.readouterr().out
    assert main(["build-manifest", str(static_dir / "nope")]) == 1
    assert "is not a directory" in capsys.readouterr().err


def test_a_broken_manifest_is_reported(static_dir: Path) -> None:
    (static_dir / "manifest.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="is not a manifest"):
        StaticFiles(static_dir)


# A real server -----------------------------------------------------------------------


async def test_under_uvicorn_with_ranges_precompression_and_encoded_traversal(
    static_dir: Path,
) -> None:
    async with (
        serve(StaticFiles(static_dir)) as base_url,
        httpx.AsyncClient(base_url=base_url) as http,
    ):
        whole = await http.get("/app.css", headers={"accept-encoding": "br"})
        assert whole.status_code == 200
        assert whole.headers["content-encoding"] == "br"
        assert whole.content == CSS  # httpx decoded the precompressed bytes

        part = await http.get(
            "/app.css", headers={"range": "bytes=5-14", "accept-encoding": "identity"}
        )
        assert part.status_code == 206
        assert part.content == CSS[5:15]
        assert part.headers["content-range"] == f"bytes 5-14/{len(CSS)}"

        multi = await http.get(
            "/app.css", headers={"range": "bytes=0-1,-2", "accept-encoding": "identity"}
        )
        assert multi.status_code == 206
        assert multi.headers["content-type"].startswith("multipart/byteranges")

        etag = whole.headers["etag"]
        again = await http.get("/app.css", headers={"accept-encoding": "br", "if-none-match": etag})
        assert again.status_code == 304

        # Raw requests: a client library would normalise these paths before sending.
        host, port = base_url.removeprefix("http://").split(":")
        for target in (
            "/%2e%2e/secret.txt",
            "/..%2fsecret.txt",
            "/img/%2E%2E/%2e%2e/secret.txt",
            "/escape.txt",
        ):
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            response = await reader.read()
            writer.close()
            await writer.wait_closed()
            assert response.startswith((b"HTTP/1.1 404", b"HTTP/1.1 400")), (target, response[:40])
            assert b"top secret" not in response
