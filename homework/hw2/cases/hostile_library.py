# Hostile: Problem 1 solved with a library ODE solver reached by routes a name check misses.
# base: reference
# expect: q1a=0 q1b=0 q1c=0 q1d=0
#
# dp5_solve calls scipy's solve_ivp (DOP853 at tight tolerances, then nothing of
# Dormand-Prince at all), found through importlib and getattr on assembled strings.
# The grader's kernel has replaced solve_ivp by a stub before the submission runs:
# the call is blocked and recorded, and all of Problem 1 scores 0. Problem 2 is
# untouched.

# %% q1a-answer
import importlib

_integrate = importlib.import_module("scipy." + "integrate")
_solver = getattr(_integrate, "solve" + "_ivp")


def dp5_solve(f, u0, p, dt, nsteps):
    t = dt * np.arange(nsteps + 1)
    sol = _solver(lambda s, u: f(u, p), (0, t[-1]), np.asarray(u0, float), t_eval=t,
                  method="DOP853", rtol=1e-12, atol=1e-12)
    return sol.y.T
