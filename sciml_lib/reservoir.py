r"""Echo state networks: reservoir computing with a ridge-regression readout.

An echo state network :cite:p:`jaeger2004harnessing` drives a fixed random
recurrent network (the reservoir) with the input and trains only a linear readout:

.. math::

    x_{n+1} = (1 - a)\,x_n + a\tanh\big(W x_n + W_{in} u_n + b\big), \qquad
    y_{n+1} = W_{out}\,\phi(x_{n+1}),

with a sparse random :math:`W` rescaled to the spectral radius :math:`\rho`,
a dense random :math:`W_{in}` with entries in :math:`[-s, s]` (``input_scaling``),
leak rate :math:`a` and a feature map :math:`\phi(x) = (1, x, x_{\mathrm{even}}^2)`
(squaring half of the units breaks the :math:`x \mapsto -x` symmetry of
:math:`\tanh`, :cite:p:`pathak2018model`). Teacher forcing on a trajectory
:math:`u_0, \dots, u_T` and the targets :math:`y_{n+1} = u_{n+1}` make the readout
a ridge regression with the closed form

.. math::

    W_{out} = Y^T\Phi\,(\Phi^T\Phi + \beta I)^{-1}.

:meth:`ESN.predict` then closes the loop (:math:`u_n := y_n`) and runs the
network autonomously as a surrogate of the dynamics. The state loop is
compiled with Numba over the reservoir's CSR arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numba import njit

__all__ = ["ESN", "valid_prediction_time", "normalized_error", "LORENZ_LYAPUNOV"]

LORENZ_LYAPUNOV: float = 0.9056
"""Largest Lyapunov exponent of Lorenz (10, 28, 8/3) :cite:p:`sprott2003chaos`."""


@njit(cache=True)
def _step(indptr, indices, data, Win, b, a, x, u, out):
    n = x.shape[0]
    m = u.shape[0]
    for i in range(n):
        s = b[i]
        for k in range(indptr[i], indptr[i + 1]):
            s += data[k] * x[indices[k]]
        for j in range(m):
            s += Win[i, j] * u[j]
        out[i] = (1.0 - a) * x[i] + a * np.tanh(s)


@njit(cache=True)
def _drive(indptr, indices, data, Win, b, a, x0, U):
    T = U.shape[0]
    n = x0.shape[0]
    X = np.empty((T, n))
    x = x0.copy()
    for t in range(T):
        _step(indptr, indices, data, Win, b, a, x, U[t], X[t])
        x = X[t]
    return X


@njit(cache=True)
def _features_into(x, out):
    n = x.shape[0]
    out[0] = 1.0
    for i in range(n):
        out[1 + i] = x[i]
    for i in range(0, n, 2):
        out[1 + n + i // 2] = x[i] * x[i]


@njit(cache=True)
def _closed_loop(indptr, indices, data, Win, b, a, x0, Wout, mu, sd, n_steps):
    n = x0.shape[0]
    m = Wout.shape[0]
    nf = Wout.shape[1]
    Y = np.empty((n_steps, m))
    phi = np.empty(nf)
    x = x0.copy()
    xn = np.empty(n)
    u = np.empty(m)
    for t in range(n_steps):
        _features_into(x, phi)
        for j in range(m):
            s = 0.0
            for k in range(nf):
                s += Wout[j, k] * phi[k]
            u[j] = s
            Y[t, j] = s * sd[j] + mu[j]
        _step(indptr, indices, data, Win, b, a, x, u, xn)
        x[:] = xn
    return Y, x


def _features(X: np.ndarray) -> np.ndarray:
    return np.hstack([np.ones((X.shape[0], 1)), X, X[:, ::2] ** 2])


class ESN:
    r"""Echo state network with a sparse reservoir and a ridge readout.

    Parameters
    ----------
    n_reservoir : int
        Number of reservoir units.
    spectral_radius : float
        Largest eigenvalue modulus :math:`\rho` of :math:`W` (> 0).
    input_scaling : float
        Entries of :math:`W_{in}` are uniform in :math:`[-s, s]` (> 0).
    density : float
        Fraction of nonzero entries of :math:`W`, in (0, 1].
    ridge : float
        Tikhonov parameter :math:`\beta \ge 0` of the readout.
    seed : int
        Seed of the random reservoir (the only randomness).
    leak_rate : float
        :math:`a \in (0, 1]`.
    bias_scaling : float
        Entries of :math:`b` are uniform in :math:`[-\mathrm{bias}, \mathrm{bias}]`.
    washout : int
        Teacher-forced steps discarded before the regression.

    Notes
    -----
    Inputs are standardised (mean 0, standard deviation 1 per component)
    with the statistics of the training data; predictions are returned in
    the original units.
    """

    def __init__(
        self,
        n_reservoir: int = 400,
        spectral_radius: float = 0.5,
        input_scaling: float = 0.3,
        density: float = 0.05,
        ridge: float = 1e-7,
        seed: int = 0,
        *,
        leak_rate: float = 1.0,
        bias_scaling: float = 0.0,
        washout: int = 100,
    ) -> None:
        if not isinstance(n_reservoir, (int, np.integer)) or n_reservoir < 1:
            raise ValueError(f"n_reservoir must be a positive int, got {n_reservoir!r}")
        for name, v in (("spectral_radius", spectral_radius), ("input_scaling", input_scaling)):
            if not np.isfinite(v) or v <= 0:
                raise ValueError(f"{name} must be > 0, got {v!r}")
        if not (0 < density <= 1):
            raise ValueError(f"density must be in (0, 1], got {density!r}")
        if not np.isfinite(ridge) or ridge < 0:
            raise ValueError(f"ridge must be >= 0, got {ridge!r}")
        if not (0 < leak_rate <= 1):
            raise ValueError(f"leak_rate must be in (0, 1], got {leak_rate!r}")
        if bias_scaling < 0:
            raise ValueError(f"bias_scaling must be >= 0, got {bias_scaling!r}")
        if not isinstance(washout, (int, np.integer)) or washout < 0:
            raise ValueError(f"washout must be a non-negative int, got {washout!r}")
        self.n_reservoir = int(n_reservoir)
        self.spectral_radius = float(spectral_radius)
        self.input_scaling = float(input_scaling)
        self.density = float(density)
        self.ridge = float(ridge)
        self.seed = int(seed)
        self.leak_rate = float(leak_rate)
        self.bias_scaling = float(bias_scaling)
        self.washout = int(washout)
        rng = np.random.default_rng(self.seed)
        n = self.n_reservoir
        W = sp.random(n, n, density=self.density, format="csr", random_state=rng,
                      data_rvs=lambda k: rng.uniform(-1.0, 1.0, k))
        rho0 = self._radius(W)
        self.W: sp.csr_matrix = (W * (self.spectral_radius / rho0)).tocsr() if rho0 > 0 else W
        self.W.sort_indices()
        self._rng = rng
        self.b = rng.uniform(-1.0, 1.0, n) * self.bias_scaling
        self.W_in: np.ndarray | None = None
        self.W_out: np.ndarray | None = None
        self.state: np.ndarray | None = None
        self._mu = self._sd = None

    @staticmethod
    def _radius(W: sp.csr_matrix) -> float:
        if W.nnz == 0:
            return 0.0
        return float(np.max(np.abs(np.linalg.eigvals(W.toarray()))))

    def _arrays(self) -> tuple[Any, ...]:
        W = self.W
        return (W.indptr.astype(np.int64), W.indices.astype(np.int64), W.data, self.W_in, self.b,
                self.leak_rate)

    def run(self, u: Any, x0: Any = None) -> np.ndarray:
        """Teacher-forced reservoir states for the (already standardised) inputs ``u``.

        Returns the states :math:`x_1, \\dots, x_T`, shape (T, n_reservoir).
        """
        if self.W_in is None:
            raise RuntimeError("call fit first (it sets the input dimension)")
        U = np.ascontiguousarray(u, dtype=float)
        x0 = np.zeros(self.n_reservoir) if x0 is None else np.asarray(x0, dtype=float)
        return _drive(*self._arrays(), x0, U)

    def fit(self, u: Any) -> "ESN":
        """Train the readout to predict :math:`u_{n+1}` from the state after :math:`u_n`.

        Parameters
        ----------
        u : array_like, shape (T, m)
            A trajectory sampled at a fixed step (``T > washout + 1``).

        Returns
        -------
        ESN
            ``self``, with ``W_out`` and the final reservoir ``state`` set, ready for
            :meth:`predict`.
        """
        U = np.asarray(u, dtype=float)
        if U.ndim == 1:
            U = U[:, None]
        if U.ndim != 2 or U.shape[0] <= self.washout + 1:
            raise ValueError(f"u must have shape (T, m) with T > washout + 1 = {self.washout + 1}, "
                             f"got {np.shape(u)}")
        if not np.all(np.isfinite(U)):
            raise ValueError("u contains NaN or inf")
        m = U.shape[1]
        if self.W_in is None or self.W_in.shape[1] != m:
            rng = np.random.default_rng([self.seed, 1])
            self.W_in = rng.uniform(-self.input_scaling, self.input_scaling, (self.n_reservoir, m))
        self._mu = U.mean(axis=0)
        self._sd = U.std(axis=0)
        self._sd[self._sd == 0] = 1.0
        Z = (U - self._mu) / self._sd
        X = self.run(Z[:-1])
        Phi = _features(X[self.washout:])
        Y = Z[self.washout + 1:]
        A = Phi.T @ Phi
        A[np.diag_indices_from(A)] += self.ridge
        self.W_out = np.linalg.solve(A, Phi.T @ Y).T
        self.features_ = Phi
        self.targets_ = Y
        # the state after the last training input, to continue from u[-1]
        self.state = _drive(*self._arrays(), X[-1], Z[-1:])[0]
        return self

    def predict(self, n_steps: int) -> np.ndarray:
        """Closed-loop forecast of the next ``n_steps`` samples after the training data.

        Returns
        -------
        numpy.ndarray, shape (n_steps, m)
        """
        if self.W_out is None or self.state is None:
            raise RuntimeError("call fit before predict")
        if not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
            raise ValueError(f"n_steps must be a positive int, got {n_steps!r}")
        Y, _ = _closed_loop(*self._arrays(), self.state, np.ascontiguousarray(self.W_out),
                            self._mu, self._sd, int(n_steps))
        return Y


def normalized_error(pred: Any, truth: Any) -> np.ndarray:
    r""":math:`E(t) = \|\hat u(t) - u(t)\| / \langle\|u\|^2\rangle^{1/2}` :cite:p:`pathak2018model`.

    The mean in the denominator is over the times of ``truth``.
    """
    P = np.asarray(pred, dtype=float)
    Tr = np.asarray(truth, dtype=float)
    if P.ndim == 1:
        P = P[:, None]
    if Tr.ndim == 1:
        Tr = Tr[:, None]
    if P.shape != Tr.shape:
        raise ValueError(f"pred and truth must have the same shape, got {P.shape} and {Tr.shape}")
    return np.linalg.norm(P - Tr, axis=1) / np.sqrt(np.mean(np.sum(Tr**2, axis=1)))


def valid_prediction_time(
    pred: Any,
    truth: Any,
    dt: float,
    lyapunov_exponent: float,
    threshold: float = 0.4,
) -> float:
    r"""Valid prediction time in Lyapunov times :cite:p:`pathak2018model`.

    The first time :math:`t^*` (sample index :math:`k`, :math:`t^* = k\,\Delta t`;
    ``pred[0]`` is one step after the last training sample)
    at which :func:`normalized_error` exceeds ``threshold``, times the largest
    Lyapunov exponent :math:`\lambda`: :math:`\lambda t^*`. When the error never
    exceeds the threshold the whole horizon is returned.
    """
    if not np.isfinite(dt) or dt <= 0:
        raise ValueError(f"dt must be > 0, got {dt!r}")
    if not np.isfinite(lyapunov_exponent) or lyapunov_exponent <= 0:
        raise ValueError(f"lyapunov_exponent must be > 0, got {lyapunov_exponent!r}")
    if not np.isfinite(threshold) or threshold <= 0:
        raise ValueError(f"threshold must be > 0, got {threshold!r}")
    E = normalized_error(pred, truth)
    bad = np.nonzero(~(E <= threshold))[0]
    k = int(bad[0]) if bad.size else E.size
    return float(k * dt * lyapunov_exponent)
