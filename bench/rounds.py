"""Alternating rounds for every bench: A B A B … so drift on a shared machine (another job, a
thermal step, a cache warming) falls on both sides, and figures are medians with their spread,
never one favourable run."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

MIN_ROUNDS = 5


def alternate(
    candidates: Sequence[tuple[str, Callable[[], float]]], rounds: int = MIN_ROUNDS
) -> dict[str, list[float]]:
    """Run each candidate once per round, in the same order every round; returns per-round
    figures by name. At least MIN_ROUNDS rounds, or the spread says nothing."""
    rounds = max(rounds, MIN_ROUNDS)
    results: dict[str, list[float]] = {name: [] for name, _ in candidates}
    for _ in range(rounds):
        for name, run in candidates:
            results[name].append(run())
    return results


def spread(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """`median (min–max)`, the only way a figure is quoted."""
    return (
        f"{fmt.format(statistics.median(values))} "
        f"({fmt.format(min(values))}–{fmt.format(max(values))})"
    )


def ratios(numerator: Sequence[float], denominator: Sequence[float]) -> list[float]:
    """Per-round ratios: the two runs of one round saw the same machine."""
    return [n / d for n, d in zip(numerator, denominator, strict=True) if d]


def table(results: dict[str, list[float]], unit: str, fmt: str = "{:.0f}") -> str:
    width = max(len(name) for name in results) + 2
    lines = [f"{'':<{width}}{'median':>10}{'min':>10}{'max':>10}  {unit}"]
    for name, values in results.items():
        lines.append(
            f"{name:<{width}}{fmt.format(statistics.median(values)):>10}"
            f"{fmt.format(min(values)):>10}{fmt.format(max(values)):>10}"
        )
    return "\n".join(lines)
