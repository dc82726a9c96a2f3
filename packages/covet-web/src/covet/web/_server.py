"""``app.run()``: serve with uvicorn for development (uvloop and httptools when installed).

The app is a plain ASGI callable; in production run any ASGI server directly
(``uvicorn module:app``, ``granian --interface asgi module:app``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .errors import ConfigurationError, MissingDependencyError

__all__ = ["import_string_for", "run"]


def import_string_for(app: object) -> str:
    """``"module:name"`` under which uvicorn can import ``app`` again (reload, workers)."""
    main = sys.modules.get("__main__")
    for attribute, value in list(vars(main).items()) if main is not None else []:
        if value is app and not attribute.startswith("_"):
            spec = getattr(main, "__spec__", None)
            if spec is not None and spec.name and spec.name != "__main__":
                return f"{spec.name}:{attribute}"
            file = getattr(main, "__file__", None)
            if file is not None:
                path = Path(file).resolve()
                if str(path.parent) not in sys.path:
                    sys.path.insert(0, str(path.parent))
                return f"{path.stem}:{attribute}"
    for module_name, module in list(sys.modules.items()):
        if module is main or module is None:
            continue
        for attribute, value in list(getattr(module, "__dict__", {}).items()):
            if value is app and not attribute.startswith("_"):
                return f"{module_name}:{attribute}"
    raise ConfigurationError(
        "reload and workers need the app importable by name: define it as a module-level "
        "variable (app = Covet()) or run `uvicorn module:app --reload` directly"
    )


def run(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    reload: bool = False,
    workers: int = 1,
    **uvicorn_options: Any,
) -> None:
    """Serve ``app`` with uvicorn until interrupted."""
    try:
        import uvicorn
    except ImportError:
        raise MissingDependencyError("app.run()", "uvicorn", "server") from None
    if workers < 1:
        raise ConfigurationError(f"workers must be at least 1, got {workers}")
    target: Any = app
    if reload or workers > 1:
        target = import_string_for(app)
    uvicorn_options.setdefault("lifespan", "on")
    uvicorn.run(target, host=host, port=port, reload=reload, workers=workers, **uvicorn_options)
