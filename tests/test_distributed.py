"""Tests of sciml_lib.distributed: run_mpi, the MPI programs, word count, ping-pong, ensembles."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import uuid
from collections import Counter

import numpy as np
import pytest

from sciml_lib.distributed import (
    STOPWORDS,
    MPIOutputError,
    MPIRunError,
    MPITimeoutError,
    clean_words,
    compare_results,
    count_words,
    efficiency,
    ensemble_params,
    ensemble_statistics,
    fit_amdahl,
    fit_gustafson,
    fit_latency_bandwidth,
    frequent_words,
    generate_corpus,
    generate_document,
    merge_counts,
    message_sizes,
    normalized_scores,
    orphans,
    pipe_pingpong,
    process_tree,
    repetitions,
    run_mpi,
    shm_pingpong,
    solve_members,
    strip_gutenberg,
    top_words,
    word_count_serial,
)
from sciml_lib.distributed.programs import PROGRAMS
from sciml_lib.parallel import amdahl_speedup, gustafson_speedup, run_ring

PKG = "sciml_lib.distributed.programs."
TIMEOUT = 120


def _ps_lines(marker: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,stat,args"], capture_output=True, text=True).stdout
    return [ln for ln in out.splitlines() if marker in ln and " Z" not in ln and "ps -eo" not in ln]


def _script(tmp_path, body: str):
    path = tmp_path / f"prog_{uuid.uuid4().hex[:8]}.py"
    path.write_text(textwrap.dedent(body))
    return path


# --------------------------------------------------------------------------- run_mpi
def test_run_mpi_bad_input(tmp_path):
    with pytest.raises(ValueError, match="n"):
        run_mpi(PKG + "hello", 0)
    with pytest.raises(TypeError, match="n"):
        run_mpi(PKG + "hello", 1.5)
    with pytest.raises(TypeError, match="n"):
        run_mpi(PKG + "hello", True)
    with pytest.raises(ValueError, match="timeout"):
        run_mpi(PKG + "hello", 1, timeout=0)
    with pytest.raises(ModuleNotFoundError, match="script_or_module"):
        run_mpi(PKG + "no_such_program", 1)
    with pytest.raises(FileNotFoundError, match="script_or_module"):
        run_mpi(str(tmp_path / "missing.py"), 1)
    with pytest.raises(TypeError, match="script_or_module"):
        run_mpi(42, 1)


@pytest.mark.parametrize("n", [1, 2])
def test_hello(n):
    res = run_mpi(PKG + "hello", n, timeout=TIMEOUT)
    assert [r["rank"] for r in res.results] == list(range(n))
    assert all(r["size"] == n for r in res.results)
    assert all(r["host"] == socket.gethostname() for r in res.results)
    assert len({r["pid"] for r in res.results}) == n
    assert res.result == res.results[0] and res.returncode == 0 and orphans() == []


@pytest.mark.parametrize("n", [1, 2, 3])
def test_ring_token_is_sum_of_ranks(n):
    laps = 4
    rep = run_mpi(PKG + "ring", n, laps, timeout=TIMEOUT).results[0]
    assert rep["size"] == n
    assert rep["token"] == laps * sum(range(n))  # independent oracle: n(n-1)/2 per lap
    assert rep["hop_time_s"] > 0


def test_parallel_run_ring_delegates():
    rep = run_ring(2, timeout=TIMEOUT)
    assert rep["received"] == [[1] * 4, [0] * 4]
    with pytest.raises(ValueError, match="n_ranks"):
        run_ring(0)


def test_rank_crash_raises_with_traceback(tmp_path):
    msg = f"boom-{uuid.uuid4().hex}"
    path = _script(tmp_path, f"""
        from mpi4py import MPI
        comm = MPI.COMM_WORLD
        if comm.Get_rank() == 1:
            raise RuntimeError("{msg}")
        comm.Barrier()  # rank 0 would wait forever without MPI_Abort
    """)
    with pytest.raises(MPIRunError, match=msg) as err:
        run_mpi(path, 2, timeout=TIMEOUT)
    assert "rank 1" in str(err.value) and "Traceback" in str(err.value)
    assert err.value.returncode != 0
    assert orphans() == []


def test_timeout_kills_every_process(tmp_path):
    path = _script(tmp_path, """
        import time
        from mpi4py import MPI
        print("started", flush=True)
        time.sleep(600)
    """)
    with pytest.raises(MPITimeoutError, match="timeout") as err:
        run_mpi(path, 2, timeout=4, json_output=False)
    assert isinstance(err.value, subprocess.TimeoutExpired)
    assert err.value.killed >= 3  # mpiexec, its proxy, the ranks
    assert _ps_lines(path.name) == []  # no rank survives: checked with ps
    assert orphans() == []


def test_non_json_output(tmp_path):
    path = _script(tmp_path, 'print("not json", flush=True)\n')
    with pytest.raises(MPIOutputError, match="json_output"):
        run_mpi(path, 2, timeout=TIMEOUT)
    res = run_mpi(path, 2, timeout=TIMEOUT, json_output=False)
    assert res.rank_stdout == ["not json\n"] * 2 and res.results == [None, None]


def test_process_tree_contains_children():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        import os

        tree = process_tree(os.getpid())
        assert tree[0] == os.getpid() and proc.pid in tree
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("n", [1, 3])
def test_collectives_against_numpy(n):
    res = run_mpi(PKG + "collectives", n, timeout=TIMEOUT).results
    for r in res:
        k = r["rank"]
        assert r["bcast"] == [10, 11, 12, 13]
        assert r["scatter"] == np.arange(2 * n)[2 * k:2 * k + 2].tolist()
        assert r["allreduce_max"] == max(range(n))
        assert r["allgather"] == list(range(n))
        assert r["allgatherv"] == np.repeat(np.arange(n), np.arange(1, n + 1)).tolist()
    assert res[0]["gather"] == (np.arange(n) ** 2).tolist()
    assert res[0]["reduce_sum"] == int(np.sum(np.arange(n) + 1))


# --------------------------------------------------------------------------- deadlock
def test_deadlock_is_killed_at_timeout():
    with pytest.raises(MPITimeoutError):
        run_mpi(PKG + "deadlock", 2, "deadlock", timeout=3)
    assert orphans() == []


def test_deadlock_watchdog_aborts():
    with pytest.raises(MPIRunError) as err:
        run_mpi(PKG + "deadlock", 2, "deadlock", "--watchdog", 2, timeout=TIMEOUT)
    assert any('"deadlocked": true' in out for out in err.value.rank_stdout)


def test_deadlock_needs_two_ranks():
    with pytest.raises(MPIRunError, match="exactly 2 ranks"):
        run_mpi(PKG + "deadlock", 1, "sendrecv", timeout=TIMEOUT)


@pytest.mark.parametrize("mode", ["small", "sendrecv", "nonblocking"])
def test_deadlock_fixes_complete(mode):
    res = run_mpi(PKG + "deadlock", 2, mode, timeout=TIMEOUT)
    assert [r["ok"] for r in res.results] == [True, True]
    assert res.results[0]["nbytes"] == (64 if mode == "small" else 4 * 2**20)


# --------------------------------------------------------------------------- word count
def test_strip_and_clean():
    text = ("Header Boilerplate 12\n*** START OF X ***\nThe Cat, the cat; DOG42! and a mouse.\n"
            "*** END OF X ***\nfooter boilerplate")
    assert "Boilerplate" not in strip_gutenberg(text) and "Cat" in strip_gutenberg(text)
    assert clean_words(text) == ["cat", "cat", "dog", "mouse"]
    assert count_words(text) == {"cat": 2, "dog": 1, "mouse": 1}
    assert strip_gutenberg("no markers") == "no markers"
    with pytest.raises(TypeError, match="text"):
        strip_gutenberg(3)


def test_generated_corpus_is_deterministic_and_clean():
    a, b = generate_corpus(3, 500), generate_corpus(3, 500)
    assert a == b and a[0] != a[1]
    assert generate_document(1, 500) == a[1]
    words = clean_words(a[0])
    assert "boilerplate" not in words and not set(words) & STOPWORDS
    assert 0.6 * 500 < len(words) <= 500
    with pytest.raises(ValueError, match="index"):
        generate_document(-1)
    with pytest.raises(ValueError, match="n_docs"):
        generate_corpus(0)


def test_merge_frequent_scores_top():
    a, b = {"x": 3, "y": 1}, {"x": 1, "z": 5}
    assert merge_counts([a, b]) == dict(Counter(a) + Counter(b))
    overall = {f"w{i}": i for i in range(1, 101)}
    cut = np.percentile(np.arange(1, 101), 98)
    assert frequent_words(overall) == {w for w, c in overall.items() if c > cut}
    assert normalized_scores({"w99": 33, "w1": 1}, overall, {"w99", "w100"}) == {"w99": 33 / 99}
    assert top_words({"a": 1.0, "b": 2.0, "c": 2.0}, 2) == [("b", 2.0), ("c", 2.0)]
    with pytest.raises(ValueError, match="q"):
        frequent_words(overall, 101)
    with pytest.raises(ValueError, match="k"):
        top_words({}, 0)
    with pytest.raises(TypeError, match="counts"):
        merge_counts([1])


def test_word_count_serial_against_counter():
    docs = generate_corpus(4, 2000)
    res = word_count_serial(docs)
    oracle = Counter()
    for d in docs:
        oracle.update(w for w in strip_gutenberg(d).lower().translate(
            str.maketrans("", "", "0123456789")).replace("--", " ").replace(",", " ")
            .replace(".", " ").replace(";", " ").replace("!", " ").replace("?", " ").split()
            if w not in STOPWORDS)
    assert res["overall"] == dict(oracle)
    assert compare_results(res, word_count_serial(list(docs)))


@pytest.mark.parametrize("n", [1, 2])
def test_word_count_versions_identical(n):
    rep = run_mpi(PKG + "word_count", n, "--docs", 5, "--words", 3000, "--repeat", 1,
                  timeout=TIMEOUT).results[0]
    assert rep["identical"] is True
    corpus = generate_corpus(5, 3000)
    assert rep["corpus_bytes"] == sum(len(d.encode()) for d in corpus)
    ref = word_count_serial(corpus)
    for name in ("serial", "p2p", "collective"):
        got = {int(i): [(w, s) for w, s in t] for i, t in rep[name]["top"].items()}
        assert got == ref["top"]
    if n == 1:
        assert rep["p2p"]["bytes_sent"] == rep["collective"]["bytes_sent"] == 0
    else:
        assert 0 < rep["collective"]["bytes_sent"] < rep["p2p"]["bytes_sent"]


# --------------------------------------------------------------------------- ping-pong
def test_pingpong_json_schema():
    rep = run_mpi(PKG + "pingpong", 2, "--max-exp", 12, "--scale", 0.1,
                  timeout=TIMEOUT).results[0]
    assert rep["program"] == "pingpong" and rep["size"] == 2
    for api in ("buffer", "pickle"):
        t = rep[api]
        assert t["nbytes"] == [2**k for k in range(1, 13)]
        for key in ("reps", "median_s", "min_s", "bandwidth_Bps"):
            assert len(t[key]) == 12
        assert all(0 < lo <= med for lo, med in zip(t["min_s"], t["median_s"]))
        np.testing.assert_allclose(t["bandwidth_Bps"], np.array(t["nbytes"]) / t["median_s"])
        assert rep["fit"][api]["alpha_s"] >= 0 and rep["fit"][api]["beta_Bps"] > 0


def test_pingpong_needs_two_ranks():
    with pytest.raises(MPIRunError, match="2 ranks"):
        run_mpi(PKG + "pingpong", 1, "--max-exp", 3, timeout=TIMEOUT)


def test_fit_latency_bandwidth_recovers_model():
    n = np.array(message_sizes(1, 25), dtype=float)
    alpha, beta = 2.5e-6, 5e9
    a, b = fit_latency_bandwidth(n, alpha + n / beta)
    assert a == pytest.approx(alpha, rel=1e-8) and b == pytest.approx(beta, rel=1e-8)
    # a noisy measurement: the unweighted polyfit slope agrees on the bandwidth
    t = (alpha + n / beta) * (1 + 0.01 * np.random.default_rng(0).standard_normal(n.size))
    a, b = fit_latency_bandwidth(n, t)
    assert b == pytest.approx(1 / np.polyfit(n, t, 1)[0], rel=0.05)
    assert a == pytest.approx(alpha, rel=0.1)
    with pytest.raises(ValueError, match="seconds"):
        fit_latency_bandwidth([1, 2], [0.0, 1.0])


def test_message_sizes_and_repetitions():
    assert message_sizes(1, 4) == [2, 4, 8, 16]
    assert repetitions(2) == 300 and repetitions(2**25) == 10
    with pytest.raises(ValueError, match="min_exp"):
        message_sizes(5, 2)


@pytest.mark.parametrize("fn", [pipe_pingpong, shm_pingpong])
def test_local_pingpongs(fn):
    t = fn([8, 4096, 2**20], scale=0.05)
    assert t["nbytes"] == [8, 4096, 2**20]
    assert all(0 < lo <= med < 1.0 for lo, med in zip(t["min_s"], t["median_s"]))


# --------------------------------------------------------------------------- ensemble
def test_solve_members_against_scipy():
    from scipy.integrate import solve_ivp

    P = ensemble_params(3, seed=4)
    got = solve_members(P, t_end=10.0)
    for p, u in zip(P, got):
        def f(t, u, p=p):
            return [p[0] * u[0] - p[1] * u[0] * u[1], -p[2] * u[1] + p[3] * u[0] * u[1]]

        ref = solve_ivp(f, (0, 10.0), [1.0, 1.0], method="DOP853", rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(u, ref.y[:, -1], rtol=1e-5)
    assert np.all(np.abs(P / np.array([1.5, 1.0, 3.0, 1.0]) - 1) <= 0.1)
    with pytest.raises(ValueError, match="n"):
        ensemble_params(0)
    with pytest.raises(ValueError, match="params"):
        solve_members(np.ones((2, 3)))


@pytest.mark.parametrize("n", [1, 2])
def test_distributed_ensemble_matches_serial(n):
    rep = run_mpi(PKG + "ensemble", n, "--members", 11, "--weak-members", 3,
                  timeout=TIMEOUT).results[0]
    serial = solve_members(ensemble_params(11))
    stats = ensemble_statistics(serial)
    np.testing.assert_allclose(rep["strong"]["mean"], serial.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(rep["strong"]["std"], stats["std"], rtol=1e-8)
    assert rep["strong"]["members"] == 11 and rep["weak"]["members"] == 3 * n
    assert len(rep["strong"]["t_solve"]) == n


def test_scaling_fits_recover_laws():
    n = np.array([1, 2, 4, 8])
    assert fit_amdahl(n, amdahl_speedup(0.9, n)) == pytest.approx(0.9, abs=1e-6)
    assert fit_gustafson(n, gustafson_speedup(0.8, n)) == pytest.approx(0.8, abs=1e-12)
    t = 1.0 / amdahl_speedup(0.9, n)
    np.testing.assert_allclose(efficiency(n, t), amdahl_speedup(0.9, n) / n)
    with pytest.raises(ValueError, match="n"):
        efficiency([2, 4], [1.0, 0.5])
    with pytest.raises(ValueError, match="speedup"):
        fit_amdahl([1, 2], [1.0, -1.0])
    with pytest.raises(ValueError, match="n"):
        fit_gustafson([1], [1.0])


# --------------------------------------------------------------------------- no orphans
def test_programs_list_and_no_orphans_after_all_runs():
    import importlib

    for name in PROGRAMS:
        assert callable(importlib.import_module(PKG + name).main)
    assert orphans() == []
