"""The plugin protocol: how higher packages extend an app without covet-web knowing them.

A plugin is any object with some of these methods (subclass :class:`Plugin` to inherit
do-nothing defaults):

- ``on_app_init(app)``: called once when the app is created; add routes, middleware,
  exception handlers or state here.
- ``openapi_schema(tp) -> dict | None``: the JSON schema of a type the plugin owns, or
  ``None`` to pass.
- ``encode(obj) -> Any``: a JSON/MessagePack-ready value for an object the plugin owns,
  or ``NotImplemented`` to pass.
- ``cli_commands() -> list``: commands for the ``covet`` command line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Plugin", "PluginHooks"]


class Plugin:
    """Base class for plugins; override the hooks you need.

    >>> class MoneyPlugin(Plugin):
    ...     def encode(self, obj: object) -> object:
    ...         return str(obj) if isinstance(obj, Money) else NotImplemented
    """

    def on_app_init(self, app: Any) -> None:
        """Called once, at the end of ``Covet(...)``."""

    def openapi_schema(self, tp: Any) -> dict[str, Any] | None:
        """The JSON schema for ``tp``, or ``None`` when this plugin does not own it."""
        return None

    def encode(self, obj: Any) -> Any:
        """A serializable stand-in for ``obj``, or ``NotImplemented``."""
        return NotImplemented

    def cli_commands(self) -> list[Any]:
        """Commands this plugin adds to the ``covet`` command line."""
        return []


def _overridden(plugin: object, name: str) -> Callable[..., Any] | None:
    """The plugin's ``name`` hook, unless it is missing or Plugin's do-nothing default."""
    hook = getattr(plugin, name, None)
    if hook is None or not callable(hook):
        return None
    if getattr(type(plugin), name, None) is getattr(Plugin, name):
        return None
    return hook  # type: ignore[no-any-return]


class PluginHooks:
    """The hooks of an app's plugins, collected once so callers loop over short tuples."""

    __slots__ = ("_cli", "_schema", "encoders", "plugins")

    def __init__(self, plugins: Sequence[object]) -> None:
        self.plugins: tuple[object, ...] = tuple(plugins)
        found = [(_overridden(p, "encode"), _overridden(p, "openapi_schema")) for p in plugins]
        self.encoders: tuple[Callable[[Any], Any], ...] = tuple(e for e, _ in found if e)
        self._schema: tuple[Callable[[Any], Any], ...] = tuple(s for _, s in found if s)
        self._cli = tuple(c for p in plugins if (c := _overridden(p, "cli_commands")))

    def init_app(self, app: Any) -> None:
        """Run every ``on_app_init`` hook."""
        for plugin in self.plugins:
            hook = _overridden(plugin, "on_app_init")
            if hook is not None:
                hook(app)

    def openapi_schema(self, tp: Any) -> dict[str, Any] | None:
        """The first schema a plugin gives for ``tp``."""
        for hook in self._schema:
            schema = hook(tp)
            if schema is not None:
                return schema  # type: ignore[no-any-return]
        return None

    def cli_commands(self) -> list[Any]:
        """Every plugin's CLI commands."""
        return [command for hook in self._cli for command in hook()]
