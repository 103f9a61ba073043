"""A rate's interval from its counts: the Wilson score interval, and a test-resampling interval widened to hold it.

Torch-free. A single seed's rate (precision, recall, accuracy ...) is judged on its test resamples;
when it rests on a few events that all agree (a precision of 8/8), every resample gives the same
value and the percentile interval is the value itself. The record keeps each rate's counts, and the
verdict widens an interval less than half as wide as the Wilson interval of those counts to hold it
(``docs/uncertainty.md``).
Reference: E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
JASA 22 (1927); agrees with ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``.
"""

from __future__ import annotations

import math
from dataclasses import replace
from statistics import NormalDist

from vifspec.verdict.stats import DEFAULT_CONFIDENCE, Interval, _check_confidence

NARROWEST = 0.5  # a rate's resampling interval narrower than this share of Wilson's is widened to hold it


def wilson_interval(successes: int, trials: int, confidence: float = DEFAULT_CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion ``successes / trials`` (Wilson 1927):
    ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with ``z`` the normal quantile of
    ``1 - α/2``. Unlike the bootstrap it keeps a width when every event agrees (8/8: [67.6%, 100%])."""
    _check_confidence(confidence)
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError(f"a proportion needs 0 <= successes <= trials and trials > 0, got {successes}/{trials}")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p, n = successes / trials, trials
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def at_least_wilson(interval: Interval, successes: int, trials: int) -> Interval:
    """``interval`` (a rate's test-resampling interval) widened to hold the Wilson interval of its
    counts when it is less than half as wide: a bootstrap of a few events that all agree is no longer
    the value itself, while one over many events (about as wide as Wilson's) stays as it is."""
    if not interval.has_interval or trials <= 0 or not 0 <= successes <= trials:
        return interval
    low, high = wilson_interval(successes, trials, interval.confidence)
    assert interval.low is not None and interval.high is not None
    if interval.high - interval.low >= NARROWEST * (high - low):
        return interval
    note = f"widened to the Wilson interval of {successes}/{trials}"
    return replace(interval, low=min(interval.low, low), high=max(interval.high, high),
                   note=f"{interval.note}; {note}" if interval.note else note)
