# A known-wrong submission: the sensitivity equation without its source term, and
# the handout's bandwidth erratum.
# base: reference
# expect: q1c=0 q1d=0 q2a=0 q2b=0
#
# q1c: S' = f_u S (the f_p term forgotten) keeps S = 0, so the gradient is zero and
#      the fit never leaves p0 (q1d).
# q2a: B = n / T(n) with the exponent n (the original handout's erratum), not 2^n / T.
# q2b: the latency is the mean one-way time, not the smallest.

# %% q1c-answer
def lv_augmented(z, p):
    x, y = z[0], z[1]
    a, b, c, d = p
    S = z[2:].reshape(2, 4)
    fu = np.array([[a - b * y, -b * x], [d * y, -c + d * x]])
    du = np.array([a * x - b * x * y, -c * y + d * x * y])
    return np.concatenate([du, (fu @ S).ravel()])


def lv_sensitivities(p, dt, nsteps):
    z0 = np.concatenate([[1.0, 1.0], np.zeros(8)])
    Z = dp5_solve(lv_augmented, z0, np.asarray(p, dtype=float), dt, nsteps)
    return Z[:, :2], Z[:, 2:].reshape(-1, 2, 4)

# %% q2b-answer
latency = float(T.mean())
peak_bandwidth = float(B.max())

# %% q2a-answer
PINGPONG = """
import json, numpy as np
from mpi4py import MPI
comm = MPI.COMM_WORLD
me = comm.Get_rank()
res = []
for n in range(1, 26):
    buf = np.ones(2 ** n, dtype=np.int8)
    reps = 3 if n > 18 else 50
    t0 = 0.0
    for r in range(reps + 1):
        if r == 1:
            t0 = MPI.Wtime()
        if me == 0:
            comm.Send(buf, 1)
            comm.Recv(buf, 1)
        else:
            comm.Recv(buf, 0)
            comm.Send(buf, 0)
    res.append((MPI.Wtime() - t0) / (2 * reps))
if me == 0:
    print(json.dumps(res))
"""


def measure_pingpong():
    pathlib.Path("pp.py").write_text(PINGPONG)
    T = np.array(run_mpi("pp.py", 2, timeout=60).results[0])
    return 2 ** np.arange(1, 26), T


nbytes, T = measure_pingpong()
B = np.arange(1, 26) / T
