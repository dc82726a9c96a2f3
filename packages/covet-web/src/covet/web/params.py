"""Where handler parameters come from, how they are validated, and dependencies.

::

    from typing import Annotated
    from covet.web.params import Depends, Header, Query, Validator

    async def list_items(
        q: Annotated[str | None, Query(min_length=2)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        user_agent: Annotated[str | None, Header()] = None,   # reads User-Agent
        db: Annotated[Session, Depends(get_session)],
    ) -> list[Item]: ...

Without a marker, path parameters are matched by name, simple types (and lists of them)
come from the query string, structured types (dataclass, TypedDict, msgspec Struct,
pydantic model) from the JSON body, and a ``Request`` parameter receives the request.
"""

from ._params import MISSING as MISSING
from ._params import Body as Body
from ._params import Cookie as Cookie
from ._params import Depends as Depends
from ._params import File as File
from ._params import Form as Form
from ._params import Header as Header
from ._params import MalformedBodyError as MalformedBodyError
from ._params import Param as Param
from ._params import ParameterError as ParameterError
from ._params import Path as Path
from ._params import Query as Query
from ._params import RequestValidationError as RequestValidationError
from ._params import UnsupportedMediaTypeError as UnsupportedMediaTypeError
from ._params import UploadTooLargeError as UploadTooLargeError
from ._params import Validator as Validator

__all__ = [
    "MISSING",
    "Body",
    "Cookie",
    "Depends",
    "File",
    "Form",
    "Header",
    "MalformedBodyError",
    "Param",
    "ParameterError",
    "Path",
    "Query",
    "RequestValidationError",
    "UnsupportedMediaTypeError",
    "UploadTooLargeError",
    "Validator",
]
