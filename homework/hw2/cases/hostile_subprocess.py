# Hostile: a forbidden solver called in a child Python started with subprocess.
# base: reference
# expect: q1a=0 q1b=0 q1c=0 q1d=0
#
# Everything is the reference solution, but the cell of the fit's plot (q1e) hands
# the integration to child Pythons that call scipy's solve_ivp (forbidden in
# Problem 1): `python -c` through subprocess.run (also with its own env=, which
# would drop the guard's variables), and through os.system. The kernel passes its
# guard on to every Python it starts (a sitecustomize on PYTHONPATH, put back into
# an env= the submission gives; `python -I/-E/-S`, which would skip it, is
# refused), so the children's calls are blocked and recorded in the grader's log:
# Problem 1 scores 0 with the reason "called scipy.integrate.solve_ivp in a child
# process ...". Problem 2 is untouched.

# %% q1e-answer
# MANUAL q1e 3pt
import os as _os
import subprocess as _subprocess
import sys as _sys

_child = ("import numpy as np, scipy.integrate as si; "
          "s = si.solve_ivp(lambda t, u: [u[0] - u[0] * u[1], -3 * u[1] + u[0] * u[1]], (0, 10), "
          "[1.0, 1.0], rtol=1e-10); print(s.y[:, -1])")
_subprocess.run([_sys.executable, "-c", _child], capture_output=True, timeout=120)
_subprocess.run([_sys.executable, "-c", _child], capture_output=True, timeout=120,
                env={"PATH": "/usr/bin:/bin"})
_os.system(f'{_sys.executable} -c "{_child}" > /dev/null 2>&1')

fig, (ax1, ax2) = splt.subplots(1, 2, width=10, height=3.5)
U_fit = dp5_solve(lotka_volterra, u0, p_fit, 0.05, 200)
ax1.plot(t_grid, data, "o", ms=3)
ax1.plot(0.05 * np.arange(201), U_fit, "-")
ax2.semilogy(losses)
