"""Every stiff method on the Bari stiff test set (sciml_lib.problems.bari), against the published
reference solutions :cite:p:`mazzia2008test` and SciPy's BDF at the same tolerances.

The criterion (issue 14): the relative error at the end is at most
``max(1000 rtol, 10 x SciPy BDF's error)``, or the solver returns ``success=False`` with a reason.
No exceptions:

* E5 with the Rodas methods: the answer at t = 1e13 records every error made in the conserved
  combination y2 - y3 - y4 = 0 while y2 was 1e12 times larger. A Rosenbrock step keeps it only as
  exactly as its linear algebra does: the stage solves are refined with a doubled-precision
  residual (when atol is below the rounding of the largest component), E5's Jacobian satisfies
  c^T J = 0 exactly in floating point, and the state is summed with compensation
  (tests/test_refinement.py; lecture 09, section 8).
* TR-BDF2 advances with its order-2 solution and estimates that solution's local error, so its
  global error would scale like rtol**(2/3); below rtol 1e-6 its internal tolerance is made
  proportional (``sciml_lib.ode._control.proportional_tolerance``).

To stay within about a minute, TR-BDF2 (a Python loop) runs at rtol 1e-10 only on POLLU and on
E5 only at rtol 1e-6.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from sciml_lib.ad.forward import rhs_jacobian
from sciml_lib.problems import BARI_CASES, BARI_REFERENCE, E5, OREGO, VDPOL, bari_error
from sciml_lib.stiff import solve

CASES = BARI_CASES
RTOLS = (1e-6, 1e-8, 1e-10)
FAST = ("Rodas4", "Rodas5", "Rodas5P", "Rosenbrock23", "BDF")  # compiled or quick
MAX_STEPS = 100_000


_SCIPY: dict = {}


def scipy_error(name: str, rtol: float, method: str = "BDF") -> float:
    key = (name, rtol, method)
    if key not in _SCIPY:
        prob, span, atolf = CASES[name]
        r = solve_ivp(lambda t, y: prob.f(t, y, prob.p), span, prob.u0, method=method, rtol=rtol,
                      atol=atolf(rtol), jac=lambda t, y: prob.jac(t, y, prob.p))
        assert r.success, r.message
        _SCIPY[key] = bari_error(name, r.y[:, -1])
    return _SCIPY[key]


def _case(name, method, rtol):
    marks = []
    if method not in FAST or rtol == 1e-10:
        marks.append(pytest.mark.slow)
    return pytest.param(name, method, rtol, marks=marks, id=f"{name}-{method}-{rtol:g}")


def _runs(name, method, rtol):
    if method != "TRBDF2":
        return True
    return (rtol > 1e-10 or name == "POLLU") and (name != "E5" or rtol == 1e-6)


@pytest.mark.parametrize(
    "name, method, rtol",
    [_case(n, m, r) for n in CASES for m in (*FAST, "TRBDF2") for r in RTOLS if _runs(n, m, r)],
)
def test_stiff_method_on_the_bari_test_set(name, method, rtol):
    prob, span, atolf = CASES[name]
    s = solve(prob.f, span, prob.u0, prob.p, method=method, rtol=rtol, atol=atolf(rtol),
              jac=prob.jac, max_steps=MAX_STEPS, dense=False)
    if not s.success:  # allowed, with a reason
        reasons = ("reached max_steps", "step size fell below", "repeated step failures")
        assert any(r in s.message for r in reasons), s.message
        return
    assert s.t[-1] == span[1]
    err = bari_error(name, s.u[-1])
    bound = 1000 * rtol
    if err > bound:  # only then is SciPy's error needed
        bound = max(bound, 10 * scipy_error(name, rtol))
    assert err <= bound, (name, method, rtol, err, bound)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["HIRES", "ROBER", "POLLU"])
def test_implicit_euler_on_the_bari_test_set(name):
    """Order 1: at rtol 1e-6 the global error is far above rtol, but bounded (here 1e4 rtol)."""
    prob, span, atolf = CASES[name]
    s = solve(prob.f, span, prob.u0, prob.p, method="ImplicitEuler", rtol=1e-6, atol=atolf(1e-6),
              jac=prob.jac, max_steps=MAX_STEPS, dense=False)
    assert s.success, s.message
    assert bari_error(name, s.u[-1]) <= 1e-2


@pytest.mark.parametrize("name", list(CASES))
def test_bari_error_measures_the_relative_error_at_the_end(name):
    ref = BARI_REFERENCE[name]
    assert bari_error(name, ref) == 0.0
    k = 2 if name == "E5" else int(np.argmax(np.abs(ref)))  # E5: y3 enters through y2 + y3
    y = ref.copy()
    y[k] *= 1 + 1e-6
    expected = 1e-6 * abs(ref[k]) / (abs(ref[1] + ref[2]) if name == "E5" else abs(ref[k]))
    assert bari_error(name, y) == pytest.approx(expected, rel=1e-6)
    if name == "E5":  # y1 (1e-290) and y4 (0) are not compared
        y = ref.copy()
        y[0], y[3] = 1.0, 1.0
        assert bari_error(name, y) == 0.0


@pytest.mark.parametrize("prob", [OREGO, E5, VDPOL], ids=lambda p: p.name)
def test_analytic_jacobians_match_complex_step(prob):
    rng = np.random.default_rng(0)
    u = np.abs(prob.u0) + rng.uniform(0.1, 1.0, prob.n)
    np.testing.assert_allclose(prob.jac(0.0, u, prob.p), rhs_jacobian(prob.f, 0.0, u, prob.p),
                               rtol=1e-13, atol=1e-13 * np.abs(prob.jac(0.0, u, prob.p)).max())


def test_e5_conserves_y2_minus_y3_minus_y4():
    u = np.array([1e-3, 2e-11, 3e-12, 4e-11])
    du = E5.f(0.0, u, E5.p)
    assert du[1] - du[2] - du[3] == 0.0
    J = E5.jac(0.0, u, E5.p)
    np.testing.assert_allclose(J[1] - J[2] - J[3], 0.0, atol=1e-12 * np.abs(J).max())


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_published_reference_against_scipy_radau(name):
    """The published end values agree with SciPy's Radau at rtol 1e-10 (E5: its y2 + y3).

    (At rtol 1e-12 and 1e-13 the agreement is 1e-10 or better except E5's mean, 1e-7; see the
    report of issue 14.)
    """
    prob, span, atolf = CASES[name]
    atol = {"E5": 1e-30, "ROBER": 1e-18, "HIRES": 1e-14, "POLLU": 1e-14}.get(name, 1e-10)
    r = solve_ivp(lambda t, y: prob.f(t, y, prob.p), span, prob.u0, method="Radau", rtol=1e-10,
                  atol=atol, jac=lambda t, y: prob.jac(t, y, prob.p))
    assert r.success
    assert bari_error(name, r.y[:, -1]) < 1e-6
