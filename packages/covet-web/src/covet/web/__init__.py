"""covet-web: an ASGI framework with typed routing, validation, DI, OpenAPI and WebSocket.

This module only re-exports; the code lives in private modules.
"""

from ._app import Covet as Covet
from ._background import BackgroundTasks as BackgroundTasks
from ._datastructures import Address as Address
from ._datastructures import Headers as Headers
from ._datastructures import MutableHeaders as MutableHeaders
from ._datastructures import QueryParams as QueryParams
from ._datastructures import State as State
from ._files import FileResponse as FileResponse
from ._form_limits import FormLimits as FormLimits
from ._forms import FormData as FormData
from ._forms import UploadFile as UploadFile
from ._plugins import Plugin as Plugin
from ._problem import ProblemResponse as ProblemResponse
from ._problem import problem_response as problem_response
from ._request import Request as Request
from ._responses import HTMLResponse as HTMLResponse
from ._responses import JSONResponse as JSONResponse
from ._responses import MsgPackResponse as MsgPackResponse
from ._responses import PlainTextResponse as PlainTextResponse
from ._responses import RedirectResponse as RedirectResponse
from ._responses import Response as Response
from ._routing import Converter as Converter
from ._routing import HTTPRoute as HTTPRoute
from ._routing import Mount as Mount
from ._routing import Router as Router
from ._routing import WebSocketRoute as WebSocketRoute
from ._routing import operation as operation
from ._stack import Middleware as Middleware
from ._streaming import EventSourceResponse as EventSourceResponse
from ._streaming import ServerSentEvent as ServerSentEvent
from ._streaming import StreamingResponse as StreamingResponse
from ._url import URL as URL
from .errors import ClientDisconnect as ClientDisconnect
from .errors import ConfigurationError as ConfigurationError
from .errors import HTTPError as HTTPError
from .errors import MissingDependencyError as MissingDependencyError
from .errors import RequestValidationError as RequestValidationError
from .errors import URLBuildError as URLBuildError
from .errors import WebError as WebError
from .openapi import OpenAPIConfig as OpenAPIConfig
from .params import Body as Body
from .params import Cookie as Cookie
from .params import Depends as Depends
from .params import File as File
from .params import Form as Form
from .params import Header as Header
from .params import MalformedBodyError as MalformedBodyError
from .params import ParameterError as ParameterError
from .params import Path as Path
from .params import Query as Query
from .params import UnsupportedMediaTypeError as UnsupportedMediaTypeError
from .params import UploadTooLargeError as UploadTooLargeError
from .params import Validator as Validator
from .staticfiles import StaticFiles as StaticFiles
from .templating import Templates as Templates
from .websockets import Broadcaster as Broadcaster
from .websockets import CloseCode as CloseCode
from .websockets import Room as Room
from .websockets import WebSocket as WebSocket
from .websockets import WebSocketDisconnect as WebSocketDisconnect

__all__ = [
    "URL",
    "Address",
    "BackgroundTasks",
    "Body",
    "Broadcaster",
    "ClientDisconnect",
    "CloseCode",
    "ConfigurationError",
    "Converter",
    "Cookie",
    "Covet",
    "Depends",
    "EventSourceResponse",
    "File",
    "FileResponse",
    "Form",
    "FormData",
    "FormLimits",
    "HTMLResponse",
    "HTTPError",
    "HTTPRoute",
    "Header",
    "Headers",
    "JSONResponse",
    "MalformedBodyError",
    "Middleware",
    "MissingDependencyError",
    "Mount",
    "MsgPackResponse",
    "MutableHeaders",
    "OpenAPIConfig",
    "ParameterError",
    "Path",
    "PlainTextResponse",
    "Plugin",
    "ProblemResponse",
    "Query",
    "QueryParams",
    "RedirectResponse",
    "Request",
    "RequestValidationError",
    "Response",
    "Room",
    "Router",
    "ServerSentEvent",
    "State",
    "StaticFiles",
    "StreamingResponse",
    "Templates",
    "URLBuildError",
    "UnsupportedMediaTypeError",
    "UploadFile",
    "UploadTooLargeError",
    "Validator",
    "WebError",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketRoute",
    "operation",
    "problem_response",
]
