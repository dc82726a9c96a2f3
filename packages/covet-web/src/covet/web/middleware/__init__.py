"""Built-in ASGI middleware: plain ASGI callables that compose with any ASGI app.

Each one wraps an app (``app = CompressionMiddleware(app)``), leaves ``lifespan`` alone,
runs the app in the same task (so context variables and background tasks behave) and
copies no body except where compression must.
"""

from ._compression import CompressionMiddleware as CompressionMiddleware
from ._compression import is_compressible as is_compressible
from ._https_redirect import HTTPSRedirectMiddleware as HTTPSRedirectMiddleware
from ._proxy_headers import ProxyHeadersMiddleware as ProxyHeadersMiddleware
from ._request_id import RequestIDMiddleware as RequestIDMiddleware
from ._request_id import current_request_id as current_request_id
from ._server_timing import ServerTimingMiddleware as ServerTimingMiddleware
from ._server_timing import add_server_timing as add_server_timing
from ._server_timing import server_timing as server_timing
from ._trusted_host import TrustedHostMiddleware as TrustedHostMiddleware

__all__ = [
    "CompressionMiddleware",
    "HTTPSRedirectMiddleware",
    "ProxyHeadersMiddleware",
    "RequestIDMiddleware",
    "ServerTimingMiddleware",
    "TrustedHostMiddleware",
    "add_server_timing",
    "current_request_id",
    "is_compressible",
    "server_timing",
]
