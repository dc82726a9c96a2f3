"""Routing: route definitions, routers, path converters and the matcher."""

from ._converters import Converter as Converter
from ._converters import ConverterRegistry as ConverterRegistry
from ._resources import operation as operation
from ._router import RouteOptions as RouteOptions
from ._router import Router as Router
from ._routes import HTTPRoute as HTTPRoute
from ._routes import Mount as Mount
from ._routes import WebSocketRoute as WebSocketRoute
from ._template import PathTemplate as PathTemplate
from ._template import parse_template as parse_template
from ._tree import Matcher as Matcher

__all__ = [
    "Converter",
    "ConverterRegistry",
    "HTTPRoute",
    "Matcher",
    "Mount",
    "PathTemplate",
    "RouteOptions",
    "Router",
    "WebSocketRoute",
    "operation",
    "parse_template",
]
