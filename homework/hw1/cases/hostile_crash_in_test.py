# Hostile: the kernel crashes inside a test (a segmentation fault via ctypes).
# base: reference
# expect: q2c=0 q2e=0
#
# my_quantile is correct but dereferences a null pointer when given a Beta
# distribution, killing the kernel in the middle of tests q2c and q2e (the hidden
# list has a Beta). Each crash fails that test only: the grader restarts the kernel,
# replays the answer cells, and goes on with the next test.

# %% q2-answer
import ctypes


def my_quantile(y, dist, x0=None):
    if dist.dist.name == "beta":
        ctypes.string_at(0)
    lo, hi = (float(v) for v in dist.support())
    x = float(dist.median()) if x0 is None else float(x0)
    for _ in range(200):
        r = float(dist.cdf(x)) - y
        if r == 0.0:
            return x
        lo, hi = (x, hi) if r < 0 else (lo, x)
        x_new = x - r / float(dist.pdf(x))
        if not lo < x_new < hi:
            x_new = 0.5 * (lo + hi) if np.isfinite(lo) and np.isfinite(hi) else x + (1.0 if r < 0 else -1.0) * max(1.0, abs(x))
        if abs(x_new - x) <= 1e-14 * abs(x_new):
            return x_new
        x = x_new
    return x
