"""Handler parameters, validation and dependency injection (internal API).

The app and the routers use this package through three names:

``build_plan(endpoint, *, path_params, dependencies, app_context, connection_type=None,
thread=False) -> HandlerPlan``
    Called once per route at start-up. ``path_params`` maps each path parameter to its
    converter (with ``python_type``) or its type; ``dependencies`` are the app's and
    routers' ``Depends(fn)``, outer first (run in that order, before the handler's
    own); ``app_context`` (the app) is read for ``dependency_overrides``.

``HandlerPlan``
    ``await plan.run(request, exit_stack=None)`` returns the endpoint's value, or raises
    ``RequestValidationError`` (422), ``MalformedBodyError`` (400),
    ``UnsupportedMediaTypeError`` (415), ``UploadTooLargeError`` (413), all ``HTTPError``.
    ``plan.has_teardown``: generator dependencies need an exit stack; the app opens an
    ``AsyncExitStack``, passes it to ``run``, sends the response, then closes the stack
    (with the exception, if any). Without a stack, teardown runs when the endpoint returns.
    ``plan.is_trivial`` (no parameters, no dependencies; the app may call
    ``plan.endpoint()`` itself, awaiting it when ``plan.is_async``).
    OpenAPI: ``plan.parameters`` (``ParameterInfo``), ``plan.body`` (``RequestBody`` with
    ``BodyField``), ``plan.return_type`` (``None`` when not annotated) and
    ``plan.dependencies``.

The markers (``Query``, ``Header``, ``Cookie``, ``Path``, ``Body``, ``Form``, ``File``,
``Depends``, ``Validator``) are public through ``covet.web.params``.
"""

from ._errors import ErrorDetail as ErrorDetail
from ._errors import MalformedBodyError as MalformedBodyError
from ._errors import ParameterError as ParameterError
from ._errors import RequestValidationError as RequestValidationError
from ._errors import UnsupportedMediaTypeError as UnsupportedMediaTypeError
from ._errors import UploadTooLargeError as UploadTooLargeError
from ._markers import MISSING as MISSING
from ._markers import Body as Body
from ._markers import Cookie as Cookie
from ._markers import Depends as Depends
from ._markers import File as File
from ._markers import Form as Form
from ._markers import Header as Header
from ._markers import Param as Param
from ._markers import Path as Path
from ._markers import Query as Query
from ._markers import Validator as Validator
from ._plan import BodyField as BodyField
from ._plan import HandlerPlan as HandlerPlan
from ._plan import ParameterInfo as ParameterInfo
from ._plan import RequestBody as RequestBody
from ._plan import build_plan as build_plan

__all__ = [
    "MISSING",
    "Body",
    "BodyField",
    "Cookie",
    "Depends",
    "ErrorDetail",
    "File",
    "Form",
    "HandlerPlan",
    "Header",
    "MalformedBodyError",
    "Param",
    "ParameterError",
    "ParameterInfo",
    "Path",
    "Query",
    "RequestBody",
    "RequestValidationError",
    "UnsupportedMediaTypeError",
    "UploadTooLargeError",
    "Validator",
    "build_plan",
]
