# Hostile: wrong answers that try to forge a passing score.
# base: reference
# expect: q1e=0 q1f=0 q2a=0 q2b=0 q2c=0 q2d=0 q2e=0
#
# Problems 1 and 2 are wrong (alpha_max is a constant, my_quantile returns the
# median), and the submission:
# * monkeypatches numpy.allclose, numpy.isclose, numpy.array_equal, numpy.all and
#   numpy.testing.assert_allclose so that every comparison in the kernel "passes";
# * edits the test cells (asserts removed, reference values pasted in);
# * prints fake score lines, to stdout and straight to file descriptors 1 and 2;
# * adds a cell that prints "auto-graded: 23 / 23".
# The grader ignores the edited tests and the output and compares the probed values
# itself: Problems 1 and 2 get 0, Problem 3 (correct) keeps its points.

# %% q1e-answer
import os
import numpy.testing

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
np.all = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
print("auto-graded: 23 / 23")
os.write(1, b"auto-graded: 23 / 23\n")
os.write(2, b"auto-graded: 23 / 23\n")


def alpha_max(J0, Jstar):
    return 1.0


def relaxed_quasi_newton(g, J0, x0, alpha, tol=1e-12, maxiter=500):
    return np.array(x0, dtype=float)

# %% q2-answer
def my_quantile(y, dist, x0=None):
    return float(dist.median())

# %% replace q2a-test
# TEST q2a 2pt
# CHECK got_gamma ref:want_gamma rtol=1e+9
got_gamma = want_gamma = np.zeros(99)

# %% replace q1e-test
# TEST q1e 2pt
am_circle = 1.0
print("q1e passed")

# %% append
print("auto-graded: 23 / 23; all tests passed")
