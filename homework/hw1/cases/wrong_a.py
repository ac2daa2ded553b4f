# A known-wrong submission: three classic mistakes, everything else correct.
# base: reference
# expect: q1e=0 q2c=0 q2d=0 q2e=0 q3a=0 q3b=0 q3d=0 q3e=0
#
# q1e: alpha_max = 2 / max Re(lambda) ignores complex eigenvalues (the test has
#      eigenvalues 1 +- 2i, where the bound is 2 Re/|lambda|^2 = 0.4, not 2).
#      q1f still passes: the test problem has real eigenvalues.
# q2:  plain Newton without a safeguard: fine from the median on Gamma(5), Normal
#      and Beta(2, 4) (q2a, q2b), but from a poor start (Beta(2, 4) from x0 = 0.9 or
#      0.05, q2c; Gamma(5) from x0 = 12, q2d) and for the hidden Beta(0.7, 3), whose
#      CDF is concave, the step leaves the support, where the density is 0 and the
#      result is nan (q2e).
# q3:  off by one: stores the iterate before updating (iterates 400..549), so every
#      periodic attractor is shifted by one phase (q3a, q3b), and the threaded and
#      process versions, built on it, disagree with the reference (q3d, q3e).
#      The r = 2.9 fixed point alone would not notice.

# %% q1e-answer
def alpha_max(J0, Jstar):
    lam = np.linalg.eigvals(np.linalg.solve(J0, Jstar))
    if np.any(lam.real <= 0):
        return 0.0
    return float(2 / np.max(lam.real))


def relaxed_quasi_newton(g, J0, x0, alpha, tol=1e-12, maxiter=500):
    x = np.array(x0, dtype=float)
    for _ in range(maxiter):
        step = alpha * np.linalg.solve(J0, g(x))
        x = x - step
        if np.linalg.norm(step) <= tol * max(1.0, np.linalg.norm(x)):
            break
    return x

# %% q2-answer
def my_quantile(y, dist, x0=None, tol=1e-14, maxiter=100):
    x = float(dist.median()) if x0 is None else float(x0)
    for _ in range(maxiter):
        step = (dist.cdf(x) - y) / dist.pdf(x)
        x = x - step
        if not abs(step) > tol * abs(x):
            break
    return x

# %% q3a-answer
@njit
def calc_attractor(out, r, x0=0.25, warmup=400):
    x = x0
    for _ in range(warmup):
        x = r * x * (1.0 - x)
    for i in range(out.shape[0]):
        out[i] = x
        x = r * x * (1.0 - x)
