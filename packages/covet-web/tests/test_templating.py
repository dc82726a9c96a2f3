"""Templates: async Jinja2 rendering, escaping, caching, filters, url_for and static_url."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from covet.web import Covet, Request
from covet.web.errors import MissingDependencyError
from covet.web.staticfiles import StaticFiles, build_manifest
from covet.web.templating import Templates
from covet.web.testing import TestClient


@pytest.fixture
def template_dir(tmp_path: Path) -> Path:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text(
        '<a href="{{ url_for("page", name="x y") }}">{{ title }}</a>'
        '<link href="{{ static_url("app.css") }}">{{ name | shout }} {{ site }}'
    )
    (templates / "feed.xml").write_text("<title>{{ title }}</title>")
    (templates / "note.txt").write_text("{{ title }}")
    (templates / "async.html").write_text("{{ fetch_count() }}")
    (templates / "base.html").write_text("<main>{% block body %}{% endblock %}</main>")
    (templates / "child.html").write_text(
        '{% extends "base.html" %}{% block body %}{{ title }}{% endblock %}'
    )
    return templates


def make_app(templates: Templates, static: StaticFiles | None = None) -> Covet:
    app = Covet()

    @app.get("/page/{name}", name="page")
    async def page(request: Request, name: str) -> object:
        return await templates.render(
            request,
            "page.html",
            {"title": "<b>bold</b>", "name": name},
            status_code=201,
            headers={"x-rendered": "yes"},
        )

    if static is not None:
        app.mount("/static", static, name="static")
    return app


def test_render_escapes_and_resolves_urls(template_dir: Path, tmp_path: Path) -> None:
    static_dir = tmp_path / "static"
    static_dir.mkdir()
    (static_dir / "app.css").write_text("body{}")
    templates = Templates(template_dir, filters={"shout": str.upper}, globals={"site": "Covet"})
    with TestClient(make_app(templates, StaticFiles(static_dir))) as http:
        response = http.get("/page/ada")
    assert response.status_code == 201
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["x-rendered"] == "yes"
    assert response.text == (
        '<a href="http://testserver/page/x%20y">&lt;b&gt;bold&lt;/b&gt;</a>'
        '<link href="http://testserver/static/app.css">ADA Covet'
    )


def test_static_url_maps_through_the_manifest_and_cdn(template_dir: Path, tmp_path: Path) -> None:
    static_dir = tmp_path / "static"
    static_dir.mkdir()
    (static_dir / "app.css").write_text("body{}")
    hashed = build_manifest(static_dir)["app.css"]
    static = StaticFiles(static_dir, cdn_url="https://cdn.example.com")
    templates = Templates(
        template_dir, filters={"shout": str.upper}, globals={"site": ""}, static_files=static
    )
    with TestClient(make_app(templates, static)) as http:
        response = http.get("/page/ada")
        assert f'href="https://cdn.example.com/static/{hashed}"' in response.text
        asset = http.get(f"/static/{hashed}")
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_autoescape_by_extension(template_dir: Path) -> None:
    templates = Templates(template_dir)
    assert await templates.render_to_string("feed.xml", {"title": "a & b"}) == (
        "<title>a &amp; b</title>"
    )
    assert await templates.render_to_string("note.txt", {"title": "a & b"}) == "a & b"
    assert await templates.render_to_string("child.html", {"title": "<i>"}) == (
        "<main>&lt;i&gt;</main>"
    )


async def test_async_globals_are_awaited(template_dir: Path) -> None:
    async def fetch_count() -> int:
        return 42

    templates = Templates(template_dir, globals={"fetch_count": fetch_count})
    assert await templates.render_to_string("async.html") == "42"


async def test_templates_are_cached_unless_auto_reload(template_dir: Path) -> None:
    cached = Templates(template_dir)
    reloading = Templates(template_dir, auto_reload=True)
    assert cached.get_template("note.txt") is cached.get_template("note.txt")
    assert await cached.render_to_string("note.txt", {"title": "v1"}) == "v1"
    assert await reloading.render_to_string("note.txt", {"title": "v1"}) == "v1"
    _rewrite(template_dir / "note.txt", "changed {{ title }}")
    assert await cached.render_to_string("note.txt", {"title": "v1"}) == "v1"
    assert await reloading.render_to_string("note.txt", {"title": "v1"}) == "changed v1"


def _rewrite(path: Path, text: str) -> None:
    stat = path.stat()
    path.write_text(text)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


async def test_several_directories(template_dir: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "only-here.txt").write_text("extra")
    templates = Templates([template_dir, extra])
    assert await templates.render_to_string("only-here.txt") == "extra"


async def test_url_for_needs_the_request(template_dir: Path) -> None:
    templates = Templates(template_dir, filters={"shout": str.upper})
    with pytest.raises(RuntimeError, match=r"render with templates\.render\(request"):
        await templates.render_to_string("page.html", {"title": "", "name": ""})


def test_missing_jinja2_names_the_extra(
    template_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)  # what an absent package looks like
    with pytest.raises(MissingDependencyError, match=r"pip install 'covet-web\[templates\]'"):
        Templates(template_dir)
    with pytest.raises(ImportError):  # still catchable as the builtin
        Templates(template_dir)
