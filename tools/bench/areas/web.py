"""The ``web`` area: H1-H6 of BENCH.md in process, and H1-H4 over loopback (L1-L4).

In process, each implementation's ASGI app is called directly (``_web_common.Driver``):
a synthetic scope per request, after the lifespan startup, µs per request. Over loopback
(heavy: full mode, or ``--heavy``), each app runs under uvicorn in a subprocess and wrk
drives it (``_web_loopback``), requests per second. Every implementation's first responses
are checked (status, body, headers) and, for H3/H4, bad requests must be refused with a 4xx,
so an implementation that skips the work fails instead of looking fast.

Implementations: ``raw`` (hand-written ASGI, the floor), ``starlette``, ``fastapi``,
``litestar``, ``blacksheep`` (peers) and ``covet``; each module ``_web_<name>.py`` builds
three apps: H1-H4's, H5's (three middleware and a dependency) and H6's (200 routes).

H6's target is a ratio to covet's own H2, so H6 also times covet's H2 request
(``covet-h2``) in its rounds, next to covet's H6: the two medians then come from samples
taken under the same load, which timing H2 and H6 minutes apart did not give.
"""

from __future__ import annotations

import importlib
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _harness import Area, Impl, Scenario, Target

from . import _web_common as c
from . import _web_loopback as lo

IMPLS = ("raw", "starlette", "fastapi", "litestar", "blacksheep", "covet")
FLOOR = ("raw",)
PEERS = ("starlette", "fastapi", "litestar", "blacksheep")
H6_BASE = "covet-h2"  # covet's H2 request, timed in H6's rounds


@dataclass
class Context:
    scripts: dict[str, Path]
    info: dict[str, Any] = field(default_factory=dict)


@asynccontextmanager
async def setup(quick: bool) -> AsyncIterator[Context]:
    with tempfile.TemporaryDirectory(prefix="covet-bench-web-") as tmp:
        script = Path(tmp) / "h4.lua"
        script.write_text(lo.lua_script(c.H4), encoding="utf-8")
        info = {
            "in process": "ASGI callable called directly, synthetic scope, lifespan run first",
            "loopback": f"uvicorn (uvloop, httptools, 1 worker, no access log) + "
            f"wrk -t{lo.THREADS} -c{lo.CONNECTIONS}",
        }
        yield Context({"H4": script}, info)


# --- clients: each implementation's three apps, and its uvicorn server --------------------


@dataclass
class Apps:
    """One implementation's apps, lifespans started: H1-H4, H5 and H6."""

    main: c.Driver
    middleware: c.Driver
    big: c.Driver


def _apps(name: str) -> Callable[[Context], Any]:
    @asynccontextmanager
    async def open_apps(ctx: Context) -> AsyncIterator[Apps]:
        module = importlib.import_module(f"areas._web_{name}")
        drivers = [
            c.Driver(module.build_app()),
            c.Driver(module.build_middleware_app()),
            c.Driver(module.build_big_app()),
        ]
        async with AsyncExitStack() as stack:
            for driver in drivers:
                await driver.start()
                stack.push_async_callback(driver.stop)
            yield Apps(*drivers)

    return open_apps


def _server(name: str) -> Callable[[Context], Any]:
    def open_server(ctx: Context) -> Any:
        return lo.server(name, f"areas._web_{name}", ctx.scripts)

    return open_server


# --- runs and checks -----------------------------------------------------------------------


@dataclass(frozen=True)
class Witness:
    driver: c.Driver
    req: c.Req
    response: c.Resp


def _in_process(req: c.Req, app: str) -> Callable[[Apps, int], Any]:
    async def run(apps: Apps, n: int) -> Witness:
        driver: c.Driver = getattr(apps, app)
        return Witness(driver, req, await driver.run(req, n))

    return run


def _over_loopback(req: c.Req, key: str) -> Callable[[lo.Server, int], Any]:
    async def run(srv: lo.Server, seconds: int) -> Any:
        return await lo.wrk(srv, req, key, seconds)

    return run


def _expect(what: str, got: Any, want: Any) -> None:
    if got != want:
        raise AssertionError(f"wrong {what}: got {got!r}, expected {want!r}")


def _expect_json(resp: c.Resp, status: int, body: Any) -> None:
    _expect("status", resp.status, status)
    _expect("content-type", resp.headers.get("content-type", "").split(";")[0], "application/json")
    _expect("body", resp.json(), body)


async def _refused(driver: c.Driver, req: c.Req, statuses: tuple[int, ...]) -> None:
    resp = await driver.request(req)
    if resp.status not in statuses:
        raise AssertionError(
            f"{req.method} {req.path}?{req.query.decode()} {req.body[:60]!r} was not refused: "
            f"{resp.status} {resp.body[:100]!r} (expected one of {statuses})"
        )


def check_h1(resp: c.Resp) -> None:
    _expect("status", resp.status, 200)
    _expect("body", resp.body, c.PLAINTEXT)
    if not resp.headers.get("content-type", "").startswith("text/plain"):
        raise AssertionError(f"not text/plain: {resp.headers.get('content-type')!r}")


def check_h2(resp: c.Resp) -> None:
    _expect_json(resp, 200, c.MESSAGE)


def check_h3(resp: c.Resp) -> None:
    _expect_json(resp, 200, {"id": c.USER_ID, "q": c.USER_Q})


def check_h4(resp: c.Resp) -> None:
    _expect_json(resp, 201, c.ITEM)


def check_h5(resp: c.Resp) -> None:
    _expect_json(resp, 200, c.h5_body(c.TOKEN))
    _expect(
        "access-control-allow-origin", resp.headers.get("access-control-allow-origin"), c.ORIGIN
    )
    for name, value in c.SECURITY_HEADERS:
        _expect(name, resp.headers.get(name), value)
    _expect("content-encoding (a tiny body)", resp.headers.get("content-encoding"), None)


def check_h6(resp: c.Resp) -> None:
    _expect("status", resp.status, 404)


_CHECKS = {"H1": check_h1, "H2": check_h2, "H3": check_h3, "H4": check_h4}
_INVALID = (400, 404, 422)


def _verify(check: Callable[[c.Resp], None], probe: Any = None) -> Any:
    async def verify(ctx: Context, witness: Witness, n: int) -> None:
        check(witness.response)
        if probe is not None:
            await probe(witness.driver, witness.req)

    return verify


async def _probe_h3(driver: c.Driver, req: c.Req) -> None:
    await _refused(driver, c.Req("GET", f"/users/{c.USER_ID}"), (400, 422))
    await _refused(driver, c.Req("GET", "/users/abc", query=b"q=x"), _INVALID)


async def _probe_h4(driver: c.Driver, req: c.Req) -> None:
    for body in c.BAD_ITEMS:
        await _refused(driver, c.Req("POST", req.path, headers=req.headers, body=body), (400, 422))


async def _probe_h6(driver: c.Driver, req: c.Req) -> None:
    # The app really has its 200 routes: the last static and parameterised ones answer.
    last = c.ROUTES // 2 - 1
    for path in (c.static_path(last), f"{c.dynamic_prefix(last)}/7"):
        resp = await driver.request(c.Req("GET", path))
        _expect(f"status of GET {path}", resp.status, 200)


async def _verify_h6(ctx: Context, witness: Witness, n: int) -> None:
    if witness.req is c.H2:  # covet-h2, in H6's rounds as the base of H6's target
        check_h2(witness.response)
        return
    check_h6(witness.response)
    await _probe_h6(witness.driver, witness.req)


def _verify_loopback(key: str, req: c.Req) -> Any:
    async def verify(ctx: Context, witness: tuple[lo.Server, lo.WrkStats], seconds: int) -> None:
        srv, stats = witness
        if stats.requests == 0 or stats.non_2xx or stats.errors:
            raise AssertionError(
                f"wrk: {stats.requests} requests, {stats.non_2xx} non-2xx, "
                f"{stats.errors} socket errors"
            )
        _CHECKS[key](await lo.fetch(srv, req))

    return verify


# --- targets ---------------------------------------------------------------------------------


def _vs_best_peer(values: dict[str, float]) -> tuple[float | None, bool]:
    peers = [values[p] for p in PEERS if p in values]
    if "covet" not in values or not peers:
        return None, False
    ratio = values["covet"] / min(peers)
    return ratio, ratio <= 1.0


def _vs_floor(limit: float) -> Callable[[dict[str, float]], tuple[float | None, bool]]:
    def check(values: dict[str, float]) -> tuple[float | None, bool]:
        if "covet" not in values or "raw" not in values:
            return None, False
        ratio = values["covet"] / values["raw"]
        return ratio, ratio <= limit

    return check


def _h6_vs_h2(values: dict[str, float]) -> tuple[float | None, bool]:
    """covet's H6 over covet's H2, both medians of H6's interleaved rounds."""
    h6 = values.get("covet")
    h2 = values.get(H6_BASE)
    if h6 is None or h2 is None:
        return None, False
    return h6 / h2, h6 / h2 <= 1.2


# --- scenarios ---------------------------------------------------------------------------------


def _impls(run: Callable[..., Any], prefix: str = "") -> list[Impl]:
    return [Impl(name, prefix + name, run) for name in IMPLS]


def _h(
    sid: str,
    title: str,
    req: c.Req,
    app: str,
    verify: Any,
    n: int = 1_000,
    quick_n: int = 300,
    variants: tuple[Impl, ...] = (),
) -> Scenario:
    # Many short interleaved rounds: a shared machine's noise comes in bursts.
    return Scenario(
        sid,
        title,
        unit="µs/req",
        scale=1e6,
        n=n,
        rounds=15,
        quick_n=quick_n,
        quick_rounds=5,
        impls=[*_impls(_in_process(req, app)), *variants],
        verify=verify,
    )


def _l(sid: str, key: str, req: c.Req) -> Scenario:
    return Scenario(
        sid,
        f"{key} over loopback",
        unit="req/s",
        scale=1.0,
        # Short runs, many rounds: a shared machine's noise comes in bursts of seconds,
        # and the median of more interleaved runs is less swayed by one burst.
        n=1,
        rounds=6,
        quick_n=1,
        quick_rounds=2,
        impls=_impls(_over_loopback(req, key), prefix="lo-"),
        verify=_verify_loopback(key, req),
        rate=True,
        heavy=True,
        requires=lo.missing_wrk,
        count_unit="s",
    )


SCENARIOS = [
    _h("H1", "GET /plaintext", c.H1, "main", _verify(check_h1)),
    _h("H2", "GET /json", c.H2, "main", _verify(check_h2)),
    _h("H3", "GET /users/{id:int}?q=str, validated", c.H3, "main", _verify(check_h3, _probe_h3)),
    _h(
        "H4",
        "POST /items, 5-field body validated, 201",
        c.H4,
        "main",
        _verify(check_h4, _probe_h4),
        variants=(
            Impl(
                "covet-pydantic",
                "covet",
                _in_process(c.H4_PYDANTIC, "main"),
                note="the body and response as a pydantic model",
            ),
        ),
    ),
    _h(
        "H5",
        "CORS + security headers + gzip, one dependency",
        c.H5,
        "middleware",
        _verify(check_h5),
    ),
    # Routers that try each route in turn take ~1 ms here: fewer requests per sample.
    # covet-h2 comes right after covet, so each round times the two back to back (but in
    # the one round in seven whose rotation puts covet-h2 first).
    _h(
        "H6",
        "404 on an app with 200 routes",
        c.H6,
        "big",
        _verify_h6,
        300,
        100,
        variants=(
            Impl(
                H6_BASE,
                "covet",
                _in_process(c.H2, "main"),
                note="covet's H2 (GET /json) timed in H6's rounds: the base of H6's target",
            ),
        ),
    ),
    _l("L1", "H1", c.H1),
    _l("L2", "H2", c.H2),
    _l("L3", "H3", c.H3),
    _l("L4", "H4", c.H4),
]

AREA = Area(
    name="web",
    setup=setup,
    clients={
        **{name: _apps(name) for name in IMPLS},
        **{f"lo-{name}": _server(name) for name in IMPLS},
    },
    scenarios=SCENARIOS,
    floor=FLOOR,
    covet="covet",
    covet_variants=("covet-pydantic", H6_BASE),
    libraries={
        "covet-web": "covet-web",
        "starlette": "starlette",
        "fastapi": "fastapi",
        "litestar": "litestar",
        "blacksheep": "blacksheep",
        "pydantic": "pydantic",
        "msgspec": "msgspec",
        "orjson": "orjson",
        "uvicorn": "uvicorn",
        "uvloop": "uvloop",
        "httptools": "httptools",
    },
    targets=[
        *(
            Target(sid, "covet/best peer <= 1.0", _vs_best_peer)
            for sid in ("H1", "H2", "H3", "H4", "H5", "H6", "L1", "L2", "L3", "L4")
        ),
        Target("H2", "covet/floor <= 3.5", _vs_floor(3.5)),
        Target("H4", "covet/floor <= 3.0", _vs_floor(3.0)),
        Target("H6", "covet H6 / covet H2 (H2 timed in H6's rounds) <= 1.2", _h6_vs_h2),
    ],
    notes=[
        "in process: µs per request, the ASGI app called directly; L1-L4 are H1-H4 over "
        "loopback (uvicorn + wrk), requests per second, higher is better",
        "starlette validates by hand: path convertor for H3's id, a check for q, msgspec "
        "for H4's body; fastapi and blacksheep use pydantic models; litestar, raw and "
        "starlette msgspec Structs",
        "covet-pydantic (H4): covet with a pydantic model for the body and response, "
        "at POST /items/pydantic",
        "covet-h2 (H6): covet's H2 request timed in H6's rounds, alternating with covet's H6, "
        "the base of the H6 target (ratio of the two medians); its ratios to H6's floor "
        "and peers compare different requests and mean nothing",
        "H5: covet and raw use the bench's own pure-ASGI CORS and security-headers "
        "middleware (covet-security does not exist yet); starlette, fastapi and litestar "
        "the bench's security headers with their own CORS and gzip; blacksheep its own all "
        "three (a BlackSheep-style middleware for the security headers)",
    ],
)
