# A known-wrong submission: classic RK4 instead of Dormand-Prince.
# base: reference
# expect: q1a=0 q1b=0 q1c=0
#
# dp5_solve takes RK4 steps. It is a fine solver, but not the one asked for: it
# disagrees with the same-dt DP5 reference (q1a), converges with order 4, not 5
# (q1b), and the sensitivities solved with it disagree with the reference's (q1c).
# The fit (q1d) still recovers p, since the data come from the same solver, and
# Problem 2 is untouched.

# %% q1a-answer
def dp5_solve(f, u0, p, dt, nsteps):
    u = np.array(u0, dtype=float)
    out = np.empty((nsteps + 1, u.size))
    out[0] = u
    for n in range(nsteps):
        k1 = f(u, p)
        k2 = f(u + dt / 2 * k1, p)
        k3 = f(u + dt / 2 * k2, p)
        k4 = f(u + dt * k3, p)
        u = u + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        out[n + 1] = u
    return out
