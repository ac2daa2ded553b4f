"""The four Babylonian square-root derivatives agree with 1/(2 sqrt x)."""

import math

import jax
import pytest

from sciml_lib.ad.babylonian import (
    babylonian_forward,
    babylonian_memory,
    babylonian_memoryless,
    babylonian_tape,
    babylonian_while,
)

jax.config.update("jax_enable_x64", True)
VARIANTS = [
    babylonian_forward,
    babylonian_tape,
    babylonian_memory,
    babylonian_memoryless,
    babylonian_while,
]


@pytest.mark.parametrize("fn", VARIANTS)
@pytest.mark.parametrize("x", [2.0, 0.3, 50.0])
def test_converged_derivative_is_exact(fn, x):
    r = fn(x)
    assert r.value == pytest.approx(math.sqrt(x), rel=1e-14)
    assert r.derivative == pytest.approx(1 / (2 * math.sqrt(x)), rel=1e-13)


def test_value_at_two_matches_spec():
    assert babylonian_forward(2.0).derivative == pytest.approx(0.353553, abs=1e-6)


@pytest.mark.parametrize("fn", [babylonian_forward, babylonian_tape, babylonian_memory])
def test_unconverged_matches_jax_through_the_loop(fn):
    def f(x):
        a = x
        for _ in range(3):
            a = 0.5 * (a + x / a)
        return a

    assert fn(2.0, 3).derivative == pytest.approx(float(jax.grad(f)(2.0)), rel=1e-14)


def test_memory_scaling():
    assert babylonian_memory(2.0, 300).stored == 301
    assert babylonian_memoryless(2.0, 300).stored == babylonian_memoryless(2.0, 30).stored
    assert (
        babylonian_tape(2.0, 300).stored > 3 * 900
    )  # three primitives per iteration, values + records


def test_bad_input():
    with pytest.raises(ValueError, match="x"):
        babylonian_forward(-1.0)
    with pytest.raises(ValueError, match="n"):
        babylonian_memory(2.0, 0)
