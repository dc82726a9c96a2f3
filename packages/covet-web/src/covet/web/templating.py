"""Jinja2 templates rendered asynchronously into HTML responses.

::

    templates = Templates("templates", static_files=static)

    @app.get("/")
    async def home(request: Request) -> HTMLResponse:
        return await templates.render(request, "home.html", {"user": user})

Inside a template, ``request``, ``url_for(name, **params)`` and ``static_url(path)`` are
always available. Needs the ``templates`` extra: ``pip install 'covet-web[templates]'``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._background import Background
from ._responses import HTMLResponse as _HTMLResponse
from .errors import MissingDependencyError

if TYPE_CHECKING:
    import jinja2

    from ._request import Request
    from .staticfiles import StaticFiles

__all__ = ["Templates"]


def _jinja2() -> Any:
    try:
        import jinja2
    except ImportError:
        raise MissingDependencyError("covet.web.templating", "jinja2", "templates") from None
    return jinja2


class Templates:
    """A directory (or several) of Jinja2 templates, rendered with async support.

    Autoescaping is on for ``.html``, ``.htm`` and ``.xml`` templates (and strings);
    compiled templates are cached (``cache_size``), and with ``auto_reload`` a template
    whose file changed is recompiled (handy in development). ``globals`` and ``filters``
    are added to the environment; ``static_files`` makes ``static_url`` map through that
    :class:`StaticFiles` manifest (otherwise it builds ``url_for("static", path=...)``).
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        *,
        auto_reload: bool = False,
        globals: Mapping[str, Any] | None = None,
        filters: Mapping[str, Callable[..., Any]] | None = None,
        static_files: StaticFiles | None = None,
        cache_size: int = 400,
    ) -> None:
        j2 = _jinja2()
        directories = [directory] if isinstance(directory, str | os.PathLike) else list(directory)
        self.static_files = static_files
        self.env: jinja2.Environment = j2.Environment(
            loader=j2.FileSystemLoader(directories),
            autoescape=j2.select_autoescape(("html", "htm", "xml"), default_for_string=True),
            enable_async=True,
            auto_reload=auto_reload,
            cache_size=cache_size,
        )
        self.env.globals["url_for"] = j2.pass_context(_url_for)
        self.env.globals["static_url"] = j2.pass_context(_static_url_for(static_files))
        if globals:
            self.env.globals.update(globals)
        if filters:
            self.env.filters.update(filters)

    def get_template(self, name: str) -> jinja2.Template:
        """The compiled template ``name`` (from the cache when it is there)."""
        return self.env.get_template(name)

    async def render_to_string(self, name: str, context: Mapping[str, Any] | None = None) -> str:
        """Render template ``name`` with ``context`` into a string."""
        return await self.get_template(name).render_async(dict(context or {}))

    async def render(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Background | None = None,
    ) -> _HTMLResponse:
        """Render ``name`` for ``request`` into an :class:`HTMLResponse`.

        The template sees ``context`` plus ``request``; ``url_for`` and ``static_url``
        resolve through the request.
        """
        values = dict(context or {})
        values["request"] = request
        content = await self.get_template(name).render_async(values)
        return _HTMLResponse(content, status_code, headers, media_type, background)


def _static_url_for(static_files: StaticFiles | None) -> Callable[[Mapping[str, Any], str], str]:
    def static_url(context: Mapping[str, Any], path: str) -> str:
        if static_files is not None:
            return static_files.static_url(path)
        return _url_for(context, "static", path=path)

    return static_url


def _url_for(context: Mapping[str, Any], name: str, /, **params: Any) -> str:
    request = context.get("request")
    if request is None:
        raise RuntimeError(
            "url_for() in a template needs the request: render with templates.render(request, ...)"
        )
    return str(request.url_for(name, **params))
