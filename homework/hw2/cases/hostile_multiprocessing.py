# Hostile: a forbidden solver called in multiprocessing workers.
# base: reference
# expect: q1a=0 q1b=0 q1c=0 q1d=0
#
# Everything is the reference solution, but the cell of the fit's plot (q1e) farms
# integrations out to multiprocessing: a Pool of forked workers runs a notebook
# function that calls scipy's solve_ivp (forbidden in Problem 1), and a process of
# the "spawn" context (a fresh Python) runs solve_ivp itself. A forked worker
# inherits the kernel's guard; a spawned one gets it at start-up like any child
# Python. Both calls are blocked and recorded: Problem 1 scores 0 with the reason
# "called scipy.integrate.solve_ivp in a forked process / child process ...".

# %% q1e-answer
# MANUAL q1e 3pt
import multiprocessing as _mp

import scipy.integrate as _si


def _work(T):
    try:
        return _si.solve_ivp(lambda t, u: -u, (0, T), [1.0]).y[0, -1]
    except Exception as exc:  # noqa: BLE001
        return repr(exc)


with _mp.get_context("fork").Pool(2) as _pool:
    _pool.map(_work, [1.0, 2.0])
_proc = _mp.get_context("spawn").Process(target=_si.solve_ivp, args=(None, (0, 1), [1.0]))
_proc.start()
_proc.join(120)

fig, (ax1, ax2) = splt.subplots(1, 2, width=10, height=3.5)
U_fit = dp5_solve(lotka_volterra, u0, p_fit, 0.05, 200)
ax1.plot(t_grid, data, "o", ms=3)
ax1.plot(0.05 * np.arange(201), U_fit, "-")
ax2.semilogy(losses)
