# Hostile: the kernel crashes inside a test (a segmentation fault via ctypes).
# base: reference
# expect: q1a=0
#
# dp5_solve is correct but dereferences a null pointer when asked for exactly 10
# steps, which only the linear problem of test q1a does: the kernel dies in the
# middle of q1a, that test fails, and the grader restarts the kernel, replays the
# answer cells and goes on with the next test.

# %% q1a-answer
import ctypes

DP5_A = np.zeros((7, 7))
DP5_A[1, :1] = [1 / 5]
DP5_A[2, :2] = [3 / 40, 9 / 40]
DP5_A[3, :3] = [44 / 45, -56 / 15, 32 / 9]
DP5_A[4, :4] = [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729]
DP5_A[5, :5] = [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]
DP5_B = np.array([35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84])


def dp5_solve(f, u0, p, dt, nsteps):
    if nsteps == 10:
        ctypes.string_at(0)
    u = np.array(u0, dtype=float)
    out = np.empty((nsteps + 1, u.size))
    out[0] = u
    for n in range(nsteps):
        k = np.empty((6, u.size))
        for i in range(6):
            k[i] = f(u + dt * (DP5_A[i, :i] @ k[:i]), p)
        u = u + dt * (DP5_B @ k)
        out[n + 1] = u
    return out
