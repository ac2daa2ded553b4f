"""Tests of sciml_lib.reservoir: reservoir scaling, echo-state property, ridge readout, VPT."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse.linalg as spla

from sciml_lib.reservoir import ESN, normalized_error, valid_prediction_time


def _signal(T=600):
    t = np.arange(T) * 0.05
    return np.column_stack([np.sin(t), np.cos(0.7 * t) * np.sin(0.3 * t)])


def test_spectral_radius_and_density():
    esn = ESN(200, spectral_radius=0.8, density=0.1, seed=3)
    # oracle: ARPACK's largest-magnitude eigenvalues of the sparse matrix (several of them,
    # from a fixed start vector, so a complex pair of equal modulus cannot be missed)
    lam = spla.eigs(esn.W, k=6, which="LM", return_eigenvectors=False, tol=1e-12,
                    v0=np.ones(200), ncv=60)
    assert abs(np.max(np.abs(lam)) - 0.8) < 1e-6
    assert abs(esn.W.nnz / 200**2 - 0.1) < 0.01


def test_echo_state_property_forgets_initial_state():
    esn = ESN(100, spectral_radius=0.9, seed=1).fit(_signal())
    U = _signal(400)
    rng = np.random.default_rng(0)
    xa = esn.run(U, rng.uniform(-1, 1, 100))
    xb = esn.run(U, rng.uniform(-1, 1, 100))
    d = np.linalg.norm(xa - xb, axis=1)
    assert d[0] > 1e-2 and d[-1] < 1e-8 * d[0]


def test_readout_is_the_ridge_solution():
    esn = ESN(80, ridge=1e-3, seed=2, washout=20).fit(_signal())
    Phi, Y = esn.features_, esn.targets_
    # ridge regression as an augmented least-squares problem
    A = np.vstack([Phi, np.sqrt(esn.ridge) * np.eye(Phi.shape[1])])
    B = np.vstack([Y, np.zeros((Phi.shape[1], Y.shape[1]))])
    ref = np.linalg.lstsq(A, B, rcond=None)[0].T
    np.testing.assert_allclose(esn.W_out, ref, rtol=1e-6, atol=1e-8)
    # features: constant, states, squares of the even units
    X = esn.run((_signal() - esn._mu) / esn._sd)[:-1][20:]
    np.testing.assert_allclose(Phi[:, 1:81], X)
    np.testing.assert_allclose(Phi[:, 81:], X[:, ::2] ** 2)


def test_teacher_forced_state_matches_numpy_recurrence():
    esn = ESN(50, seed=4, bias_scaling=0.3, leak_rate=0.7).fit(_signal(200))
    U = np.random.default_rng(1).normal(size=(30, 2))
    x = np.zeros(50)
    W = esn.W.toarray()
    for n in range(30):
        x = 0.3 * x + 0.7 * np.tanh(W @ x + esn.W_in @ U[n] + esn.b)
    np.testing.assert_allclose(esn.run(U)[-1], x, rtol=1e-12, atol=1e-14)


def test_predicts_a_periodic_signal_and_seeds_reproduce():
    U = _signal(1200)
    a = ESN(150, seed=5).fit(U[:1000]).predict(200)
    b = ESN(150, seed=5).fit(U[:1000]).predict(200)
    c = ESN(150, seed=6).fit(U[:1000]).predict(200)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.max(normalized_error(a[:50], U[1000:1050])) < 0.05


def test_valid_prediction_time_counts_steps():
    truth = np.ones((100, 2))
    pred = truth.copy()
    pred[37:] += 1.0  # error sqrt(2)/sqrt(2) = 1 > 0.4 from index 37 on
    assert valid_prediction_time(pred, truth, 0.1, 2.0) == pytest.approx(37 * 0.1 * 2.0)
    assert valid_prediction_time(truth, truth, 0.1, 2.0) == pytest.approx(100 * 0.1 * 2.0)


def test_bad_input():
    with pytest.raises(ValueError, match="n_reservoir"):
        ESN(0)
    with pytest.raises(ValueError, match="spectral_radius"):
        ESN(10, spectral_radius=-1)
    with pytest.raises(ValueError, match="density"):
        ESN(10, density=0)
    with pytest.raises(ValueError, match="ridge"):
        ESN(10, ridge=-1)
    with pytest.raises(ValueError, match="u must"):
        ESN(10).fit(np.ones((50, 2)))
    with pytest.raises(RuntimeError):
        ESN(10).predict(5)
    with pytest.raises(ValueError, match="same shape"):
        valid_prediction_time(np.ones((5, 2)), np.ones((6, 2)), 0.1, 1.0)
    with pytest.raises(ValueError, match="dt"):
        valid_prediction_time(np.ones((5, 2)), np.ones((5, 2)), -0.1, 1.0)
    with pytest.raises(ValueError, match="threshold"):
        valid_prediction_time(np.ones((5, 2)), np.ones((5, 2)), 0.1, 1.0, threshold=-1)
