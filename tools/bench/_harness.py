"""What an area declares, and the loop that times it.

An area module (``areas/<name>.py``) exposes ``AREA``, an :class:`Area`: its scenarios,
each with its implementations, the clients those implementations share (opened once per
run, so a scenario never times a connect), and which implementations are covet's, which
are the floor and which are peers. The runner times every implementation of a scenario
in the same process, after a warm-up, interleaved over rounds, and keeps the median.
"""

from __future__ import annotations

import cProfile
import gc
import inspect
import statistics
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

# run(client, n) does n operations and returns a witness of the last one (for verify).
RunFn = Callable[[Any, int], Awaitable[Any] | Any]
# prepare(ctx) runs untimed before every sample (a TRUNCATE, say).
PrepareFn = Callable[[Any], Awaitable[None]]
# verify(ctx, witness, n) raises when the implementation did not do the work.
VerifyFn = Callable[[Any, Any, int], Awaitable[None]]
ClientFactory = Callable[[Any], AbstractAsyncContextManager[Any]]


@dataclass(frozen=True)
class Measured:
    """What ``run`` returns when the implementation times itself (a load generator).

    The harness then takes ``seconds / ops`` as the sample instead of its own clock, and
    ``witness`` goes to ``verify``.
    """

    seconds: float
    ops: float
    witness: Any = None


class SetupError(Exception):
    """An area's setup cannot run (its service is unreachable): the run stops with exit 2."""


@dataclass(frozen=True)
class Impl:
    """One way to do a scenario: a column of the table."""

    name: str
    client: str
    run: RunFn
    note: str = ""


@dataclass(frozen=True)
class Scenario:
    """One row of the table. ``scale`` turns seconds per operation into ``unit``.

    ``rate``: the table shows operations per second (``unit`` like ``req/s``, higher is
    better; use ``scale=1``) while samples and ratios stay times per operation.
    ``heavy``: run in full mode, and in quick mode only when asked (``--heavy``).
    ``requires()`` returns why the scenario cannot run here (a missing tool), or None; the
    run then skips it with that message instead of failing. ``count_unit`` names what
    ``n`` counts when it is not operations (``s`` for a load generator's duration).
    """

    id: str
    title: str
    unit: str
    scale: float
    n: int
    quick_n: int
    rounds: int
    quick_rounds: int
    impls: Sequence[Impl]
    prepare: PrepareFn | None = None
    verify: VerifyFn | None = None
    rate: bool = False
    heavy: bool = False
    requires: Callable[[], str | None] | None = None
    count_unit: str = ""

    def shown(self, value: float) -> float:
        """A sample or median as the table shows it (a rate is the inverse of a time)."""
        return 1.0 / value if self.rate and value > 0 else value


@dataclass(frozen=True)
class Target:
    """A goal from the issue, checked and printed after the table (never asserted).

    ``check`` gets the scenario's medians by implementation; with ``across=True`` it gets
    every scenario's, by scenario id (for a target that compares two scenarios); with
    ``whole=True`` it gets the ScenarioResult itself, samples and all.
    """

    scenario: str
    text: str
    check: Callable[[Any], tuple[float | None, bool]]
    across: bool = False
    whole: bool = False


def paired_ratio(result: ScenarioResult, a: str, b: str) -> float | None:
    """The median over the rounds of ``a``'s sample over ``b``'s in the same round.

    Both ran within seconds of each other in every round, so a machine whose speed
    drifts over minutes moves both alike; the ratio of the two medians can instead pair
    a fast moment of one with a slow moment of the other.
    """
    left, right = result.impls.get(a), result.impls.get(b)
    if left is None or right is None or left.error or right.error:
        return None
    pairs = [x / y for x, y in zip(left.samples, right.samples, strict=False) if y > 0]
    return statistics.median(pairs) if pairs else None


@dataclass(frozen=True)
class Area:
    """A benchmark area: scenarios, shared clients and the roles of the implementations.

    ``setup(quick)`` is an async context manager that builds what the scenarios need
    (schema, data) and yields the context passed to client factories, prepare and verify;
    it may fill ``ctx.info`` (a dict) with facts for the report, such as a server version.
    ``floor`` names the raw-driver implementations: per scenario the fastest of them is the
    floor. ``covet`` is the headline implementation; ``covet_variants`` are reported too.
    """

    name: str
    setup: Callable[[bool], AbstractAsyncContextManager[Any]]
    clients: dict[str, ClientFactory]
    scenarios: Sequence[Scenario]
    floor: Sequence[str]
    covet: str
    covet_variants: Sequence[str] = ()
    libraries: dict[str, str] = field(default_factory=dict)  # label -> distribution
    targets: Sequence[Target] = ()
    notes: Sequence[str] = ()
    # Awaited before every timed sample, untimed (the db area pins the server backends
    # of this run's connections away from the client's CPU there).
    before_sample: Callable[[Any], Awaitable[None]] | None = None


@dataclass
class ImplResult:
    name: str
    samples: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def value(self) -> float | None:
        if self.error is not None or not self.samples:
            return None
        return statistics.median(self.samples)


@dataclass
class ScenarioResult:
    scenario: Scenario
    n: int
    rounds: int
    impls: dict[str, ImplResult]

    def values(self) -> dict[str, float]:
        return {k: v for k, r in self.impls.items() if (v := r.value) is not None}


async def _call(fn: RunFn, client: Any, n: int) -> Any:
    result = fn(client, n)
    if inspect.isawaitable(result):
        result = await result
    return result.witness if isinstance(result, Measured) else result


async def _timed(fn: RunFn, client: Any, n: int) -> float:
    """Seconds per operation."""
    # The coroutine is created inside the timed span on purpose: creating it is part of
    # the call a user makes. Sync implementations (no I/O) skip the await entirely.
    start = time.perf_counter()
    result = fn(client, n)
    if inspect.isawaitable(result):
        result = await result
    elapsed = time.perf_counter() - start
    if isinstance(result, Measured):
        if result.ops <= 0:
            raise RuntimeError(f"no operation completed in {result.seconds:.1f}s")
        return result.seconds / result.ops
    return elapsed / n


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


async def run_scenario(
    scenario: Scenario,
    ctx: Any,
    clients: dict[str, Any],
    client_errors: dict[str, str],
    *,
    quick: bool,
    log: Callable[[str], None],
    verbose: bool = False,
    profile: tuple[str, cProfile.Profile] | None = None,
    before_sample: Callable[[Any], Awaitable[None]] | None = None,
) -> ScenarioResult:
    """Warm every implementation up, then time them interleaved, rotating the order."""
    n = scenario.quick_n if quick else scenario.n
    rounds = scenario.quick_rounds if quick else scenario.rounds
    results = {impl.name: ImplResult(impl.name) for impl in scenario.impls}
    live: list[Impl] = []
    for impl in scenario.impls:
        if impl.client in client_errors:
            results[impl.name].error = client_errors[impl.client]
            continue
        try:
            if scenario.prepare is not None:
                await scenario.prepare(ctx)
            # Warm-up at the quick count: enough to fill prepared-statement and compiled
            # caches, and its result is checked so an impl doing the wrong work fails.
            witness = await _call(impl.run, clients[impl.client], scenario.quick_n)
            if scenario.verify is not None:
                await scenario.verify(ctx, witness, scenario.quick_n)
        except Exception as exc:
            results[impl.name].error = _describe(exc)
            if verbose:
                traceback.print_exc(file=sys.stderr)
            continue
        live.append(impl)
    for round_index in range(rounds):
        # Rotating the start spreads any drift (server autovacuum, CPU frequency) evenly.
        shift = round_index % max(len(live), 1)
        for impl in live[shift:] + live[:shift]:
            result = results[impl.name]
            if result.error is not None:
                continue
            try:
                if scenario.prepare is not None:
                    await scenario.prepare(ctx)
                if before_sample is not None:
                    await before_sample(ctx)
                gc.collect()
                profiler = profile[1] if profile and profile[0] == impl.name else None
                if profiler is not None:
                    profiler.enable()
                try:
                    seconds = await _timed(impl.run, clients[impl.client], n)
                finally:
                    if profiler is not None:
                        profiler.disable()
            except Exception as exc:
                result.error = _describe(exc)
                continue
            result.samples.append(seconds * scenario.scale)
        log(".")
    return ScenarioResult(scenario, n, rounds, results)


async def run_area(
    area: Area,
    *,
    quick: bool,
    only: Sequence[str] = (),
    log: Callable[[str], None],
    verbose: bool = False,
    profile: tuple[str, cProfile.Profile] | None = None,
    heavy: bool = True,
) -> tuple[list[ScenarioResult], dict[str, Any]]:
    """Set the area up, open every client once, run each scenario; return results and info.

    With ``profile=(impl_name, profiler)`` the timed samples of that implementation run
    under the profiler (which slows them: its figures are then not comparable). With
    ``heavy=False`` the heavy scenarios run only when named in ``only``. Skipped scenarios
    are listed in ``info["skipped"]``.
    """
    scenarios = []
    skipped: dict[str, list[str]] = {}
    for s in area.scenarios:
        if only and s.id not in only:
            continue
        reason = None
        if s.heavy and not heavy and s.id not in only:
            reason = "heavy: skipped in quick mode and with --no-heavy; --heavy runs them"
        elif s.requires is not None:
            reason = s.requires()
        if reason is None:
            scenarios.append(s)
        else:
            skipped.setdefault(reason, []).append(s.id)
    for reason, ids in skipped.items():
        log(f"skipping {', '.join(ids)}: {reason}\n")
    needed = {impl.client for s in scenarios for impl in s.impls}
    async with area.setup(quick) as ctx, AsyncExitStack() as stack:
        clients: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, factory in area.clients.items():
            if name not in needed:
                continue
            try:
                clients[name] = await stack.enter_async_context(factory(ctx))
            except Exception as exc:
                errors[name] = _describe(exc)
                if verbose:
                    traceback.print_exc(file=sys.stderr)
        # The harness's own objects (fixture data, imported libraries, clients) move out of
        # the collector's sight: each implementation still pays for the collections its own
        # garbage triggers, but not for scanning a heap the benchmark built.
        gc.collect()
        gc.freeze()
        results = []
        for scenario in scenarios:
            log(f"{scenario.id} {scenario.title} ")
            started = time.perf_counter()
            results.append(
                await run_scenario(
                    scenario,
                    ctx,
                    clients,
                    errors,
                    quick=quick,
                    log=log,
                    verbose=verbose,
                    profile=profile,
                    before_sample=area.before_sample,
                )
            )
            log(f" {time.perf_counter() - started:.1f}s\n")
        gc.unfreeze()
        info = dict(getattr(ctx, "info", {}))
    if skipped:
        info["skipped"] = "; ".join(f"{', '.join(ids)} ({why})" for why, ids in skipped.items())
    return results, info
