"""The one-sided binomial test, on examples worked by hand and against an independent exact sum.

P(X >= k) for X ~ Binomial(n, p) = 1 - sum_{i<k} C(n, i) p^i (1-p)^(n-i):
- 1 return on 10 units at a 5 % baseline: 1 - 0.95^10 = 0.401263 (no alarm: that happens 40 % of the time)
- 3 on 10 at 5 %: 1 - (0.95^10 + 10 x 0.05 x 0.95^9 + 45 x 0.05^2 x 0.95^8)
                = 1 - (0.598737 + 0.315125 + 0.074635) = 0.011504
- 30 on 200 at 4 % (8 expected): 5.911e-10
No scipy: the reference below sums the exact probabilities with Python's big integers and fractions.
"""

from fractions import Fraction
from math import comb

import numpy as np
import pytest

from returns.planning.significance import binomial_upper_tail, incomplete_beta, log_gamma


def exact_tail(k: int, n: int, p: Fraction) -> float:
    below = sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k))
    return float(1 - below)


def test_one_return_on_ten_units_is_likely_at_a_five_percent_baseline():
    assert binomial_upper_tail(1, 10, 0.05) == pytest.approx(1 - 0.95**10, rel=1e-12)
    assert float(binomial_upper_tail(1, 10, 0.05)) == pytest.approx(0.401263, abs=1e-6)


def test_three_returns_on_ten_units_worked_by_hand():
    by_hand = 1 - (0.95**10 + 10 * 0.05 * 0.95**9 + 45 * 0.05**2 * 0.95**8)
    assert by_hand == pytest.approx(0.011504, abs=1e-6)
    assert binomial_upper_tail(3, 10, 0.05) == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [(30, 200, Fraction(1, 25)), (15, 1000, Fraction(1, 100)), (5, 1000, Fraction(1, 100)), (2, 3, Fraction(9, 10)),
     (40, 1000, Fraction(1, 25)), (120, 2000, Fraction(1, 20)), (60, 1000, Fraction(1, 25)),
     (11, 200, Fraction(1, 25))],
)  # fmt: skip
def test_matches_the_exact_sum(k, n, p):
    assert binomial_upper_tail(k, n, float(p)) == pytest.approx(exact_tail(k, n, p), rel=1e-9)


def test_whole_arrays_at_once_and_the_edges():
    k = np.array([0, 1, 5, 3, 12])
    n = np.array([10, 10, 0, 10, 10])  # 5 returns on 0 shipped: counted as 5 on 5
    p = np.array([0.05, 0.0, 0.05, 1.0, 0.05])
    out = binomial_upper_tail(k, n, p)
    assert out[0] == 1.0  # nothing returned: nothing to explain
    assert out[1] == 0.0  # a return where none can happen
    assert out[2] == pytest.approx(0.05**5, rel=1e-9)
    assert out[3] == 1.0
    assert out[4] == pytest.approx(0.05**12, rel=1e-9)  # 12 on 10 counts as 12 on 12


def test_large_counts_stay_accurate():
    # 1,200 returns on 20,000 units at 5 % (1,000 expected): far in the tail, still to nine digits.
    from math import exp, lgamma, log

    def log_pmf(i: int, n: int, p: float) -> float:
        return lgamma(n + 1) - lgamma(i + 1) - lgamma(n - i + 1) + i * log(p) + (n - i) * log(1 - p)

    reference = sum(exp(log_pmf(i, 20_000, 0.05)) for i in range(1200, 20_001))
    assert binomial_upper_tail(1200, 20_000, 0.05) == pytest.approx(reference, rel=1e-7)


def test_log_gamma_and_the_incomplete_beta():
    assert log_gamma(np.array([1.0, 2.0, 5.0])) == pytest.approx([0.0, 0.0, np.log(24.0)], abs=1e-12)
    # I_x(1, 1) = x; I_x(a, 1) = x^a
    assert incomplete_beta(1, 1, 0.3) == pytest.approx(0.3, rel=1e-12)
    assert incomplete_beta(4, 1, 0.5) == pytest.approx(0.0625, rel=1e-12)
