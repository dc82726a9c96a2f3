"""Covet's benchmark harness: ``uv run python tools/bench/run.py AREA [--quick]``.

Runs every implementation of every scenario of AREA in this one process, interleaved over
rounds after a warm-up, prints a table of medians with covet's ratios to the best peer and
to the floor, then two lines a script can read::

    db worst-ratio-vs-best-peer: 1.04
    db worst-ratio-vs-floor: 1.09

and writes ``tools/bench/results/AREA.json`` (plus ``AREA.png`` when matplotlib is
importable). See tools/bench/README.md for how to read the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib
import math
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script from anywhere, or imported by a tool
    sys.path.insert(0, str(HERE))

import _report  # noqa: E402
from _harness import Area, ScenarioResult, SetupError, run_area  # noqa: E402

# The areas of ../shared/BENCH.md. An area is a module ``areas/<name>.py`` exposing AREA;
# the others are added with their packages.
AREAS: dict[str, str] = {
    "db": "areas.db",
    "web": "areas.web",
}
PLANNED = ("orm", "graphql", "ws", "tasks", "cache", "security")


def load(name: str) -> Area:
    area = importlib.import_module(AREAS[name]).AREA
    assert isinstance(area, Area), f"{AREAS[name]}.AREA is not an Area"
    return area


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tools/bench/run.py",
        description="Run one benchmark area: covet against its peers, in one process.",
    )
    parser.add_argument("area", help=f"one of: {', '.join(AREAS)}")
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke check")
    parser.add_argument("--only", default="", help="comma-separated scenario ids, e.g. D1,D4")
    parser.add_argument("--rounds", type=int, help="override the number of rounds")
    parser.add_argument(
        "--cpu", type=int, help="pin this client process to one CPU (the server is untouched)"
    )
    parser.add_argument("--output", type=Path, default=HERE / "results", help="results folder")
    parser.add_argument("--no-chart", action="store_true", help="do not write the PNG")
    parser.add_argument(
        "--profile",
        metavar="IMPL",
        help="run IMPL's timed samples under cProfile and print the top functions "
        "(its figures are then inflated; use with --only)",
    )
    heavy = parser.add_mutually_exclusive_group()
    heavy.add_argument(
        "--heavy",
        action="store_true",
        help="also run the heavy scenarios in quick mode (web: L1-L4 over loopback)",
    )
    heavy.add_argument("--no-heavy", action="store_true", help="skip the heavy scenarios")
    parser.add_argument("-v", "--verbose", action="store_true", help="tracebacks of failures")
    args = parser.parse_args(argv)
    if args.area not in AREAS:
        planned = " (planned: its package does not exist yet)" if args.area in PLANNED else ""
        parser.error(f"unknown area {args.area!r}{planned}; available: {', '.join(AREAS)}")
    return args


def log(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    area = load(args.area)
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    if args.rounds is not None:
        area = _with_rounds(area, args.rounds)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(only) - {s.id for s in area.scenarios})
    if unknown:
        log(f"unknown scenario(s) {', '.join(unknown)} for area {area.name}\n")
        return 2

    started = time.perf_counter()
    loop_name: list[str] = []
    profile = (args.profile, cProfile.Profile()) if args.profile else None

    async def go() -> tuple[list[ScenarioResult], dict[str, Any]]:
        loop_name.append(type(asyncio.get_running_loop()).__module__)
        return await run_area(
            area,
            quick=args.quick,
            only=only,
            log=log,
            verbose=args.verbose,
            profile=profile,
            heavy=(args.heavy or not args.quick) and not args.no_heavy,
        )

    try:
        results, info = asyncio.run(go())
    except SetupError as exc:
        log(f"\n{area.name}: cannot set the benchmark up: {exc}\n")
        return 2
    elapsed = time.perf_counter() - started
    if profile is not None:
        log(f"\ncProfile of {profile[0]}'s timed samples, by own time:\n")
        pstats.Stats(profile[1], stream=sys.stderr).sort_stats("tottime").print_stats(30)

    mode = "quick" if args.quick else "full"
    print(
        f"\n{area.name} ({mode} mode, {elapsed:.0f}s): median time per operation, lower is better"
    )
    if any(result.scenario.rate for result in results):
        print("(rows in a unit per second are throughput, higher is better)")
    print("'*' the floor used, '+' the best peer; ratios are covet's time over theirs")
    print(_report.table(area, results))
    print()
    for line in _report.details(area, results):
        print(line)
    for note in area.notes:
        print(f"note: {note}")
    versions = _report.versions(area)
    print("versions: " + ", ".join(f"{k} {v or 'missing'}" for k, v in versions.items()))
    for key, value in info.items():
        print(f"{key}: {value}")
    machine = _report.machine(loop_name[0] if loop_name else "?")
    print(
        f"machine: {machine['cpu_model']}, {machine['cpu_count']} cpus, "
        f"python {machine['python']}, {machine['platform']}"
    )

    document = _report.to_json(
        area, results, info, quick=args.quick, event_loop=loop_name[0] if loop_name else "?"
    )
    stem = (
        area.name + ("-quick" if args.quick else "") + ("-partial" if only or args.profile else "")
    )
    json_path = args.output / f"{stem}.json"
    _report.write_json(json_path, document)
    print(f"wrote {_shown(json_path)}")
    if not args.no_chart:
        chart = args.output / f"{stem}.png"
        if _report.write_chart(area, results, chart):
            print(f"wrote {_shown(chart)}")

    worst_peer, worst_floor = _report.worst(area, results)
    print(f"{area.name} worst-ratio-vs-best-peer: {_ratio(worst_peer)}")
    print(f"{area.name} worst-ratio-vs-floor: {_ratio(worst_floor)}")
    failed = any(impl.error is not None for r in results for impl in r.impls.values())
    return 1 if failed or math.isnan(worst_peer) else 0


def _ratio(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.3f}"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _with_rounds(area: Area, rounds: int) -> Area:
    from dataclasses import replace

    scenarios = [replace(s, rounds=rounds, quick_rounds=rounds) for s in area.scenarios]
    return replace(area, scenarios=scenarios)


if __name__ == "__main__":
    sys.exit(main())
