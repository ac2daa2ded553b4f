# Hostile: wrong answers that try to forge a passing score.
# base: reference
# expect: q1a=0 q1b=0 q1c=0 q1d=0
#
# Problem 1 is wrong (dp5_solve is forward Euler, the fit returns p_true read from
# the notebook's own variable), and the submission:
# * monkeypatches numpy.allclose, numpy.polyfit and scipy.linalg.expm (the test's
#   oracle) so that every check inside the kernel "passes";
# * edits the test cells (asserts removed, CHECK lines loosened);
# * prints fake score lines, to stdout and straight to file descriptors 1 and 2;
# * adds a cell that prints "auto-graded: 16 / 16".
# The grader ignores the edited tests and the output and judges the probed values
# itself against the reference run: Problem 1 gets 0, Problem 2 (correct) keeps its
# points. (q1d: the fitted p is right, but the loss curve is a forgery that rises.)

# %% q1a-answer
import os

import scipy.linalg

np.allclose = lambda *a, **k: True
np.polyfit = lambda *a, **k: np.array([5.0, 0.0])
scipy.linalg.expm = lambda A: np.eye(len(A))
print("auto-graded: 16 / 16")
os.write(1, b"auto-graded: 16 / 16\n")
os.write(2, b"auto-graded: 16 / 16\n")


def dp5_solve(f, u0, p, dt, nsteps):
    u = np.array(u0, dtype=float)
    out = [u]
    for _ in range(nsteps):
        u = u + dt * f(u, p)
        out.append(u)
    return np.array(out)

# %% q1d-answer
def fit_lv(data, p0, iters=300):
    return p_true.copy(), np.array([1.0, 2.0, 0.0])

# %% replace q1a-test
# TEST q1a 3pt
# CHECK U_lv ref rtol=1e+9
U_lv = np.zeros((41, 2))
print("q1a passed")

# %% append
print("auto-graded: 16 / 16; all tests passed")
