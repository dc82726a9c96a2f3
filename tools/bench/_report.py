"""Turn timed results into ratios, the printed table, the JSON file and the chart."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import statistics
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from _harness import Area, ScenarioResult, paired_ratio

NAN = float("nan")


@dataclass(frozen=True)
class Ratios:
    """The figures that count for one scenario; None where there is nothing to compare."""

    floor: str | None
    best_peer: str | None
    covet: float | None
    vs_floor: float | None
    vs_best_peer: float | None


def role(area: Area, name: str) -> str:
    if name in area.floor:
        return "floor"
    if name == area.covet or name in area.covet_variants:
        return "covet"
    return "peer"


def _fastest(values: dict[str, float], names: list[str]) -> str | None:
    present = [n for n in names if n in values]
    return min(present, key=values.__getitem__) if present else None


def ratios(area: Area, result: ScenarioResult) -> Ratios:
    values = result.values()
    names = [impl.name for impl in result.scenario.impls]
    floor = _fastest(values, [n for n in names if role(area, n) == "floor"])
    peer = _fastest(values, [n for n in names if role(area, n) == "peer"])
    covet = values.get(area.covet)
    return Ratios(
        floor=floor,
        best_peer=peer,
        covet=covet,
        vs_floor=covet / values[floor] if covet is not None and floor else None,
        vs_best_peer=covet / values[peer] if covet is not None and peer else None,
    )


def worst(area: Area, results: list[ScenarioResult]) -> tuple[float, float]:
    """The largest covet/best-peer and covet/floor ratios; NaN when covet has no figure."""
    peer: list[float] = []
    floor: list[float] = []
    for result in results:
        if area.covet not in {impl.name for impl in result.scenario.impls}:
            continue
        r = ratios(area, result)
        if r.covet is None:
            return NAN, NAN  # covet failed: no honest worst ratio exists
        if r.vs_best_peer is not None:
            peer.append(r.vs_best_peer)
        if r.vs_floor is not None:
            floor.append(r.vs_floor)
    return (max(peer) if peer else NAN, max(floor) if floor else NAN)


def fmt(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def table(area: Area, results: list[ScenarioResult]) -> str:
    """One row a scenario; '*' marks the floor used, '+' the best peer."""
    seen: list[str] = []
    for result in results:
        seen += [impl.name for impl in result.scenario.impls if impl.name not in seen]
    rank = {"floor": 0, "peer": 1, "covet": 2}
    columns = sorted(seen, key=lambda n: (rank[role(area, n)], n != area.covet, seen.index(n)))
    head = ["", "unit", *columns, "covet/peer", "covet/floor"]
    rows = [head]
    for result in results:
        r = ratios(area, result)
        cells = [result.scenario.id, result.scenario.unit]
        for name in columns:
            impl = result.impls.get(name)
            if impl is None:
                cells.append("")
            elif impl.error is not None:
                cells.append("error")
            else:
                mark = "*" if name == r.floor else "+" if name == r.best_peer else ""
                value = impl.value
                cells.append(fmt(None if value is None else result.scenario.shown(value)) + mark)
        cells.append(fmt(r.vs_best_peer))
        cells.append(fmt(r.vs_floor))
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = []
    for row in rows:
        parts = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        parts += [cell.rjust(w) for cell, w in zip(row[2:], widths[2:], strict=True)]
        lines.append("  ".join(parts))
    return "\n".join(lines)


def details(area: Area, results: list[ScenarioResult]) -> list[str]:
    """The lines under the table: titles, covet variants' ratios, errors, targets."""
    lines = []
    for result in results:
        s = result.scenario
        r = ratios(area, result)
        count = f"{result.n} {s.count_unit}" if s.count_unit else f"{result.n}"
        line = f"{s.id} {s.title} ({result.rounds} rounds of {count})"
        if r.floor or r.best_peer:
            line += f"; floor {r.floor or '-'}, best peer {r.best_peer or '-'}"
        lines.append(line)
        values = result.values()
        best = {k: min(v.samples) for k, v in result.impls.items() if v.value is not None}
        if r.covet is not None and r.floor:
            # The fastest sample is a cross-check on a noisy machine (noise only adds time).
            lines.append(
                f"    covet/floor on the fastest samples: {fmt(best[area.covet] / best[r.floor])}"
                + (
                    f", covet/peer: {fmt(best[area.covet] / best[r.best_peer])}"
                    if r.best_peer
                    else ""
                )
            )
        if r.covet is not None and r.floor:
            paired = paired_ratio(result, area.covet, r.floor)
            if paired is not None:
                lines.append(f"    covet/floor paired by round (median): {fmt(paired)}")
        for name in area.covet_variants:
            if name in values:
                parts = []
                if r.floor:
                    parts.append(f"{fmt(values[name] / values[r.floor])}x floor")
                if r.best_peer:
                    parts.append(f"{fmt(values[name] / values[r.best_peer])}x best peer")
                lines.append(f"    {name}: {', '.join(parts) or fmt(values[name])}")
        lines += [
            f"    {name} failed: {impl.error}"
            for name, impl in result.impls.items()
            if impl.error is not None
        ]
    by_id = {result.scenario.id: result for result in results}
    everything = {key: result.values() for key, result in by_id.items()}
    checks = []
    for target in area.targets:
        result = by_id.get(target.scenario)
        if result is None:
            continue
        if target.whole:
            figure, ok = target.check(result)
        else:
            figure, ok = target.check(everything if target.across else result.values())
        verdict = "n/a" if figure is None else ("met" if ok else "MISSED")
        checks.append(f"  {target.scenario} {target.text}: {fmt(figure)} {verdict}")
    if checks:
        lines += ["targets (from the issue; ratios are time ratios):", *checks]
    return lines


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(event_loop: str) -> dict[str, Any]:
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "event_loop": event_loop,
    }


def versions(area: Area) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for label, distribution in area.libraries.items():
        try:
            found[label] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            found[label] = None
    return found


def to_json(
    area: Area,
    results: list[ScenarioResult],
    info: dict[str, Any],
    *,
    quick: bool,
    event_loop: str,
) -> dict[str, Any]:
    rows = []
    scenarios = []
    for result in results:
        s = result.scenario
        r = ratios(area, result)
        values = result.values()
        scenarios.append(
            {
                "scenario": s.id,
                "title": s.title,
                "unit": s.unit,
                "higher_is_better": s.rate,
                "n": result.n,
                "rounds": result.rounds,
                "floor": r.floor,
                "best_peer": r.best_peer,
                "covet_ratio_vs_best_peer": r.vs_best_peer,
                "covet_ratio_vs_floor": r.vs_floor,
            }
        )
        for impl in s.impls:
            outcome = result.impls[impl.name]
            value = outcome.value
            shown = None if value is None else s.shown(value)
            shown_samples = [s.shown(sample) for sample in outcome.samples]
            rows.append(
                {
                    "scenario": s.id,
                    "implementation": impl.name,
                    "role": role(area, impl.name),
                    "value": shown,
                    "unit": s.unit,
                    "ratio_vs_floor": (
                        value / values[r.floor] if value is not None and r.floor else None
                    ),
                    "ratio_vs_best_peer": (
                        value / values[r.best_peer] if value is not None and r.best_peer else None
                    ),
                    "min": s.shown(min(outcome.samples)) if outcome.samples else None,
                    "stdev": (statistics.stdev(shown_samples) if len(shown_samples) > 1 else None),
                    "samples": shown_samples,
                    "note": impl.note,
                    "error": outcome.error,
                }
            )
    worst_peer, worst_floor = worst(area, results)
    return {
        "area": area.name,
        "quick": quick,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "statistic": (
            "median of rounds; time per operation in the unit shown, lower is better "
            "(rate scenarios: operations per second, higher is better; 'min' is the "
            "fastest sample); ratios are always time ratios"
        ),
        "covet": area.covet,
        "floor_candidates": list(area.floor),
        "worst_ratio_vs_best_peer": None if math.isnan(worst_peer) else worst_peer,
        "worst_ratio_vs_floor": None if math.isnan(worst_floor) else worst_floor,
        "scenarios": scenarios,
        "results": rows,
        "versions": versions(area),
        "machine": machine(event_loop),
        "info": info,
        "notes": list(area.notes),
    }


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_chart(area: Area, results: list[ScenarioResult], path: Path) -> bool:
    """A bar chart per scenario, when matplotlib is importable (it is not a dependency)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    colours = {"floor": "#9e9e9e", "peer": "#5b8db8", "covet": "#d9822b"}
    shown = [r for r in results if r.values()]
    if not shown:
        return False
    figure, axes = plt.subplots(
        len(shown), 1, figsize=(8, 1.2 + 0.32 * sum(len(r.values()) for r in shown) + len(shown))
    )
    if len(shown) == 1:
        axes = [axes]
    for ax, result in zip(axes, shown, strict=True):
        values = result.values()
        names = [impl.name for impl in result.scenario.impls if impl.name in values]
        ax.barh(
            names,
            [result.scenario.shown(values[n]) for n in names],
            color=[colours[role(area, n)] for n in names],
        )
        ax.invert_yaxis()
        ax.set_title(f"{result.scenario.id} {result.scenario.title}", fontsize=9, loc="left")
        better = "higher" if result.scenario.rate else "lower"
        ax.set_xlabel(f"{result.scenario.unit} ({better} is better)", fontsize=8)
        ax.tick_params(labelsize=8)
    from matplotlib.patches import Patch

    axes[0].legend(
        handles=[Patch(color=c, label=k) for k, c in colours.items()], fontsize=8, loc="best"
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
