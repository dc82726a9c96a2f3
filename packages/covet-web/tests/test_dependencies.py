"""Dependency injection: sub-dependencies, per-request caching, classes, generator
teardown (order, exceptions), app/router dependencies, overrides, concurrency, threads."""

import asyncio
import threading
import types
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from typing import Annotated, Any

import pytest

from covet.web import Covet, Router
from covet.web._params import ParameterError, build_plan
from covet.web._request import Request
from covet.web.errors import HTTPError
from covet.web.params import Depends, Header, Query, RequestValidationError
from covet.web.testing import TestClient

from ._synthetic import make_request


async def test_sub_dependencies_and_their_parameters() -> None:
    def get_token(authorization: Annotated[str, Header()]) -> str:
        return authorization.removeprefix("Bearer ")

    async def get_user(
        token: Annotated[str, Depends(get_token)], verbose: bool = False
    ) -> dict[str, Any]:
        return {"token": token, "verbose": verbose}

    async def me(user: Annotated[dict[str, Any], Depends(get_user)], q: str = "") -> Any:
        return user, q

    plan = build_plan(me)
    request = make_request(query=b"verbose=true&q=x", headers=[("authorization", "Bearer t1")])
    assert await plan.run(request) == ({"token": "t1", "verbose": True}, "x")
    assert {(p.location, p.name) for p in plan.parameters} == {
        ("header", "Authorization"),
        ("query", "verbose"),
        ("query", "q"),
    }
    assert plan.dependencies == (get_token, get_user)


async def test_dependency_parameter_errors_join_the_handlers() -> None:
    def paging(limit: Annotated[int, Query(le=50)] = 10) -> int:
        return limit

    async def handler(page: Annotated[int, Depends(paging)], q: int) -> None: ...

    with pytest.raises(RequestValidationError) as info:
        await build_plan(handler).run(make_request(query=b"limit=99&q=x"))
    assert [e["loc"] for e in info.value.errors] == [["query", "limit"], ["query", "q"]]


async def test_cached_once_per_request_unless_disabled() -> None:
    calls: list[str] = []

    async def counter() -> int:
        calls.append("c")
        return len(calls)

    def a(n: Annotated[int, Depends(counter)]) -> int:
        return n

    def b(n: Annotated[int, Depends(counter)]) -> int:
        return n

    async def handler(
        x: Annotated[int, Depends(a)],
        y: Annotated[int, Depends(b)],
        fresh: Annotated[int, Depends(counter, use_cache=False)],
    ) -> Any:
        return x, y, fresh

    plan = build_plan(handler)
    assert await plan.run(make_request()) == (1, 1, 2)
    assert await plan.run(make_request()) == (3, 3, 4)  # a new request, a new cache


async def test_class_dependencies() -> None:
    class Pagination:
        def __init__(self, limit: int = 10, offset: int = 0) -> None:
            self.limit = limit
            self.offset = offset

    async def handler(
        p: Annotated[Pagination, Depends()],
        explicit: Pagination = Depends(Pagination),  # noqa: B008
    ) -> Any:
        return p.limit, p.offset, p is explicit

    plan = build_plan(handler)
    assert await plan.run(make_request(query=b"limit=5")) == (5, 0, True)


async def test_callable_object_dependency() -> None:
    class Checker:
        def __init__(self, role: str) -> None:
            self.role = role

        async def __call__(self, x_role: Annotated[str, Header()]) -> bool:
            return x_role == self.role

    async def handler(ok: Annotated[bool, Depends(Checker("admin"))]) -> bool:
        return ok

    assert await build_plan(handler).run(make_request(headers=[("x-role", "admin")])) is True


async def test_generator_teardown_after_the_stack_closes_in_reverse_order() -> None:
    log: list[str] = []

    def db() -> Iterator[str]:
        log.append("db open")
        yield "db"
        log.append("db close")

    async def tx(conn: Annotated[str, Depends(db)]) -> AsyncIterator[str]:
        log.append("tx begin")
        yield f"tx on {conn}"
        log.append("tx commit")

    async def handler(t: Annotated[str, Depends(tx)]) -> str:
        log.append("handler")
        return t

    plan = build_plan(handler)
    assert plan.has_teardown
    async with AsyncExitStack() as stack:
        assert await plan.run(make_request(), stack) == "tx on db"
        log.append("response sent")
    assert log == ["db open", "tx begin", "handler", "response sent", "tx commit", "db close"]


async def test_exceptions_reach_generator_dependencies() -> None:
    log: list[str] = []

    async def tx() -> AsyncIterator[None]:
        try:
            yield
        except HTTPError as exc:
            log.append(f"rollback {exc.status}")
            raise
        else:
            log.append("commit")
        finally:
            log.append("finally")

    def resource() -> Iterator[None]:
        try:
            yield
        except HTTPError:
            log.append("resource saw error")  # swallowing does not hide the error

    async def handler(
        _r: Annotated[None, Depends(resource)], _t: Annotated[None, Depends(tx)]
    ) -> None:
        raise HTTPError(409, "conflict")

    plan = build_plan(handler)
    with pytest.raises(HTTPError) as info:
        async with AsyncExitStack() as stack:
            await plan.run(make_request(), stack)
    assert info.value.status == 409
    assert log == ["rollback 409", "finally", "resource saw error"]


async def test_error_while_sending_reaches_generators() -> None:
    seen: list[BaseException] = []

    async def dep() -> AsyncIterator[int]:
        try:
            yield 1
        except OSError as exc:
            seen.append(exc)
            raise

    async def handler(n: Annotated[int, Depends(dep)]) -> int:
        return n

    plan = build_plan(handler)

    async def respond() -> None:
        async with AsyncExitStack() as stack:
            await plan.run(make_request(), stack)
            raise OSError("client gone")  # what a failing send looks like to the app

    with pytest.raises(OSError, match="client gone"):
        await respond()
    assert len(seen) == 1


async def test_failing_dependency_tears_down_the_ones_before_it() -> None:
    log: list[str] = []

    def first() -> Iterator[None]:
        try:
            yield
        finally:
            log.append("first closed")

    def second(_f: Annotated[None, Depends(first)]) -> None:
        raise HTTPError(401, "no")

    async def handler(_s: Annotated[None, Depends(second)]) -> None: ...

    with pytest.raises(HTTPError):
        async with AsyncExitStack() as stack:
            await build_plan(handler).run(make_request(), stack)
    assert log == ["first closed"]


async def test_without_a_stack_teardown_runs_when_the_endpoint_returns() -> None:
    log: list[str] = []

    def dep() -> Iterator[None]:
        yield
        log.append("closed")

    async def handler(_d: Annotated[None, Depends(dep)]) -> str:
        log.append("handler")
        return "ok"

    assert await build_plan(handler).run(make_request()) == "ok"
    assert log == ["handler", "closed"]


async def test_generator_that_never_yields_is_a_clear_error() -> None:
    def broken() -> Iterator[None]:
        return
        yield  # pragma: no cover

    async def handler(_b: Annotated[None, Depends(broken)]) -> None: ...

    with pytest.raises(RuntimeError, match="without yielding"):
        await build_plan(handler).run(make_request())


async def test_app_and_router_dependencies_run_first() -> None:
    log: list[str] = []

    def app_dep(x_app: Annotated[str | None, Header()] = None) -> None:
        log.append(f"app {x_app}")

    async def router_dep() -> None:
        log.append("router")

    async def handler() -> str:
        log.append("handler")
        return "ok"

    plan = build_plan(handler, dependencies=[Depends(app_dep), Depends(router_dep)])
    assert not plan.is_trivial
    assert await plan.run(make_request(headers=[("x-app", "1")])) == "ok"
    assert log == ["app 1", "router", "handler"]
    with pytest.raises(ParameterError):
        build_plan(handler, dependencies=[Depends()])


async def test_declared_dependencies_run_outer_first_and_tear_down_in_reverse() -> None:
    log: list[str] = []

    async def app_first() -> None:
        log.append("app 1")

    def app_second() -> Iterator[None]:
        log.append("app 2")
        yield
        log.append("app 2 closed")

    async def outer_dep() -> AsyncIterator[None]:
        log.append("outer")
        yield
        log.append("outer closed")

    async def include_dep() -> None:
        log.append("include")

    def inner_dep() -> None:
        log.append("inner")

    async def route_sub() -> str:
        log.append("sub of route")
        return "sub"

    def route_dep(sub: Annotated[str, Depends(route_sub)]) -> Iterator[None]:
        log.append(f"route {sub}")
        yield
        log.append("route closed")

    async def own() -> AsyncIterator[str]:
        log.append("own")
        yield "own"
        log.append("own closed")

    app = Covet(dependencies=[Depends(app_first), Depends(app_second)])
    outer = Router(prefix="/outer", dependencies=[Depends(outer_dep)])
    inner = Router(prefix="/inner", dependencies=[Depends(inner_dep)])

    @inner.get("/x", dependencies=[Depends(route_dep)])
    async def handler(value: Annotated[str, Depends(own)]) -> str:
        log.append("handler")
        return value

    outer.include_router(inner, dependencies=[Depends(include_dep)])
    app.include_router(outer)

    with TestClient(app) as client:
        for _ in range(2):  # the same order on every request
            log.clear()
            assert client.get("/outer/inner/x").text == "own"
            assert log == [
                "app 1",
                "app 2",
                "outer",
                "include",
                "inner",
                "sub of route",
                "route sub",
                "own",
                "handler",
                "own closed",
                "route closed",
                "outer closed",
                "app 2 closed",
            ]


async def test_declared_dependencies_in_order_then_handlers_concurrently_and_cached() -> None:
    log: list[str] = []
    a_ready, b_ready = asyncio.Event(), asyncio.Event()

    async def first() -> str:
        await asyncio.sleep(0)
        log.append("first")
        return "first"

    def second() -> None:
        log.append("second")

    async def a(shared: Annotated[str, Depends(first)]) -> str:
        a_ready.set()
        await b_ready.wait()
        return "a" + shared

    async def b() -> str:
        b_ready.set()
        await a_ready.wait()
        return "b"

    async def handler(
        x: Annotated[str, Depends(a)],
        y: Annotated[str, Depends(b)],
        z: Annotated[str, Depends(first)],
    ) -> str:
        return f"{x} {y} {z}"

    # An async declared dependency is no longer overtaken by a later sync one; the
    # handler's own independent async dependencies still run concurrently; ``first``
    # runs once per request though declared and used by the handler.
    plan = build_plan(handler, dependencies=[Depends(first), Depends(second)])
    result = await asyncio.wait_for(plan.run(make_request()), 5)
    assert result == "afirst b first"
    assert log == ["first", "second"]


async def test_overrides_read_at_build_time_and_later() -> None:
    def real_db() -> str:
        return "real"

    async def handler(db: Annotated[str, Depends(real_db)]) -> str:
        return db

    ctx = types.SimpleNamespace(dependency_overrides={})
    plan = build_plan(handler, app_context=ctx)
    assert await plan.run(make_request()) == "real"

    def fake_db(flavor: str = "fake") -> Iterator[str]:
        yield flavor

    ctx.dependency_overrides[real_db] = fake_db
    assert plan.has_teardown
    assert await plan.run(make_request(query=b"flavor=test")) == "test"
    ctx.dependency_overrides.clear()
    assert await plan.run(make_request()) == "real"

    early = types.SimpleNamespace(dependency_overrides={real_db: lambda: "early"})
    assert await build_plan(handler, app_context=early).run(make_request()) == "early"


async def test_independent_async_dependencies_run_concurrently() -> None:
    # Each waits for the other: run one after the other, this would never finish.
    a_ready, b_ready = asyncio.Event(), asyncio.Event()

    async def a() -> str:
        a_ready.set()
        await b_ready.wait()
        return "a"

    async def b() -> str:
        b_ready.set()
        await a_ready.wait()
        return "b"

    async def handler(x: Annotated[str, Depends(a)], y: Annotated[str, Depends(b)]) -> str:
        return x + y

    assert await asyncio.wait_for(build_plan(handler).run(make_request()), 5) == "ab"


async def test_concurrent_failure_lets_siblings_finish_and_tear_down() -> None:
    log: list[str] = []

    async def slow() -> AsyncIterator[None]:
        await asyncio.sleep(0)
        try:
            yield
        finally:
            log.append("slow closed")

    async def failing() -> None:
        await asyncio.sleep(0)
        raise HTTPError(403, "forbidden")

    async def handler(
        _s: Annotated[None, Depends(slow)], _f: Annotated[None, Depends(failing)]
    ) -> None: ...

    with pytest.raises(HTTPError):
        async with AsyncExitStack() as stack:
            await build_plan(handler).run(make_request(), stack)
    assert log == ["slow closed"]


async def test_sync_dependencies_inline_unless_thread_requested() -> None:
    def where() -> str:
        return threading.current_thread().name

    def where_gen() -> Iterator[str]:
        yield threading.current_thread().name

    async def handler(
        inline: Annotated[str, Depends(where)],
        threaded: Annotated[str, Depends(where, thread=True, use_cache=False)],
        threaded_gen: Annotated[str, Depends(where_gen, thread=True)],
    ) -> Any:
        return inline, threaded, threaded_gen

    main = threading.current_thread().name
    inline, threaded, threaded_gen = await build_plan(handler).run(make_request())
    assert inline == main and threaded != main and threaded_gen != main


async def test_request_available_to_dependencies() -> None:
    def method(request: Request) -> str:
        return request.method

    async def handler(m: Annotated[str, Depends(method)]) -> str:
        return m

    assert await build_plan(handler).run(make_request(method="PUT")) == "PUT"


async def test_dependency_cycles_fail_at_start_up() -> None:
    def a(x: Annotated[int, Depends(lambda: 1)]) -> int:
        return x

    def loop_a(b: Any = None) -> None: ...

    def loop_b(a: Annotated[None, Depends(loop_a)]) -> None: ...

    loop_a.__annotations__["b"] = Annotated[None, Depends(loop_b)]

    async def handler(_a: Annotated[None, Depends(loop_a)]) -> None: ...

    with pytest.raises(ParameterError, match="cycle"):
        build_plan(handler)
