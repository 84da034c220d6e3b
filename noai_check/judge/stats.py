"""Rates with honest error bars: how sure a share measured on a sample is."""

from __future__ import annotations

import math

_Z95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = _Z95) -> tuple[float, float] | None:
    """Wilson score interval for a binomial share; None when nothing was observed.

    >>> wilson_interval(0, 10)
    (0.0, 0.2775)
    >>> wilson_interval(10, 10)
    (0.7225, 1.0)
    """
    if trials <= 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (round(max(0.0, centre - margin), 4), round(min(1.0, centre + margin), 4))
