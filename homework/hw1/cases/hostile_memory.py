# Hostile: a memory bomb and a huge allocation.
# base: reference
# expect: q3e=0
#
# q1e-answer asks for 8 TB once (MemoryError, caught) after defining its functions:
# nothing is lost, q1e and q1f pass.
# q3e-answer grows a list of 128 MB blocks before defining anything; under the
# kernel's memory cap it ends in MemoryError (or the kernel dies and the cell is
# skipped), so the process versions do not exist and q3e fails. The grader and the
# machine are unaffected.

# %% q1e-answer
def alpha_max(J0, Jstar):
    lam = np.linalg.eigvals(np.linalg.solve(J0, Jstar))
    if np.any(lam.real <= 0):
        return 0.0
    return float(np.min(2 * lam.real / np.abs(lam) ** 2))


def relaxed_quasi_newton(g, J0, x0, alpha, tol=1e-12, maxiter=500):
    x = np.array(x0, dtype=float)
    for _ in range(maxiter):
        step = alpha * np.linalg.solve(J0, g(x))
        x = x - step
        if np.linalg.norm(step) <= tol * max(1.0, np.linalg.norm(x)):
            break
    return x


try:
    huge = np.ones(10**12)
except MemoryError:
    pass

# %% q3e-answer
def _bomb():
    blocks = []
    while True:
        blocks.append(np.ones(2**24))


_bomb()
