"""Tests of sciml_lib.parallel: every back end against serial and independent oracles."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from sciml_lib.parallel import (
    BACKENDS,
    amdahl_speedup,
    atomic_add,
    atomic_cas,
    chunk_bounds,
    count_atomic,
    count_locked,
    count_per_worker,
    count_racy,
    count_reduction,
    count_serial,
    grid_stride_indices,
    gustafson_speedup,
    karp_flatt,
    launch,
    lorenz_mean_kernel,
    lorenz_mean_python,
    lorenz_sweep_params,
    lost_updates,
    map_reduce,
    process_pool,
    race_trials,
    run_dynamic,
    run_graph,
    run_ring,
    run_static,
    sleep_task,
    spin,
    static_makespan,
    sum_of_squares,
    sweep,
    task_overhead,
    thread_pool,
    topological_order,
    vector_add_kernel,
    warm_up_pool,
)
from sciml_lib.parallel.tasks import add, mul


@pytest.fixture(scope="module")
def procs():
    ex = process_pool(2)
    yield ex
    ex.shutdown()


# --- sweep --------------------------------------------------------------------


def test_sweep_backends_identical_and_match_python(procs):
    P = lorenz_sweep_params(120, seed=3)
    ref = sweep(lorenz_mean_kernel, P, 3, "serial", scratch_size=6)
    for b in BACKENDS:
        out = sweep(lorenz_mean_kernel, P, 3, b, scratch_size=6, workers=2, executor=procs if b == "processes" else None)
        np.testing.assert_array_equal(out, ref, err_msg=b)
    for i in range(0, 120, 17):
        np.testing.assert_allclose(ref[i], lorenz_mean_python(P[i]), rtol=1e-12, atol=1e-12)
    from sciml_lib.parallel import lorenz_mean_python_rows

    np.testing.assert_allclose(lorenz_mean_python_rows(P[:5]), ref[:5], rtol=1e-12, atol=1e-12)


@njit(nogil=True)
def _poly_kernel(p, scratch, out):
    scratch[0] = p[0] * p[0]
    out[0] = scratch[0] + p[1]
    out[1] = p[0] - p[1]


@pytest.mark.parametrize("backend", ["serial", "prange", "threads"])
@pytest.mark.parametrize("chunks", [None, 1, 7])
def test_sweep_simple_kernel_numpy_oracle(backend, chunks):
    rng = np.random.default_rng(0)
    P = rng.standard_normal((53, 2))
    out = sweep(_poly_kernel, P, 2, backend, scratch_size=1, chunks=chunks, workers=2)
    np.testing.assert_array_equal(out[:, 0], P[:, 0] ** 2 + P[:, 1])
    np.testing.assert_array_equal(out[:, 1], P[:, 0] - P[:, 1])


def test_sweep_params_distribution():
    P = lorenz_sweep_params(2000, seed=1)
    assert P.shape == (2000, 4) and np.all(P[:, 0] == 0.02)
    hi = np.array([10.0, 28.0, 8.0 / 3.0])
    assert np.all((P[:, 1:] >= 0) & (P[:, 1:] < hi))
    np.testing.assert_allclose(P[:, 1:].mean(axis=0) / hi, 0.5, atol=0.03)


def test_sweep_errors():
    P = np.ones((4, 4))
    with pytest.raises(TypeError, match="kernel"):
        sweep(lambda p, s, o: None, P, 3)
    with pytest.raises(ValueError, match="backend"):
        sweep(lorenz_mean_kernel, P, 3, "mpi")
    with pytest.raises(ValueError, match="params"):
        sweep(lorenz_mean_kernel, np.ones(4), 3)
    with pytest.raises(ValueError, match="n_out"):
        sweep(lorenz_mean_kernel, P, 0)
    with pytest.raises(ValueError, match="workers"):
        sweep(lorenz_mean_kernel, P, 3, "threads", workers=0)
    with pytest.raises(ValueError, match="scratch_size"):
        sweep(lorenz_mean_kernel, P, 3, scratch_size=-1)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 500), st.integers(1, 40))
def test_chunk_bounds_partition(n, chunks):
    b = chunk_bounds(n, chunks)
    assert b[0][0] == 0 and b[-1][1] == n
    assert all(b[i][1] == b[i + 1][0] for i in range(len(b) - 1))
    sizes = [hi - lo for lo, hi in b]
    assert max(sizes) - min(sizes) <= 1
    assert len(b) == min(chunks, max(n, 1))


# --- races --------------------------------------------------------------------


@pytest.mark.parametrize("nbins", [1, 5])
def test_race_fixes_equal_bincount(nbins):
    rng = np.random.default_rng(nbins)
    b = rng.integers(0, nbins, 200_003)
    oracle = np.bincount(b, minlength=nbins)
    np.testing.assert_array_equal(count_serial(b, nbins), oracle)
    np.testing.assert_array_equal(count_reduction(b, nbins), oracle)
    np.testing.assert_array_equal(count_reduction(b, nbins, 7), oracle)
    np.testing.assert_array_equal(count_per_worker(b, nbins, 3), oracle)
    np.testing.assert_array_equal(count_atomic(b, nbins), oracle)
    np.testing.assert_array_equal(count_locked(b[:20_000], nbins), np.bincount(b[:20_000], minlength=nbins))


def test_racy_count_only_loses_updates():
    b = np.zeros(100_000, dtype=np.int64)
    res = count_racy(b, 1)
    assert 0 < res[0] <= b.size
    lost = race_trials(b, 1, trials=3)
    assert lost.shape == (3,) and np.all(lost >= 0) and np.all(lost < b.size)
    assert 0 <= lost_updates(b, 1) < b.size
    with pytest.raises(ValueError, match="nbins"):
        lost_updates(np.array([0, 3]), 2)


@njit
def _atomics_serial():
    a = np.zeros(2, dtype=np.int64)
    old = atomic_add(a, 1, 5)
    old2 = atomic_add(a, 1, 2)
    fail = atomic_cas(a, 0, 1, 9)  # a[0] == 0 != 1: no swap
    ok = atomic_cas(a, 0, 0, 9)  # swap
    return a, old, old2, fail, ok


def test_atomic_intrinsics_semantics():
    a, old, old2, fail, ok = _atomics_serial()
    assert list(a) == [9, 7] and (old, old2, fail, ok) == (0, 5, 0, 0)


# --- laws ---------------------------------------------------------------------


def test_amdahl_gustafson_karp_flatt():
    n = np.array([1, 2, 4, 16, 1e9])
    np.testing.assert_allclose(amdahl_speedup(1.0, n), n)
    np.testing.assert_allclose(amdahl_speedup(0.0, n), 1.0)
    assert abs(amdahl_speedup(0.95, 1e12) - 20.0) < 1e-6  # ceiling 1/(1-p)
    assert amdahl_speedup(0.5, 2) == pytest.approx(4 / 3)
    assert gustafson_speedup(0.9, 10) == pytest.approx(9.1)
    for p in (0.3, 0.9, 0.99):
        for k in (2, 8, 64):
            assert karp_flatt(amdahl_speedup(p, k), k) == pytest.approx(1 - p)
    with pytest.raises(ValueError, match="p"):
        amdahl_speedup(1.5, 2)
    with pytest.raises(ValueError, match="n"):
        gustafson_speedup(0.5, 0)
    with pytest.raises(ValueError, match="n"):
        karp_flatt(1.5, 1)


# --- overheads and scheduling -------------------------------------------------


def test_static_makespan_lecture_example():
    # 24 tasks sleeping i/10 s on 6 threads: the last static chunk holds 21..24
    assert static_makespan([i / 10 for i in range(1, 25)], 6) == pytest.approx(9.0)
    assert static_makespan([i / 10 for i in range(1, 25)], 1) == pytest.approx(30.0)


def test_static_and_dynamic_return_ordered_results():
    d = [0.002 * i for i in range(1, 9)]
    with thread_pool(2) as ex:
        ts, rs = run_static(ex, sleep_task, d, 2)
        td, rd = run_dynamic(ex, sleep_task, d)
        assert rs == d and rd == d
        assert ts >= static_makespan(d, 2) * 0.99
        ov = task_overhead(ex, n_tasks=50)
        assert 0 < ov < 0.05


def test_spin_is_logistic_iteration():
    x = 0.25
    for _ in range(100):
        x = 3.9 * x * (1 - x)
    assert spin(100) == x


def test_process_pool_safety(procs):
    with pytest.raises(ValueError, match="context"):
        process_pool(2, context="fork")
    with pytest.raises(ValueError, match="workers"):
        thread_pool(0)
    import os

    pids = warm_up_pool(procs)
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


# --- task graphs, map-reduce, GPU model, MPI ----------------------------------


def test_task_graph_evaluates_to_16():
    g = {"w": (mul, ("y", "z")), "x": (add, (1, 1)), "y": (add, ("x", 2)), "z": (mul, ("x", 2))}
    order = topological_order(g)
    assert order.index("x") < order.index("y") < order.index("w")
    with ThreadPoolExecutor(2) as ex:
        assert run_graph(g, ex) == {"x": 2, "y": 4, "z": 4, "w": 16}
    with pytest.raises(ValueError, match="cycle"):
        topological_order({"a": (add, ("b", 1)), "b": (add, ("a", 1))})
    with pytest.raises(ValueError, match="not in the graph"):
        topological_order({"a": (add, ("q", 1))})


def test_map_reduce_sum_of_squares(procs):
    n = 1000
    exact = n * (n + 1) * (2 * n + 1) // 6
    data = np.arange(1, n + 1)
    assert map_reduce(sum_of_squares, data) == exact
    with thread_pool(2) as ex:
        assert map_reduce(sum_of_squares, data, ex, chunks=7) == exact
    assert map_reduce(sum_of_squares, data, procs, chunks=3) == exact


def test_gpu_kernel_simulator_grid_stride():
    n = 1000
    y, x = np.ones(n, np.float32), np.full(n, 2.0, np.float32)
    launch(vector_add_kernel, 4, 8, y, x)  # 32 threads for 1000 elements
    assert np.all(y == 3.0)
    seen = np.zeros(n, int)

    def count(ctx, s):
        for i in grid_stride_indices(ctx, len(s)):
            s[i] += 1

    launch(count, 3, 7, seen)
    assert np.all(seen == 1)
    with pytest.raises(ValueError):
        launch(count, 0, 1, seen)


def test_mpi_ring_three_ranks():
    rep = run_ring(3, timeout=120)
    assert rep["size"] == 3
    for rank, buf in enumerate(rep["received"]):
        assert buf == [(rank - 1) % 3] * 4


def test_lorenz_mean_python_oracle_is_mean_of_euler_orbit():
    from sciml_lib.dynamics import lorenz_euler_tuple

    p = (0.02, 10.0, 28.0, 8.0 / 3.0)
    orbit = lorenz_euler_tuple(np.array([1.0, 0.0, 0.0]), p, 1000)
    np.testing.assert_allclose(lorenz_mean_python(p), orbit.mean(axis=0), rtol=1e-10)
    assert math.isfinite(sum(lorenz_mean_python(p)))


def test_scratch_tasks_private_buffers_correct_shared_race():
    from sciml_lib.parallel import run_scratch_tasks

    rng = np.random.default_rng(2)
    P = rng.standard_normal((12, 5))
    oracle = (P**2).sum(axis=1)
    np.testing.assert_allclose(run_scratch_tasks(P, None, shared=True, pause=0), oracle, rtol=1e-14)
    with thread_pool(3) as ex:
        np.testing.assert_allclose(run_scratch_tasks(P, ex, shared=False), oracle, rtol=1e-14)
        shared = run_scratch_tasks(P, ex, shared=True, pause=2e-3)
    assert shared.shape == oracle.shape  # values may be wrong: that is the race the lecture shows


# ---------------------------------------------------------------- deadlock demo (Lecture 6)
def test_two_lock_demo_opposite_order_deadlocks_and_is_detected():
    from sciml_lib.parallel.deadlock import two_lock_demo

    rep = two_lock_demo(opposite_order=True, timeout=0.1, hold=0.01)
    assert rep.deadlocked and rep.completed == {"A": False, "B": False}
    waits = [iv for iv in rep.intervals if iv.kind == "wait"]
    failed = [iv for iv in waits if not iv.ok]
    # each thread got its first lock and timed out on the one the other holds
    assert sorted((iv.thread, iv.lock) for iv in failed) == [("A", "lock 2"), ("B", "lock 1")]
    assert all(iv.end - iv.start >= 0.09 for iv in failed)
    assert rep.elapsed < 5 and "DEADLOCK" in rep.describe()


def test_two_lock_demo_global_order_finishes_with_mutual_exclusion():
    from sciml_lib.parallel.deadlock import two_lock_demo

    rep = two_lock_demo(opposite_order=False, timeout=2.0, hold=0.01)
    assert not rep.deadlocked and rep.completed == {"A": True, "B": True}
    for lock in ("lock 1", "lock 2"):
        holds = sorted((iv.start, iv.end) for iv in rep.intervals
                       if iv.kind == "hold" and iv.lock == lock)
        assert len(holds) == 2 and holds[0][1] <= holds[1][0]  # never held by both at once
    assert "finished" in rep.describe()


@pytest.mark.parametrize("kwargs, exc, word", [
    ({"timeout": 0.0}, ValueError, "timeout"), ({"hold": -1.0}, ValueError, "hold"),
    ({"timeout": "1"}, TypeError, "timeout"), ({"opposite_order": 1}, TypeError, "opposite_order"),
])
def test_two_lock_demo_rejects_bad_input(kwargs, exc, word):
    from sciml_lib.parallel.deadlock import two_lock_demo

    with pytest.raises(exc, match=word):
        two_lock_demo(**kwargs)


# ---------------------------------------------------------------- machine capacity checks
def test_parallel_capacity_one_worker_is_about_one():
    from sciml_lib.parallel import parallel_capacity

    # one thread against one thread: the same work, so the ratio is 1 up to noise (other
    # tests run beside this one: a few tries, any in range passes; a wrong ratio fails all)
    assert any(0.5 < parallel_capacity(1, seconds=0.005, rounds=5) < 1.5 for _ in range(5))


def test_parallel_capacity_never_beats_the_worker_count():
    from sciml_lib.parallel import parallel_capacity

    # Amdahl: S <= workers (up to noise; a few tries as above)
    assert any(0.3 < parallel_capacity(2, seconds=0.005, rounds=5) < 2.4 for _ in range(5))


@pytest.mark.parametrize(
    "kwargs, exc",
    [({"workers": 0}, ValueError), ({"workers": 1.5}, TypeError), ({"seconds": 0}, ValueError),
     ({"rounds": 0}, ValueError)],
)
def test_parallel_capacity_rejects_bad_input(kwargs, exc):
    from sciml_lib.parallel import parallel_capacity

    with pytest.raises(exc):
        parallel_capacity(**kwargs)


def test_check_speedup_passes_without_measuring_when_bound_holds(monkeypatch):
    from sciml_lib.parallel import capacity

    def boom(*a, **k):
        raise RuntimeError("must not measure")

    monkeypatch.setattr(capacity, "parallel_capacity", boom)
    assert capacity.check_speedup(1.5, 1.2) is True


def test_check_speedup_on_a_busy_machine_says_so(monkeypatch, capsys):
    from sciml_lib.parallel import capacity

    monkeypatch.setattr(capacity, "parallel_capacity", lambda workers, **k: 1.05)
    monkeypatch.setattr(capacity.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert capacity.check_speedup(1.0, 1.2, what="sweep speed-up") is False
    assert "sweep speed-up" in capsys.readouterr().out


def test_check_speedup_on_an_idle_machine_fails_or_remeasures(monkeypatch, capsys):
    from sciml_lib.parallel import capacity

    monkeypatch.setattr(capacity, "parallel_capacity", lambda workers, **k: 1.95)
    monkeypatch.setattr(capacity.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    with pytest.raises(AssertionError, match="1.95x"):
        capacity.check_speedup(1.0, 1.2)
    assert capacity.check_speedup(1.0, 1.2, remeasure=lambda: 1.6) is True
    assert "measured again" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="1.10x"):
        capacity.check_speedup(1.0, 1.2, remeasure=lambda: 1.1)


def test_check_speedup_one_cpu_is_not_checked(monkeypatch):
    from sciml_lib.parallel import capacity

    monkeypatch.setattr(capacity.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert capacity.check_speedup(1.0, 1.2, workers=2) is False
    with pytest.raises(ValueError, match="workers"):
        capacity.check_speedup(1.0, 1.2, workers=0)


def test_offers_parallelism_follows_the_capacity(monkeypatch, capsys):
    from sciml_lib.parallel import capacity

    monkeypatch.setattr(capacity.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(capacity, "parallel_capacity", lambda workers, **k: 1.9)
    assert capacity.offers_parallelism(2) is True
    monkeypatch.setattr(capacity, "parallel_capacity", lambda workers, **k: 1.2)
    assert capacity.offers_parallelism(2) is False
    assert "busy" in capsys.readouterr().out


def test_check_timing_asserts_on_idle_and_reports_on_busy(monkeypatch, capsys):
    from sciml_lib.parallel import capacity

    monkeypatch.setattr(capacity.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert capacity.check_timing(True, "claim") is True
    monkeypatch.setattr(capacity, "parallel_capacity", lambda workers, **k: 1.9)
    with pytest.raises(AssertionError, match="processes lose"):
        capacity.check_timing(False, "processes lose")
    assert capacity.check_timing(False, "processes lose", recheck=lambda: True) is True
    monkeypatch.setattr(capacity, "parallel_capacity", lambda workers, **k: 1.1)
    assert capacity.check_timing(False, "processes lose") is False
    assert "not checked here: processes lose" in capsys.readouterr().out
