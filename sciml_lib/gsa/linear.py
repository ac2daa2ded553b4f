r"""Linear sensitivity measures: correlation, SRC and PCC :cite:p:`saltelli2008global`.

Fit :math:`y \approx \beta_0 + \sum_i \beta_i x_i` by least squares. With the
erratum of the original notes fixed, the coefficients are standardised by
**standard deviations**,

.. math:: \mathrm{SRC}_i = \beta_i \sqrt{V[x_i] / V[y]} = \beta_i\,\sigma_{x_i}/\sigma_y,

and for a linear model with independent inputs
:math:`V[y] = \sum_i \beta_i^2 V[x_i]`, so :math:`\sum_i \mathrm{SRC}_i^2 = R^2`.
The correlation coefficient is
:math:`\mathrm{CC}_i = \mathrm{cov}(x_i, y)/\sqrt{V[x_i]V[y]}`, and the partial
correlation coefficient :math:`\mathrm{PCC}_i` is the correlation of the
residuals of :math:`x_i` and of :math:`y` after regressing both on the other
inputs (with an intercept): it removes the others' linear effects.

``y`` may be ``(n,)`` (results ``(d,)``) or ``(n, k)`` (results ``(k, d)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._result import per_output

__all__ = ["correlation", "src", "pcc", "r_squared"]


def _xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, int]:
    X = np.asarray(X, dtype=float)
    Y = np.asarray(y, dtype=float)
    if X.ndim != 2 or X.shape[0] < X.shape[1] + 2:
        raise ValueError(f"X must be (n, d) with n >= d + 2, got shape {X.shape}")
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y must have shape ({X.shape[0]},) or ({X.shape[0]}, k), got {np.shape(y)}"
        )
    if np.any(X.std(axis=0) == 0) or np.any(Y.std(axis=0) == 0):
        raise ValueError("every column of X and y must vary")
    return X, Y, Y.shape[1]


def _lstsq(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    Xc = np.column_stack([np.ones(X.shape[0]), X])
    return np.linalg.lstsq(Xc, Y, rcond=None)[0]


def correlation(X: Any, y: Any) -> np.ndarray:
    r"""Pearson correlation :math:`\mathrm{CC}_i` of each input column with each output."""
    X, Y, k = _xy(X, y)
    Xs = (X - X.mean(0)) / X.std(0)
    Ys = (Y - Y.mean(0)) / Y.std(0)
    return per_output(Xs.T @ Ys / X.shape[0], k)


def src(X: Any, y: Any) -> np.ndarray:
    r"""Standardised regression coefficients :math:`\beta_i\sigma_{x_i}/\sigma_y`."""
    X, Y, k = _xy(X, y)
    beta = _lstsq(X, Y)[1:]  # (d, k)
    return per_output(beta * X.std(0)[:, None] / Y.std(0)[None, :], k)


def r_squared(X: Any, y: Any) -> Any:
    """Coefficient of determination :math:`R^2` of the linear fit (float, or (k,) array)."""
    X, Y, k = _xy(X, y)
    coef = _lstsq(X, Y)
    res = Y - np.column_stack([np.ones(X.shape[0]), X]) @ coef
    r2 = 1 - res.var(0) / Y.var(0)
    return float(r2[0]) if k == 1 else r2


def pcc(X: Any, y: Any) -> np.ndarray:
    r"""Partial correlation coefficients: :math:`\mathrm{corr}(x_i - \hat x_i, y - \hat y)`.

    :math:`\hat x_i` and :math:`\hat y` are the least-squares fits on the other inputs.
    """
    X, Y, k = _xy(X, y)
    d = X.shape[1]
    out = np.empty((d, k))
    for i in range(d):
        others = np.delete(X, i, axis=1)
        if d > 1:
            Oc = np.column_stack([np.ones(X.shape[0]), others])
            rx = X[:, i] - Oc @ np.linalg.lstsq(Oc, X[:, i], rcond=None)[0]
            ry = Y - Oc @ np.linalg.lstsq(Oc, Y, rcond=None)[0]
        else:
            rx, ry = X[:, i] - X[:, i].mean(), Y - Y.mean(0)
        rx = (rx - rx.mean()) / rx.std()
        ry = (ry - ry.mean(0)) / ry.std(0)
        out[i] = rx @ ry / X.shape[0]
    return per_output(out, k)
