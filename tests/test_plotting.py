"""Tests of sciml_lib.plotting."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from sciml_lib import plotting


def test_fit_loglog_slope_recovers_power_law():
    h = np.logspace(-4, -1, 7)
    for p in (1, 2, 4.5):
        assert plotting.fit_loglog_slope(h, 3.0 * h**p) == pytest.approx(p, abs=1e-10)


def test_fit_loglog_slope_rejects_bad_input():
    with pytest.raises(ValueError):
        plotting.fit_loglog_slope([1.0], [1.0])
    with pytest.raises(ValueError):
        plotting.fit_loglog_slope([1.0, 2.0], [0.0, 1.0])
    with pytest.raises(ValueError):
        plotting.fit_loglog_slope([1.0, 2.0], [1.0, 2.0, 3.0])


def test_use_style_sets_palette():
    plotting.use_style()
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.lower() for c in colors] == [c.lower() for c in plotting.PALETTE]
    assert matplotlib.rcParams["axes.grid"] is True


def test_subplots_and_helpers_draw():
    fig, axes = plotting.subplots(1, 2)
    assert axes.shape == (2,)
    h = np.array([0.1, 0.05, 0.025])
    p = plotting.annotate_slope(axes[0], h, h**2, label="RK2")
    assert p == pytest.approx(2.0)
    assert "slope 2.00" in axes[0].get_lines()[0].get_label()
    plotting.bar_speedups(axes[1], ["a", "b"], [1.0, 10.0], baseline="a")
    assert axes[1].get_xscale() == "log"
    import matplotlib.pyplot as plt

    plt.close(fig)
