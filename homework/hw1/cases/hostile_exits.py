# Hostile: the submission exits the kernel twice.
# base: reference
# expect: q1e=0 q1f=0 q2a=0 q2b=0 q2c=0 q2d=0 q2e=0
#
# q1e-answer raises SystemExit (what sys.exit does) before defining anything:
# IPython turns it into an error, the functions stay undefined, q1e and q1f fail.
# q2-answer defines a correct my_quantile, then os._exit(0) kills the kernel. The
# grader starts a fresh kernel and replays the notebook without that cell, so
# my_quantile does not exist and every Problem 2 test fails; Problem 3 is untouched.

# %% q1e-answer
import sys
sys.exit(0)

# %% q2-answer
import os


def my_quantile(y, dist, x0=None):
    lo, hi = dist.support()
    x = float(dist.median()) if x0 is None else float(x0)
    for _ in range(200):
        r = dist.cdf(x) - y
        lo, hi = (x, hi) if r < 0 else (lo, x)
        x_new = x - r / dist.pdf(x)
        if not lo < x_new < hi:
            x_new = 0.5 * (lo + hi)
        if abs(x_new - x) <= 1e-14 * abs(x_new):
            return x_new
        x = x_new
    return x


os._exit(0)
