# Hostile: a memory bomb and a huge allocation.
# base: reference
# expect: q1d=0
#
# q1a-answer asks for 8 TB once (MemoryError, caught) after defining its solver:
# nothing is lost. q1d-answer grows a list of 128 MB blocks before defining the fit;
# under the kernel's memory cap it ends in MemoryError (or the kernel dies and the
# cell is skipped), so fit_lv does not exist and q1d fails.

# %% q1a-answer
DP5_A = np.zeros((7, 7))
DP5_A[1, :1] = [1 / 5]
DP5_A[2, :2] = [3 / 40, 9 / 40]
DP5_A[3, :3] = [44 / 45, -56 / 15, 32 / 9]
DP5_A[4, :4] = [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729]
DP5_A[5, :5] = [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]
DP5_B = np.array([35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84])


def dp5_solve(f, u0, p, dt, nsteps):
    u = np.array(u0, dtype=float)
    out = [u]
    for _ in range(nsteps):
        k = []
        for i in range(6):
            k.append(f(u + dt * sum(DP5_A[i, j] * k[j] for j in range(i)), p))
        u = u + dt * sum(DP5_B[j] * k[j] for j in range(6))
        out.append(u)
    return np.array(out)


try:
    huge = np.ones(10**12)
except MemoryError:
    pass

# %% q1d-answer
def _bomb():
    blocks = []
    while True:
        blocks.append(np.ones(2**24))


_bomb()
