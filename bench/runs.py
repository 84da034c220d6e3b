"""What the benchmarks print: the median and the spread of interleaved runs, ours beside a baseline.

A best run hides a slow common case; a mean is pulled by one run the machine interrupted. The
median of runs that alternate with the baseline's, with the smallest and largest beside it, lets a
reader see both the figure and how far to trust it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def spread(values: Sequence[float], scale: float = 1.0, digits: int = 2) -> str:
    """``median (min–max)`` of ``values`` times ``scale``, e.g. ``1.23 (1.20–1.31)``."""
    low, high = min(values) * scale, max(values) * scale
    middle = statistics.median(values) * scale
    return f"{middle:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def ratio(baseline: Sequence[float], ours: Sequence[float]) -> tuple[float, list[float]]:
    """Median baseline time over median ours (>1: ours faster), and the same ratio run by run.

    Run i of ours and run i of the baseline ran next to each other, so their ratio shows how much
    the figure moves when the machine is busy.
    """
    paired = [b / o for b, o in zip(baseline, ours, strict=True)]
    return statistics.median(baseline) / statistics.median(ours), paired


def rotated(names: Sequence[str], round_: int) -> list[str]:
    """The order of the contenders in one round: each goes first in turn, so none is always warmest."""
    shift = round_ % len(names)
    return [*names[shift:], *names[:shift]]
