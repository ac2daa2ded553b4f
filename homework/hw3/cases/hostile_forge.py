# Hostile: wrong answers that try to forge a passing score.
# base: reference
# expect: q1b=0 q1c=0 q1d=0 q1e=0
#
# The pullback returns zeros, and the submission:
# * monkeypatches numpy.allclose and jax.jacfwd (the test's oracle) so that every
#   check inside the kernel "passes";
# * edits the test cells (asserts removed, CHECK lines loosened);
# * prints fake score lines, also straight to file descriptors 1 and 2.
# The grader judges the probed values itself against the reference run: everything
# built on the pullback fails.

# %% q1b-answer
import os

np.allclose = lambda *a, **k: True
jax.jacfwd = lambda f, argnums=0: (lambda *a: np.zeros((2, 2 if argnums == 0 else 252)))
print("auto-graded: 11 / 11")
os.write(1, b"auto-graded: 11 / 11\n")
os.write(2, b"auto-graded: 11 / 11\n")


def nn_pullback(u, params, ybar):
    return tuple(np.zeros_like(np.asarray(x, dtype=float)) for x in (u, *params))

# %% replace q1b-test
# TEST q1b 3pt
# CHECK pb_all ref rtol=1e+9
pb_all = np.zeros((1, 254))
print("q1b passed")
