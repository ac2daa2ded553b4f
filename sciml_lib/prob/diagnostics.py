r"""MCMC convergence diagnostics: rank-normalised split R-hat, bulk/tail ESS, MCSE.

Written from the definitions of :cite:p:`vehtari2021rank` (the algorithms of Stan
and ArviZ), for teaching; the tests check them against ArviZ.

For :math:`M` chains of :math:`N` draws the chains are split in half
(:math:`2M` chains of :math:`N/2`), so that a trend inside a chain shows up as a
between-chain difference. With :math:`W` the mean within-chain variance and
:math:`B/N` the variance of the chain means,

.. math::

   \widehat{\mathrm{var}}^+ = \frac{N-1}{N} W + \frac{B}{N}, \qquad
   \hat R = \sqrt{\widehat{\mathrm{var}}^+ / W}.

The effective sample size is :math:`S_\mathrm{eff} = MN/\hat\tau` with
:math:`\hat\tau = -1 + 2\sum_{t} \hat P_t`, the sum of Geyer's initial monotone
sequence of paired autocorrelations :math:`\hat P_t = \hat\rho_{2t} + \hat\rho_{2t+1}`,
the autocorrelations being combined over chains as
:math:`\hat\rho_t = 1 - (W - \overline{\hat\gamma_t})/\widehat{\mathrm{var}}^+`.
"Bulk" quantities use the rank-normalised draws
:math:`z = \Phi^{-1}((r - 3/8)/(S + 1/4))`, "tail" ESS is the minimum of the ESS of
the indicators of the 5% and 95% quantiles.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

__all__ = ["ess", "ess_bulk", "ess_tail", "rhat", "mcse_mean", "summary"]


def _as_draws(x: Any, name: str = "draws") -> np.ndarray:
    """Return draws as (chains, draws, dim) float array (1-D -> one chain, 2-D -> one dim)."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[None, :, None]
    elif a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3:
        raise ValueError(f"{name} must have shape (chains, draws[, dim]), got {a.shape}")
    if a.shape[1] < 4:
        raise ValueError(f"{name} needs at least 4 draws per chain, got {a.shape[1]}")
    return a


def _squeeze(out: np.ndarray, x: Any) -> Any:
    return out if np.ndim(x) == 3 else float(out[0])


def _split(a: np.ndarray) -> np.ndarray:
    """(M, N) -> (2M, N//2): the halves of every chain (the middle draw dropped when N is odd)."""
    n = a.shape[1] // 2
    return np.concatenate([a[:, :n], a[:, -n:]], axis=0)


def _autocov(a: np.ndarray) -> np.ndarray:
    """Biased autocovariance of every row by FFT."""
    m, n = a.shape
    c = a - a.mean(axis=1, keepdims=True)
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    f = np.fft.rfft(c, nfft, axis=1)
    return np.fft.irfft(f * np.conj(f), nfft, axis=1)[:, :n] / n


def _ess_1d(a: np.ndarray) -> float:
    """ESS of one quantity from its (already split) chains, shape (M, N)."""
    m, n = a.shape
    if np.ptp(a) == 0 or not np.all(np.isfinite(a)):
        return np.nan
    acov = _autocov(a)
    chain_var = acov[:, 0] * n / (n - 1.0)
    w = chain_var.mean()
    var_plus = w * (n - 1.0) / n
    if m > 1:
        var_plus += a.mean(axis=1).var(ddof=1)
    rho = 1.0 - (w - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    # Geyer's initial positive sequence of pair sums, made monotone
    npair = (n - 1) // 2
    p = rho[0 : 2 * npair : 2] + rho[1 : 2 * npair + 1 : 2]
    pos = np.nonzero(p <= 0)[0]
    k = pos[0] if pos.size else npair
    p = np.minimum.accumulate(p[:k]) if k > 0 else p[:0]
    tau = -1.0 + 2.0 * p.sum()
    # the last positive odd-lag correction of Stan / ArviZ
    if k > 0 and 2 * k + 1 < n and rho[2 * k] > 0:
        tau += rho[2 * k]
    tau = max(tau, 1.0 / np.log10(m * n))
    return m * n / tau


def _rank_normalise(a: np.ndarray) -> np.ndarray:
    s = a.size
    r = stats.rankdata(a, method="average").reshape(a.shape)
    return special.ndtri((r - 0.375) / (s + 0.25))


def ess(draws: Any) -> Any:
    """Basic (split, not rank-normalised) ESS of every coordinate: for the MCSE of the mean.

    Parameters
    ----------
    draws : array_like, shape (chains, draws[, dim])

    Returns
    -------
    float or numpy.ndarray of shape (dim,)
    """
    a = _as_draws(draws)
    out = np.array([_ess_1d(_split(a[:, :, j])) for j in range(a.shape[2])])
    return _squeeze(out, draws)


def ess_bulk(draws: Any) -> Any:
    """Bulk ESS: the ESS of the rank-normalised split chains :cite:p:`vehtari2021rank`.

    Parameters
    ----------
    draws : array_like, shape (chains, draws[, dim])

    Returns
    -------
    float or numpy.ndarray of shape (dim,)
    """
    a = _as_draws(draws)
    out = np.array([_ess_1d(_rank_normalise(_split(a[:, :, j]))) for j in range(a.shape[2])])
    return _squeeze(out, draws)


def ess_tail(draws: Any, prob: float = 0.05) -> Any:
    """Tail ESS: the smaller ESS of the indicators of the ``prob`` and ``1 - prob`` quantiles.

    Parameters
    ----------
    draws : array_like, shape (chains, draws[, dim])
    prob : float
        Tail probability (0.05 as in :cite:p:`vehtari2021rank`).

    Returns
    -------
    float or numpy.ndarray of shape (dim,)
    """
    if not 0 < prob < 0.5:
        raise ValueError(f"prob must be in (0, 0.5), got {prob!r}")
    a = _as_draws(draws)
    out = []
    for j in range(a.shape[2]):
        x = _split(a[:, :, j])
        lo, hi = np.quantile(x, [prob, 1 - prob])
        out.append(min(_ess_1d((x <= lo).astype(float)), _ess_1d((x <= hi).astype(float))))
    return _squeeze(np.array(out), draws)


def _rhat_1d(a: np.ndarray) -> float:
    m, n = a.shape
    w = a.var(axis=1, ddof=1).mean()
    b_over_n = a.mean(axis=1).var(ddof=1)
    return float(np.sqrt(((n - 1.0) / n * w + b_over_n) / w))


def rhat(draws: Any) -> Any:
    r"""Rank-normalised split :math:`\hat R` :cite:p:`vehtari2021rank`.

    The maximum of the bulk :math:`\hat R` (rank-normalised draws) and the tail
    :math:`\hat R` (rank-normalised folded draws :math:`|x - \mathrm{median}|`).

    Parameters
    ----------
    draws : array_like, shape (chains, draws[, dim])

    Returns
    -------
    float or numpy.ndarray of shape (dim,)
    """
    a = _as_draws(draws)
    out = []
    for j in range(a.shape[2]):
        x = _split(a[:, :, j])
        bulk = _rhat_1d(_rank_normalise(x))
        tail = _rhat_1d(_rank_normalise(np.abs(x - np.median(x))))
        out.append(max(bulk, tail))
    return _squeeze(np.array(out), draws)


def mcse_mean(draws: Any) -> Any:
    r"""Monte Carlo standard error of the posterior mean, :math:`\mathrm{sd}/\sqrt{S_\mathrm{eff}}`.

    Parameters
    ----------
    draws : array_like, shape (chains, draws[, dim])

    Returns
    -------
    float or numpy.ndarray of shape (dim,)
    """
    a = _as_draws(draws)
    sd = a.reshape(-1, a.shape[2]).std(axis=0, ddof=1)
    out = sd / np.sqrt(np.atleast_1d(ess(a)))
    return _squeeze(out, draws)


def summary(draws: Any, names: Any = None) -> dict[str, np.ndarray]:
    """Mean, sd, 5% and 95% quantiles, MCSE, bulk and tail ESS and R-hat of every coordinate.

    Returns
    -------
    dict
        Arrays of shape (dim,) keyed by ``names`` (if given), ``mean``, ``sd``,
        ``q5``, ``q95``, ``mcse_mean``, ``ess_bulk``, ``ess_tail``, ``rhat``.
    """
    a = _as_draws(draws)
    flat = a.reshape(-1, a.shape[2])
    out = {
        "mean": flat.mean(axis=0),
        "sd": flat.std(axis=0, ddof=1),
        "q5": np.quantile(flat, 0.05, axis=0),
        "q95": np.quantile(flat, 0.95, axis=0),
        "mcse_mean": np.atleast_1d(mcse_mean(a)),
        "ess_bulk": np.atleast_1d(ess_bulk(a)),
        "ess_tail": np.atleast_1d(ess_tail(a)),
        "rhat": np.atleast_1d(rhat(a)),
    }
    if names is not None:
        names = list(names)
        if len(names) != a.shape[2]:
            raise ValueError(f"names has {len(names)} entries for {a.shape[2]} coordinates")
        out["names"] = np.array(names)
    return out
