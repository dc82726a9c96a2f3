"""The executable part of a plan: what :meth:`HandlerPlan.run` does per request.

Extract every parameter (collecting all errors), read the body once, run custom
validators, fail with one 422 listing everything, then solve the dependencies and call
the endpoint. No introspection happens here: every step was built at start-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any, Literal

from ..errors import HTTPError
from ._body import BodyStep
from ._di import DependencySolver
from ._errors import ErrorDetail, RequestValidationError
from ._markers import Validator
from ._sources import INVALID, Extractor

__all__ = ["Check", "EndpointKind", "Program"]

EndpointKind = Literal["sync", "async", "thread"]

Check = tuple[str, list[str | int], tuple[Validator, ...], Any]
"""(slot, loc, validators, default): the custom validators of one parameter."""


class Program:
    """The executable part of a plan (rebuilt, and cached, per set of overrides)."""

    __slots__ = (
        "body_step",
        "checks",
        "direct",
        "endpoint",
        "endpoint_args",
        "endpoint_kind",
        "extractors",
        "has_teardown",
        "solver",
    )

    def __init__(
        self,
        endpoint: Callable[..., Any],
        endpoint_kind: EndpointKind,
        endpoint_args: tuple[tuple[str, str], ...] | None,
        extractors: tuple[tuple[str, Extractor, list[str | int]], ...],
        body_step: BodyStep | None,
        checks: tuple[Check, ...],
        solver: DependencySolver | None,
    ) -> None:
        self.endpoint = endpoint
        self.endpoint_kind = endpoint_kind
        self.endpoint_args = endpoint_args
        self.extractors = extractors
        self.body_step = body_step
        self.checks = checks
        self.solver = solver
        self.has_teardown = solver is not None and solver.has_teardown
        self.direct = solver is None and endpoint_kind == "async"

    async def run(self, request: Any, exit_stack: AsyncExitStack | None = None) -> Any:
        errors: list[ErrorDetail] = []
        values: dict[str, Any] = {}
        for slot, extract, loc in self.extractors:
            try:
                values[slot] = extract(request, errors)
            except HTTPError:
                raise
            except Exception as exc:  # a converter must never turn bad input into a 500
                errors.append(
                    {"loc": list(loc), "msg": str(exc) or repr(exc), "type": "value_error"}
                )
        if self.body_step is not None:
            await self.body_step(request, values, errors)
        if self.checks:
            await _run_checks(self.checks, values, errors)
        if errors:
            raise RequestValidationError(errors)
        if self.direct:  # the common case, without a frame for _call
            return await self.endpoint(**values)
        solver = self.solver
        if solver is None:
            return await self._call(values)
        if exit_stack is None and self.has_teardown:
            # No stack from the app (a WebSocket, a direct call): tear down on return.
            async with AsyncExitStack() as stack:
                await solver.solve(values, stack)
                return await self._call(values)
        await solver.solve(values, exit_stack if exit_stack is not None else _NO_STACK)
        return await self._call(values)

    async def _call(self, values: dict[str, Any]) -> Any:
        args = self.endpoint_args
        kwargs = values if args is None else {k: values[s] for k, s in args}
        kind = self.endpoint_kind
        if kind == "async":
            return await self.endpoint(**kwargs)
        if kind == "sync":
            return self.endpoint(**kwargs)
        return await asyncio.to_thread(self.endpoint, **kwargs)


_NO_STACK = AsyncExitStack()  # never entered: plans without teardown push nothing on it


async def _run_checks(
    checks: tuple[Check, ...], values: dict[str, Any], errors: list[ErrorDetail]
) -> None:
    for slot, loc, validators, default in checks:
        value = values.get(slot, INVALID)
        if value is INVALID or value is default:
            continue  # failed conversion already reported; defaults are trusted
        for validator in validators:
            try:
                value = validator.fn(value)
                if validator.is_async:
                    value = await value
            except (ValueError, TypeError, AssertionError) as exc:
                errors.append(
                    {"loc": list(loc), "msg": str(exc) or type(exc).__name__, "type": "value_error"}
                )
                value = INVALID
                break
        values[slot] = value
