# Hostile: a correct submission that also reads the reference notebook and writes
# into the repository.
# base: reference
# expect: q1a=0 q1b=0 q1c=0 q1d=0 q2a=0 q2b=0
#
# Everything is the reference solution, but q1a-answer tries to open the source
# notebook homework/hw2/hw2.ipynb (where the reference solutions and hidden tests
# live) and to write a file into the repository, catching the errors so that the
# rest runs. The grader's kernel refuses both, records them, and the report zeroes
# every auto-graded question and says what was attempted.

# %% q1a-answer
import pathlib as _pl

import sciml_lib as _sl

_repo = _pl.Path(_sl.__file__).resolve().parents[1]
for _attempt in (lambda: (_repo / "homework" / "hw2" / "hw2.ipynb").read_text(),
                 lambda: (_repo / "planted.txt").write_text("x")):
    try:
        _attempt()
    except OSError:
        pass

DP5_A = np.zeros((7, 7))
DP5_A[1, :1] = [1 / 5]
DP5_A[2, :2] = [3 / 40, 9 / 40]
DP5_A[3, :3] = [44 / 45, -56 / 15, 32 / 9]
DP5_A[4, :4] = [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729]
DP5_A[5, :5] = [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]
DP5_B = np.array([35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84])


def dp5_solve(f, u0, p, dt, nsteps):
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
