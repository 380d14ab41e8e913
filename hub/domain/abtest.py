"""A/B statistics: a two-proportion z-test, and the rule that picks a winner only when it
is proven better than every other variant at the chosen confidence (Bonferroni-corrected
for the number of comparisons), so noise never crowns a winner."""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_SAMPLE = 30
"""Fewer sends than this in a variant: the normal approximation is not trusted, no winner."""


@dataclass(frozen=True, slots=True)
class Comparison:
    z: float
    p_value: float  # two-sided


def two_proportion_test(successes_a: int, n_a: int, successes_b: int, n_b: int) -> Comparison:
    """The pooled two-proportion z-test of b against a (z > 0: b's rate is higher)."""
    if n_a <= 0 or n_b <= 0:
        return Comparison(0.0, 1.0)
    p_a, p_b = successes_a / n_a, successes_b / n_b
    pooled = (successes_a + successes_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance <= 0:
        return Comparison(0.0, 1.0)
    z = (p_b - p_a) / math.sqrt(variance)
    return Comparison(z, math.erfc(abs(z) / math.sqrt(2)))


@dataclass(frozen=True, slots=True)
class Verdict:
    winner: str | None
    p_value: float | None  # the largest p of the winner's (or best variant's) comparisons
    rates: dict[str, float]


def decide(sent: dict[str, int], successes: dict[str, int], *,
           confidence: float = 0.95) -> Verdict:
    """The variant with the best rate wins when it beats each other variant with a two-sided
    p below (1 - confidence) / comparisons; else no winner."""
    rates = {k: (successes.get(k, 0) / n if n else 0.0) for k, n in sent.items()}
    if len(sent) < 2:
        return Verdict(None, None, rates)
    best = max(sorted(rates), key=lambda k: rates[k])
    others = [k for k in sent if k != best]
    alpha = (1 - confidence) / len(others)
    worst_p = 0.0
    for other in others:
        result = two_proportion_test(successes.get(other, 0), sent[other],
                                     successes.get(best, 0), sent[best])
        worst_p = max(worst_p, result.p_value)
    enough = all(n >= MIN_SAMPLE for n in sent.values())
    winner = best if enough and worst_p < alpha else None
    return Verdict(winner, worst_p, rates)
