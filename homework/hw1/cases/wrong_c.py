# A known-wrong submission: Problem 2 with a loose tolerance, and Part 1 of Problem 3.
# base: blank
# expect: q3a=2
#
# q2:  stopping when |F(x) - y| < 1e-6 leaves relative errors far above the 1e-8
#      required (the Newton step that reaches |F - y| < 1e-6 is not repeated), so
#      every Problem 2 test fails.
# q3a: calc_attractor is right and earns its 2 points; the rest is blank (0).

# %% q2-answer
def my_quantile(y, dist, x0=None):
    x = float(dist.median()) if x0 is None else float(x0)
    lo, hi = dist.support()
    for _ in range(100):
        r = dist.cdf(x) - y
        if abs(r) < 1e-6:
            break
        x_new = x - r / dist.pdf(x)
        x = x_new if lo < x_new < hi else 0.5 * (x + (lo if x_new <= lo else hi))
    return x

# %% q3a-answer
@njit
def calc_attractor(out, r, x0=0.25, warmup=400):
    x = x0
    for _ in range(warmup):
        x = r * x * (1.0 - x)
    for i in range(out.shape[0]):
        x = r * x * (1.0 - x)
        out[i] = x
