"""Tests of sciml_lib.gpu: the ensemble kernels against sciml_lib.ode.solve, per trajectory.

The CPU backend runs the generated kernel with numba.prange; the CUDA backend runs under
numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1) in a subprocess, at small sizes.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from sciml_lib.gpu import (
    branchy_select,
    controller_constants,
    cuda_available,
    ensemble_solve,
    generate_trajectory_source,
    lorenz_scalar,
    masked_select,
    roofline,
    sum_naive,
    sum_unrolled,
    transfer_time,
    vector_add,
)
from sciml_lib.ode import solve
from sciml_lib.ode.tableaus import get_tableau
from sciml_lib.problems import lorenz_rhs_tuple

TSPAN = (0.0, 1.0)


def lorenz_ensemble(N: int, seed: int = 0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    u0s = np.column_stack([rng.uniform(0.5, 1.5, N), rng.uniform(-1, 1, N), rng.uniform(0, 1, N)])
    ps = np.column_stack([np.full(N, 10.0), rng.uniform(0.0, 21.0, N), np.full(N, 8.0 / 3.0)])
    return u0s.astype(dtype), ps.astype(dtype)


def reference(u0s, ps, **kw):
    """sciml_lib.ode.solve, one trajectory at a time (the oracle)."""
    return [solve(lorenz_rhs_tuple, TSPAN, u0s[j], ps[j], **kw) for j in range(u0s.shape[0])]


def test_lorenz_scalar_is_the_problem_field():
    u, p = (1.2, -0.3, 4.0), (10.0, 13.0, 8.0 / 3.0)
    np.testing.assert_allclose(
        lorenz_scalar(0.0, u, p), lorenz_rhs_tuple(0.0, np.array(u), np.array(p))
    )


def test_adaptive_cpu_equals_solve_step_by_step():
    u0s, ps = lorenz_ensemble(6)
    kw = dict(method="Tsit5", rtol=1e-8, atol=1e-8)
    res = ensemble_solve(lorenz_scalar, u0s, ps, TSPAN, backend="cpu", **kw)
    refs = reference(u0s, ps, **kw)
    assert res.success and res.backend == "cpu"
    for j, ref in enumerate(refs):
        assert res.naccept[j] == ref.stats.naccept
        assert res.nreject[j] == ref.stats.nreject
        assert res.nf[j] == ref.stats.nf
        np.testing.assert_allclose(res.u[j], ref.u[-1], rtol=1e-12, atol=1e-12)
    assert len(set(res.naccept.tolist())) > 1  # each trajectory chose its own steps


def test_fixed_step_cpu_equals_solve_and_saveat():
    u0s, ps = lorenz_ensemble(4, seed=1)
    saveat = np.linspace(0.0, 1.0, 5)
    res = ensemble_solve(
        lorenz_scalar,
        u0s,
        ps,
        TSPAN,
        method="RK4",
        adaptive=False,
        dt=0.01,
        backend="cpu",
        saveat=saveat,
    )
    refs = reference(u0s, ps, method="RK4", adaptive=False, dt=0.01, saveat=saveat)
    for j, ref in enumerate(refs):
        assert res.naccept[j] == ref.stats.naccept == 100
        np.testing.assert_allclose(res.saved[j], ref.u, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(res.u[j], ref.u[-1], rtol=1e-12, atol=1e-12)


def test_adaptive_saveat_uses_the_dense_output_of_the_tableau():
    u0s, ps = lorenz_ensemble(3, seed=2)
    saveat = [0.0, 0.13, 0.5, 0.77, 1.0]
    kw = dict(method="Tsit5", rtol=1e-8, atol=1e-8, saveat=saveat)
    res = ensemble_solve(lorenz_scalar, u0s, ps, TSPAN, backend="cpu", **kw)
    for j, ref in enumerate(reference(u0s, ps, **kw)):
        np.testing.assert_allclose(res.saved[j], ref.u, rtol=1e-12, atol=1e-12)


def test_float32_within_float32_tolerance():
    u0s, ps = lorenz_ensemble(4, seed=3)
    res = ensemble_solve(
        lorenz_scalar,
        u0s,
        ps,
        TSPAN,
        method="RK4",
        adaptive=False,
        dt=0.01,
        backend="cpu",
        dtype=np.float32,
    )
    assert res.u.dtype == np.float32
    refs = reference(
        u0s.astype(np.float32).astype(float),
        ps.astype(np.float32).astype(float),
        method="RK4",
        adaptive=False,
        dt=0.01,
    )
    for j, ref in enumerate(refs):
        err = np.max(np.abs(res.u[j] - ref.u[-1])) / np.max(np.abs(ref.u[-1]))
        assert 0 < err < 1e-4  # float32 rounding (eps 1.2e-7) over 100 steps, not float64


def test_jax_backend_matches_solve():
    u0s, ps = lorenz_ensemble(4, seed=4)
    fixed = ensemble_solve(
        lorenz_scalar, u0s, ps, TSPAN, method="RK4", adaptive=False, dt=0.01, backend="jax"
    )
    ad = ensemble_solve(
        lorenz_scalar, u0s, ps, TSPAN, method="Tsit5", rtol=1e-10, atol=1e-10, backend="jax"
    )
    ref_fixed = reference(u0s, ps, method="RK4", adaptive=False, dt=0.01)
    ref_ad = reference(u0s, ps, method="Vern7", rtol=1e-12, atol=1e-12)
    for j in range(4):
        np.testing.assert_allclose(fixed.u[j], ref_fixed[j].u[-1], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ad.u[j], ref_ad[j].u[-1], rtol=1e-7, atol=1e-8)
    assert fixed.backend == ad.backend == "jax" and ad.success


_SIM_SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    from sciml_lib.gpu import ensemble_solve, lorenz_scalar, vector_add, cuda_available
    rng = np.random.default_rng(5)
    N = 4
    u0s = np.column_stack([rng.uniform(0.5, 1.5, N), rng.uniform(-1, 1, N), rng.uniform(0, 1, N)])
    ps = np.column_stack([np.full(N, 10.0), rng.uniform(0.0, 21.0, N), np.full(N, 8.0 / 3.0)])
    out = {"available": cuda_available()}
    r = ensemble_solve(lorenz_scalar, u0s, ps, (0.0, 0.5), method="Tsit5", rtol=1e-6, atol=1e-6,
                       backend="cuda", saveat=[0.0, 0.25, 0.5])
    out["adaptive"] = {"u": r.u.tolist(), "saved": r.saved.tolist(), "naccept": r.naccept.tolist(),
                       "nreject": r.nreject.tolist(), "status": r.status.tolist()}
    r = ensemble_solve(lorenz_scalar, u0s, ps, (0.0, 0.5), method="RK4", adaptive=False, dt=0.05,
                       backend="cuda", dtype=np.float32)
    out["fixed32"] = {"u": r.u.tolist(), "dtype": str(r.u.dtype)}
    y = np.arange(100.0)
    out["vadd"] = vector_add(y, np.ones(100), backend="cuda", blocks=2, threads=8).tolist()
    out["u0s"], out["ps"] = u0s.tolist(), ps.tolist()
    print("JSON" + json.dumps(out))
    """
)


def test_cuda_kernel_under_the_simulator_equals_solve():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    proc = subprocess.run(
        [sys.executable, "-c", _SIM_SCRIPT], capture_output=True, text=True, env=env, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.split("JSON", 1)[1])
    assert out["available"]
    u0s, ps = np.array(out["u0s"]), np.array(out["ps"])
    for j in range(4):
        ref = solve(
            lorenz_rhs_tuple,
            (0.0, 0.5),
            u0s[j],
            ps[j],
            method="Tsit5",
            rtol=1e-6,
            atol=1e-6,
            saveat=[0.0, 0.25, 0.5],
        )
        assert out["adaptive"]["naccept"][j] == ref.stats.naccept
        assert out["adaptive"]["nreject"][j] == ref.stats.nreject
        assert out["adaptive"]["status"][j] == 0
        np.testing.assert_allclose(out["adaptive"]["saved"][j], ref.u, rtol=1e-12, atol=1e-12)
        ref32 = solve(
            lorenz_rhs_tuple,
            (0.0, 0.5),
            u0s[j].astype(np.float32).astype(float),
            ps[j].astype(np.float32).astype(float),
            method="RK4",
            adaptive=False,
            dt=0.05,
        )
        np.testing.assert_allclose(out["fixed32"]["u"][j], ref32.u[-1], rtol=1e-4)
    assert out["fixed32"]["dtype"] == "float32"
    np.testing.assert_array_equal(out["vadd"], np.arange(100.0) + 1.0)


def test_bad_input_names_the_argument():
    u0s, ps = lorenz_ensemble(3)
    with pytest.raises(ValueError, match="ps"):
        ensemble_solve(lorenz_scalar, u0s, ps[:2], TSPAN, backend="cpu")
    with pytest.raises(ValueError, match="method"):
        ensemble_solve(lorenz_scalar, u0s, ps, TSPAN, method="Rodas5P", backend="cpu")
    with pytest.raises(ValueError, match="method"):
        ensemble_solve(lorenz_scalar, u0s, ps, TSPAN, method="nope", backend="cpu")
    with pytest.raises(ValueError, match="backend"):
        ensemble_solve(lorenz_scalar, u0s, ps, TSPAN, backend="tpu")
    with pytest.raises(ValueError, match="dt"):
        ensemble_solve(lorenz_scalar, u0s, ps, TSPAN, method="RK4", backend="cpu")
    with pytest.raises(TypeError, match="dtype"):
        ensemble_solve(lorenz_scalar, u0s, ps, TSPAN, dtype=np.float16, backend="cpu")
    with pytest.raises(ValueError, match="u0s"):
        ensemble_solve(lorenz_scalar, u0s[0], ps, TSPAN, backend="cpu")
    with pytest.raises(TypeError, match="f"):
        ensemble_solve(lambda t, u, p: (u[0],), u0s, ps, TSPAN, backend="cpu")
    with pytest.raises(ValueError, match="saveat"):
        ensemble_solve(lorenz_scalar, u0s, ps, TSPAN, saveat=[2.0], backend="cpu")


@pytest.mark.skipif(cuda_available(), reason="a GPU (or the simulator) is present")
def test_cuda_backend_without_gpu_is_a_clear_error():
    u0s, ps = lorenz_ensemble(2)
    with pytest.raises(ValueError, match="backend"):
        ensemble_solve(lorenz_scalar, u0s, ps, TSPAN, backend="cuda")
    with pytest.raises(ValueError, match="backend"):
        transfer_time(1000)
    assert (
        ensemble_solve(
            lorenz_scalar, u0s, ps, TSPAN, backend="auto", method="RK4", adaptive=False, dt=0.1
        ).backend
        == "cpu"
    )


def test_generated_source_reads_the_tableau():
    tab = get_tableau("Tsit5")
    src, consts = generate_trajectory_source(tab, 3, 3, adaptive=True, nsave=False)
    vals = {float(v) for v in consts.values()}
    for a in tab.A[tab.A != 0.0]:
        assert float(a) in vals  # every stage coefficient comes from TABLEAUS
    q, b1, b2 = controller_constants(tab)
    assert q == 4.0 and b1 == pytest.approx(1.2 / 5) and b2 == pytest.approx(0.2 / 5)
    assert src.count("= f(") == 1 + 1 + tab.stages - 1  # first stage, initial step, stages 2..s


def test_vector_add_and_masked_select_against_numpy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(1001)
    y = rng.standard_normal(1001)
    np.testing.assert_array_equal(vector_add(y.copy(), x, blocks=3, threads=7), y + x)
    oracle = np.where(x > 0, np.sqrt(np.abs(x)), x * x)
    np.testing.assert_allclose(masked_select(x), oracle, rtol=1e-15)
    np.testing.assert_allclose(branchy_select(x), oracle, rtol=1e-15)
    with pytest.raises(ValueError, match="x"):
        vector_add(y, x[:5])


def test_unrolled_sum_equals_the_sum():
    x = np.random.default_rng(1).standard_normal(67)
    exact = math.fsum(np.tile(x, 3))
    assert sum_naive(x, 3) == pytest.approx(exact, rel=1e-12, abs=1e-12)
    assert sum_unrolled(x, 3) == pytest.approx(exact, rel=1e-12, abs=1e-12)


def test_roofline_closed_form():
    r = roofline(flops=2e9, nbytes=1e9, peak_flops=1e12, bandwidth=1e11)
    assert r.t_compute == pytest.approx(2e-3) and r.t_memory == pytest.approx(1e-2)
    assert r.time == r.t_memory and r.bound == "memory" and r.intensity == 2.0
    with pytest.raises(ValueError, match="bandwidth"):
        roofline(1.0, 1.0, 1.0, 0.0)
