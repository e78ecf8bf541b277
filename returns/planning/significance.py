"""Is a count of returns more than the baseline rate explains? A one-sided exact binomial test, vectorised.

Each shipped unit comes back with probability p (the baseline return rate). The p-value of seeing k or more
returns out of n shipped units is the binomial upper tail

    P(X >= k) = sum_{i=k}^{n} C(n, i) p^i (1 - p)^(n - i) = I_p(k, n - k + 1)

(I = the regularised incomplete beta function). numpy has no special functions and the portal does not need
scipy for one test, so both are here: a Lanczos log-gamma and Lentz's continued fraction (Numerical Recipes,
6.1 and 6.4), evaluated over whole arrays at once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# Lanczos approximation, g = 7, n = 9: relative error below 1e-15 for x >= 0.5.
_G = 7.0
_LANCZOS = np.array(
    [
        0.99999999999980993,
        676.5203681218851,
        -1259.1392167224028,
        771.32342877765313,
        -176.61502916214059,
        12.507343278686905,
        -0.13857109526572012,
        9.9843695780195716e-6,
        1.5056327351493116e-7,
    ]
)
_EPS = 1e-15
_TINY = 1e-300
_MAX_ITERATIONS = 20_000


def log_gamma(x: npt.ArrayLike) -> np.ndarray:
    """ln Γ(x) for x >= 0.5 (all the incomplete beta below needs: its arguments are at least 1)."""
    x = np.asarray(x, dtype=float) - 1.0
    series = np.full_like(x, _LANCZOS[0])
    for i in range(1, len(_LANCZOS)):
        series += _LANCZOS[i] / (x + i)
    t = x + _G + 0.5
    return 0.5 * np.log(2 * np.pi) + (x + 0.5) * np.log(t) - t + np.log(series)


def _continued_fraction(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The continued fraction of I_x(a, b) (modified Lentz), iterated until every element has converged."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = np.where(np.abs(d) < _TINY, _TINY, d)
    d = 1.0 / d
    h = d.copy()
    active = np.ones(x.shape, dtype=bool)
    for m in range(1, _MAX_ITERATIONS + 1):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        h = np.where(active, h * d * c, h)
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        delta = d * c
        h = np.where(active, h * delta, h)
        active &= np.abs(delta - 1.0) > _EPS
        if not active.any():
            return h
    raise ArithmeticError("incomplete beta: the continued fraction did not converge")


def incomplete_beta(a: npt.ArrayLike, b: npt.ArrayLike, x: npt.ArrayLike) -> np.ndarray:
    """Regularised I_x(a, b) for a, b >= 1 and 0 <= x <= 1, elementwise."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, x)))
    out = np.where(x >= 1.0, 1.0, 0.0)
    inside = (x > 0.0) & (x < 1.0)
    if not inside.any():
        return out
    ai, bi, xi = a[inside], b[inside], x[inside]
    log_front = log_gamma(ai + bi) - log_gamma(ai) - log_gamma(bi) + ai * np.log(xi) + bi * np.log1p(-xi)
    front = np.exp(log_front)
    # The fraction converges fast only below the mean; above it use I_x(a, b) = 1 - I_{1-x}(b, a).
    direct = xi < (ai + 1.0) / (ai + bi + 2.0)
    value = np.empty_like(xi)
    if direct.any():
        value[direct] = front[direct] * _continued_fraction(ai[direct], bi[direct], xi[direct]) / ai[direct]
    flip = ~direct
    if flip.any():
        tail = front[flip] * _continued_fraction(bi[flip], ai[flip], 1.0 - xi[flip]) / bi[flip]
        value[flip] = 1.0 - tail
    out[inside] = np.clip(value, 0.0, 1.0)
    return out


def binomial_upper_tail(k: npt.ArrayLike, n: npt.ArrayLike, p: npt.ArrayLike) -> np.ndarray:
    """P(X >= k) for X ~ Binomial(n, p), elementwise: the one-sided p-value of k returns out of n units.

    Counts are rounded to whole units; more returns than shipments (late shipment data) count as n = k.
    """
    k = np.rint(np.asarray(k, dtype=float))
    n = np.maximum(np.rint(np.asarray(n, dtype=float)), k)
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    k, n, p = np.broadcast_arrays(k, n, p)
    out = np.ones(k.shape)
    some = k > 0
    out[some & (p <= 0.0)] = 0.0
    test = some & (p > 0.0) & (p < 1.0)
    if test.any():
        out[test] = incomplete_beta(k[test], n[test] - k[test] + 1.0, p[test])
    return out
