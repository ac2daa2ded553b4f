"""Tests of the Pleiades energy: its gradient is the force of pleiades_rhs, and it is conserved."""

import numpy as np
import pytest

from sciml_lib.problems import PLEIADES
from sciml_lib.problems.pleiades import pleiades_energy, pleiades_rhs


def test_energy_gradient_is_the_force():
    """-dH/dx_i = m_i x_i'' and -dH/dy_i = m_i y_i'' (central differences)."""
    rng = np.random.default_rng(1)
    u = PLEIADES.u0 + 0.1 * rng.standard_normal(28)
    m = PLEIADES.p
    acc = pleiades_rhs(0.0, u, m)[14:]
    eps = 1e-6
    for k in range(14):
        e = np.zeros(28)
        e[k] = eps
        dH = (pleiades_energy(u + e, m) - pleiades_energy(u - e, m)) / (2 * eps)
        assert np.isclose(-dH, m[k % 7] * acc[k], rtol=1e-6, atol=1e-6)
    for k in range(14, 28):  # dH/dv = m v
        e = np.zeros(28)
        e[k] = eps
        dH = (pleiades_energy(u + e, m) - pleiades_energy(u - e, m)) / (2 * eps)
        assert np.isclose(dH, m[k % 7] * u[k], rtol=1e-7)


def test_two_bodies_closed_form_and_shapes():
    u = np.zeros(28)
    u[:7] = 1000.0 * np.arange(7)  # far apart on the x axis
    u[0], u[1] = 0.0, 2.0
    u[14] = 3.0
    m = np.arange(1.0, 8.0)
    i, j = np.triu_indices(7, 1)
    pot = -np.sum(m[i] * m[j] / np.abs(u[i] - u[j]))
    assert np.isclose(pleiades_energy(u, m), 0.5 * 1 * 9 + pot)
    assert pleiades_energy(np.stack([u, u, u]), m).shape == (3,)
    assert pleiades_energy(u, m).shape == ()


def test_energy_is_invariant_under_rotation():
    c, s = np.cos(0.7), np.sin(0.7)
    u = PLEIADES.u0
    x, y, vx, vy = u[:7], u[7:14], u[14:21], u[21:]
    rot = np.concatenate([c * x - s * y, s * x + c * y, c * vx - s * vy, s * vx + c * vy])
    assert np.isclose(pleiades_energy(rot, PLEIADES.p), pleiades_energy(u, PLEIADES.p))


def test_bad_input():
    with pytest.raises(ValueError, match="u"):
        pleiades_energy(np.zeros(27), PLEIADES.p)
    with pytest.raises(ValueError, match="m"):
        pleiades_energy(PLEIADES.u0, np.ones(6))
