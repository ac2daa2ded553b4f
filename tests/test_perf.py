"""Tests of sciml_lib.perf against independent clocks and counts."""

from __future__ import annotations

import time

import numpy as np
import pytest

from sciml_lib import perf


def test_benchmark_measures_a_known_sleep():
    # time.sleep(2 ms) takes at least 2 ms per call: the timer must not report less,
    # and not wildly more on an idle-ish machine.
    t = perf.benchmark(time.sleep, 0.002, repeat=3, number=2)
    assert t.number == 2 and len(t.times) == 3
    assert 0.002 <= t.min < 0.05
    assert t.min <= t.median <= max(t.times)


def test_benchmark_autoranges_number():
    t = perf.benchmark(lambda: None, min_time=0.01, repeat=2)
    assert t.number > 100  # a no-op needs many calls to fill 10 ms


def test_benchmark_counts_calls_and_warmup():
    calls = []
    perf.benchmark(lambda: calls.append(1), repeat=3, number=4, warmup=2)
    assert len(calls) == 2 + 3 * 4


def test_allocations_counts_numpy_temporaries():
    n = 100_000
    x = np.ones(n)
    blocks, peak = perf.allocations(lambda: x * 2.0 + x * 3.0)
    # x*2 is alive while x*3 is computed: two arrays of n float64 at the peak
    assert peak >= 2 * 8 * n
    assert blocks >= 1  # the result survives the call
    blocks0, peak0 = perf.allocations(lambda: np.multiply(x, 2.0, out=x))
    assert peak0 < 8 * n  # in place: no array-sized allocation
    _, peak_sum = perf.allocations(lambda: float(x.sum()))
    assert peak_sum < 8 * n


def test_compare_ratio_direction():
    x = np.arange(20_000, dtype=float)
    xl = x.tolist()
    table = perf.compare({"python": lambda: sum(xl), "numpy": lambda: x.sum()}, repeat=3, min_time=0.01)
    assert table.baseline == "python"
    assert table.ratio("python") == pytest.approx(1.0)
    assert table.ratio("numpy") > 1.0
    assert table.labels == ["python", "numpy"]
    text = str(table)
    assert "numpy" in text and "speed-up" in text
    assert "<table>" in table._repr_html_()
    d = table.to_dict()
    assert d["baseline"] == "python" and len(d["rows"]) == 2


def test_compile_time_includes_first_call():
    def slow():
        time.sleep(0.01)

    assert perf.compile_time(slow) >= 0.01


def test_timer():
    with perf.Timer("x") as t:
        time.sleep(0.005)
    assert t.elapsed >= 0.005
    assert str(t).startswith("x: ")


@pytest.mark.parametrize(
    "seconds, text",
    [(1.5, "1.5 s"), (2.5e-3, "2.5 ms"), (3e-6, "3 µs"), (4e-9, "4 ns"), (5e-13, "0.5 ps")],
)
def test_format_time(seconds, text):
    assert perf.format_time(seconds) == text


def test_format_bytes():
    assert perf.format_bytes(512) == "512 B"
    assert perf.format_bytes(80 * 1024) == "80 KiB"
    assert perf.format_bytes(3 * 1024**3) == "3 GiB"


@pytest.mark.parametrize(
    "kwargs",
    [{"repeat": 0}, {"number": 0}, {"min_time": 0}],
)
def test_benchmark_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        perf.benchmark(lambda: None, **kwargs)


def test_bad_inputs_name_the_argument():
    with pytest.raises(TypeError, match="fn"):
        perf.benchmark(42)
    with pytest.raises(ValueError, match="cases"):
        perf.compare({})
    with pytest.raises(ValueError, match="baseline"):
        perf.compare({"a": lambda: None}, baseline="b")


def test_jax_results_are_waited_for():
    jnp = pytest.importorskip("jax.numpy")
    x = jnp.ones((200, 200))
    t = perf.benchmark(lambda: x @ x, repeat=2, min_time=0.005)
    assert t.min > 0


def test_compare_rounds_pool_repeats():
    table = perf.compare({"a": lambda: None, "b": lambda: sum(range(100))}, rounds=3, repeat=2, min_time=0.001)
    assert len(table["a"].times) == 6 and len(table["b"].times) == 6
    assert table.ratio("b") < 1  # summing is slower than doing nothing
    with pytest.raises(ValueError, match="rounds"):
        perf.compare({"a": lambda: None}, rounds=0)


def test_machine_info_matches_the_interpreter():
    import os
    import platform

    import numpy as np

    from sciml_lib.perf import cpu_model, machine_info

    info = machine_info(("numpy", "surely-not-a-package"))
    assert info["cores"] == os.cpu_count()
    assert info["versions"]["python"] == platform.python_version()
    assert info["versions"]["numpy"] == np.__version__
    assert info["versions"]["surely-not-a-package"] is None
    assert info["cpu"] == cpu_model() and isinstance(info["cpu"], str) and info["cpu"]
