"""Compiled (Numba) stepping loops of the Rosenbrock methods with dense LU (private).

One driver per method family. With a float-array ``p`` the driver is compiled
once for all right-hand sides (``f``, its complex version ``fc`` and ``jac`` are
typed function pointers) and cached on disk; otherwise Numba specialises it on
the functions. ``jmode`` selects the Jacobian: complex step, forward
differences or the user's ``jac``. No Python call per step.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from sciml_lib.ad._numba_jac import CS_H, _jac_cs_dense_nb, _jac_fd_dense_nb

_EPS = float(np.finfo(float).eps)
SQRT_EPS = math.sqrt(_EPS)

# status codes returned by the drivers
OK, MAX_STEPS, DT_SMALL, FAILED = 0, 1, 2, 3


# -- linear algebra ------------------------------------------------------------
@njit(cache=True, inline="always")
def lu_factor(A, piv):
    """In-place LU with partial pivoting; returns False when singular."""
    n = A.shape[0]
    for k in range(n):
        p = k
        amax = abs(A[k, k])
        for i in range(k + 1, n):
            if abs(A[i, k]) > amax:
                amax = abs(A[i, k])
                p = i
        piv[k] = p
        if amax == 0.0 or not np.isfinite(amax):
            return False
        if p != k:
            for j in range(n):
                tmp = A[k, j]
                A[k, j] = A[p, j]
                A[p, j] = tmp
        inv = 1.0 / A[k, k]
        for i in range(k + 1, n):
            A[i, k] *= inv
            lik = A[i, k]
            if lik != 0.0:
                for j in range(k + 1, n):
                    A[i, j] -= lik * A[k, j]
    return True


@njit(cache=True, inline="always")
def lu_solve(LU, piv, b):
    """Solve in place ``LU x = b`` (b overwritten by x)."""
    n = LU.shape[0]
    for k in range(n):
        p = piv[k]
        if p != k:
            tmp = b[k]
            b[k] = b[p]
            b[p] = tmp
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= LU[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= LU[i, j] * b[j]
        b[i] = s / LU[i, i]


# -- Jacobian -----------------------------------------------------------------------
@njit(cache=True, inline="always")
def jac_eval(f, fc, jac, jmode, t, u, p, f0, J):
    """Fill ``J`` with df/du: jmode 0 complex step (``fc`` is ``f`` on complex arrays),
    1 forward differences, 2 the user's ``jac``. Returns the number of f evaluations."""
    n = u.size
    if jmode == 0:
        _jac_cs_dense_nb(fc, t, u, p, J)
        return n
    elif jmode == 1:
        _jac_fd_dense_nb(f, t, u, p, f0, J)
        return n
    else:
        Ju = jac(t, u, p)
        for i in range(n):
            for j in range(n):
                J[i, j] = Ju[i, j]
        return 0


@njit(cache=True)
def no_jac(t, u, p):  # placeholder passed when the user gave no Jacobian
    return np.zeros((u.size, u.size))


@njit(cache=True)
def no_fc(t, u, p):  # placeholder passed when f does not accept complex input
    return u.copy()


# -- helpers ---------------------------------------------------------------------
@njit(cache=True, inline="always")
def err_norm(e, u, unew, rtol, atol):
    n = u.size
    s = 0.0
    for i in range(n):
        sc = atol + rtol * max(abs(u[i]), abs(unew[i]))
        r = e[i] / sc
        s += r * r
    return math.sqrt(s / n)


@njit(cache=True, inline="always")
def initial_dt(f, t0, u0, f0, p, rtol, atol, order, tdir, tspan_len):
    n = u0.size
    d0 = 0.0
    d1 = 0.0
    for i in range(n):
        sc = atol + rtol * abs(u0[i])
        d0 += (u0[i] / sc) ** 2
        d1 += (f0[i] / sc) ** 2
    d0 = math.sqrt(d0 / n)
    d1 = math.sqrt(d1 / n)
    if d0 < 1e-5 or d1 < 1e-5:
        h0 = 1e-6
    else:
        h0 = 0.01 * d0 / d1
    h0 = min(h0, tspan_len)
    u1 = np.empty(n)
    for i in range(n):  # f0 may be an array or a tuple
        u1[i] = u0[i] + tdir * h0 * f0[i]
    f1 = f(t0 + tdir * h0, u1, p)
    d2 = 0.0
    for i in range(n):
        sc = atol + rtol * abs(u0[i])
        d2 += ((f1[i] - f0[i]) / sc) ** 2
    d2 = math.sqrt(d2 / n) / h0
    if max(d1, d2) <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / (order + 1))
    return min(100 * h0, h1, tspan_len)


@njit(cache=True)
def _grow(ts, us, dus, k):
    if k < ts.size:
        return ts, us, dus
    m = 2 * ts.size
    ts2 = np.empty(m)
    us2 = np.empty((m, us.shape[1]))
    dus2 = np.empty((m, us.shape[1]))
    ts2[: ts.size] = ts
    us2[: ts.size] = us
    dus2[: ts.size] = dus
    return ts2, us2, dus2


@njit(cache=True, inline="always")
def _store(ts, us, dus, npts, t, u, du):
    """Row ``npts`` := ``(t, u, du)`` (``du`` an array or a tuple of floats), doubling the storage when full."""
    ts, us, dus = _grow(ts, us, dus, npts)
    ts[npts] = t
    for i in range(u.size):
        us[npts, i] = u[i]
        dus[npts, i] = du[i]
    return ts, us, dus, npts + 1


@njit(cache=True)
def _start_storage(t, u, du):
    """Storage for the accepted steps, holding the initial point."""
    cap = 256
    n = u.size
    return _store(np.empty(cap), np.empty((cap, n)), np.empty((cap, n)), 0, t, u, du)


@njit(cache=True, inline="always")
def _step_head(t, h, t1, tdir, span, ntried, max_steps):
    """Before a step: ``(status, h)`` with ``h`` shortened to end at ``t1``; MAX_STEPS or DT_SMALL stop the run."""
    if ntried >= max_steps:
        return MAX_STEPS, h
    if tdir * (t + tdir * h - t1) > -1e-12 * span:
        h = abs(t1 - t)
    if h <= 10 * _EPS * max(abs(t), 1.0):
        return DT_SMALL, h
    return OK, h


@njit(cache=True, inline="always")
def _jac_and_dt(f, fc, jac, jmode, t, u, p, f0, J, dT):
    r"""``J`` := the Jacobian, ``dT`` := :math:`\partial_t f` by a forward difference; returns the f evaluations used."""
    nf = jac_eval(f, fc, jac, jmode, t, u, p, f0, J)
    dt_t = SQRT_EPS * max(1.0, abs(t))
    ft = f(t + dt_t, u, p)
    for i in range(u.size):
        dT[i] = (ft[i] - f0[i]) / dt_t
    return nf + 1


@njit(cache=True, inline="always")
def _controller(err, errold, k, first, last_rejected):
    safety = 0.9
    if err == 0.0:
        fac = 6.0
    elif first:
        fac = safety * err ** (-1.0 / k)
    else:
        fac = safety * err ** (-0.7 / k) * errold ** (0.4 / k)
    fac = min(6.0, max(0.2, fac))
    if last_rejected:
        fac = min(fac, 1.0)
    return fac


# -- Rodas-type methods (Hairer-Wanner form) -----------------------------------------
def rodas_solve(f, fc, jac, jmode, t0, t1, u0, p, rtol, atol, dt0, adaptive, max_steps,
                A, C, gam, c, d, m, e, errorder):
    r"""Rosenbrock method in the form of Hairer-Wanner (RODAS):

    W = I/(gam h) - J;  u_i = u + sum_j A_ij k_j;
    W k_i = f(t + c_i h, u_i) + d_i h f_t + sum_j C_ij k_j / h;
    u_new = u + sum m_i k_i;  error = sum e_i k_i.
    """
    n = u0.size
    s = c.size
    tdir = 1.0 if t1 > t0 else -1.0
    span = abs(t1 - t0)
    u = u0.copy()
    t = t0
    f0 = f(t, u, p)
    nf = 1
    njac = 0
    nlu = 0
    naccept = 0
    nreject = 0
    ts, us, dus, npts = _start_storage(t, u, f0)  # f0 may be an array or a tuple of floats
    if dt0 > 0:
        h = min(dt0, span)
    else:
        h = initial_dt(f, t, u, f0, p, rtol, atol, errorder - 1, tdir, span)
        nf += 1
    J = np.empty((n, n))
    W = np.empty((n, n))
    piv = np.empty(n, dtype=np.int64)
    K = np.empty((s, n))
    ui = np.empty(n)
    rhs = np.empty(n)
    dT = np.empty(n)
    unew = np.empty(n)
    errv = np.empty(n)
    need_jac = True
    errold = 1.0
    first = True
    last_rejected = False
    status = OK
    nfail = 0
    while tdir * (t1 - t) > 0:
        status, h = _step_head(t, h, t1, tdir, span, naccept + nreject, max_steps)
        if status != OK:
            break
        hs = tdir * h
        if need_jac:
            nf += _jac_and_dt(f, fc, jac, jmode, t, u, p, f0, J, dT)
            njac += 1
            need_jac = False
        inv = 1.0 / (gam * hs)
        ihs = 1.0 / hs
        for i in range(n):
            for j in range(n):
                W[i, j] = -J[i, j]
            W[i, i] += inv
        nlu += 1
        ok = lu_factor(W, piv)
        if ok:
            for st in range(s):
                for i in range(n):
                    acc = u[i]
                    for j in range(st):
                        acc += A[st, j] * K[j, i]
                    ui[i] = acc
                if st == 0:
                    fi = f0
                else:
                    fi = f(t + c[st] * hs, ui, p)
                    nf += 1
                dh = d[st] * hs
                for i in range(n):
                    acc = 0.0
                    for j in range(st):
                        acc += C[st, j] * K[j, i]
                    rhs[i] = fi[i] + dh * dT[i] + acc * ihs
                lu_solve(W, piv, rhs)
                for i in range(n):
                    K[st, i] = rhs[i]
            for i in range(n):
                a = u[i]
                b = 0.0
                for st in range(s):
                    a += m[st] * K[st, i]
                    b += e[st] * K[st, i]
                unew[i] = a
                errv[i] = b
            err = err_norm(errv, u, unew, rtol, atol)
            if not np.isfinite(err):
                ok = False
        if not ok:
            nreject += 1
            nfail += 1
            if nfail > 20 or not adaptive:
                status = FAILED
                break
            h *= 0.25
            last_rejected = True
            continue
        if (not adaptive) or err <= 1.0:
            t = t + hs
            for i in range(n):
                u[i] = unew[i]
            f0 = f(t, u, p)
            nf += 1
            naccept += 1
            nfail = 0
            ts, us, dus, npts = _store(ts, us, dus, npts, t, u, f0)
            need_jac = True
            if adaptive:
                fac = _controller(err, errold, errorder, first, last_rejected)
                errold = max(err, 1e-4)
                first = False
                h *= fac
            last_rejected = False
        else:
            nreject += 1
            fac = max(0.2, 0.9 * err ** (-1.0 / errorder))
            h *= fac
            last_rejected = True
    return status, ts[:npts].copy(), us[:npts].copy(), dus[:npts].copy(), nf, naccept, nreject, njac, nlu


# -- Rosenbrock23 (Shampine-Reichelt ode23s) ---------------------------------------
def ros23_solve(f, fc, jac, jmode, t0, t1, u0, p, rtol, atol, dt0, adaptive, max_steps):
    r"""The L-stable Rosenbrock 2(3) pair of Shampine and Reichelt (W = I - h d J)."""
    n = u0.size
    dd = 1.0 / (2.0 + math.sqrt(2.0))
    e32 = 6.0 + math.sqrt(2.0)
    tdir = 1.0 if t1 > t0 else -1.0
    span = abs(t1 - t0)
    u = u0.copy()
    t = t0
    f0 = f(t, u, p)
    nf = 1
    njac = 0
    nlu = 0
    naccept = 0
    nreject = 0
    ts, us, dus, npts = _start_storage(t, u, f0)  # f0 may be an array or a tuple of floats
    if dt0 > 0:
        h = min(dt0, span)
    else:
        h = initial_dt(f, t, u, f0, p, rtol, atol, 2, tdir, span)
        nf += 1
    J = np.empty((n, n))
    W = np.empty((n, n))
    piv = np.empty(n, dtype=np.int64)
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    dT = np.empty(n)
    tmp = np.empty(n)
    unew = np.empty(n)
    errv = np.empty(n)
    need_jac = True
    errold = 1.0
    first = True
    last_rejected = False
    status = OK
    nfail = 0
    f2 = f0
    while tdir * (t1 - t) > 0:
        status, h = _step_head(t, h, t1, tdir, span, naccept + nreject, max_steps)
        if status != OK:
            break
        hs = tdir * h
        if need_jac:
            nf += _jac_and_dt(f, fc, jac, jmode, t, u, p, f0, J, dT)
            njac += 1
            need_jac = False
        g = hs * dd
        for i in range(n):
            for j in range(n):
                W[i, j] = -g * J[i, j]
            W[i, i] += 1.0
        nlu += 1
        ok = lu_factor(W, piv)
        if ok:
            for i in range(n):
                k1[i] = f0[i] + g * dT[i]
            lu_solve(W, piv, k1)
            for i in range(n):
                tmp[i] = u[i] + 0.5 * hs * k1[i]
            f1 = f(t + 0.5 * hs, tmp, p)
            nf += 1
            for i in range(n):
                k2[i] = f1[i] - k1[i]
            lu_solve(W, piv, k2)
            for i in range(n):
                k2[i] += k1[i]
                unew[i] = u[i] + hs * k2[i]
            f2 = f(t + hs, unew, p)
            nf += 1
            for i in range(n):
                k3[i] = f2[i] - e32 * (k2[i] - f1[i]) - 2.0 * (k1[i] - f0[i]) + g * dT[i]
            lu_solve(W, piv, k3)
            for i in range(n):
                errv[i] = hs / 6.0 * (k1[i] - 2.0 * k2[i] + k3[i])
            err = err_norm(errv, u, unew, rtol, atol)
            if not np.isfinite(err):
                ok = False
        if not ok:
            nreject += 1
            nfail += 1
            if nfail > 20 or not adaptive:
                status = FAILED
                break
            h *= 0.25
            last_rejected = True
            continue
        if (not adaptive) or err <= 1.0:
            t = t + hs
            for i in range(n):
                u[i] = unew[i]
            f0 = f2  # FSAL
            naccept += 1
            nfail = 0
            ts, us, dus, npts = _store(ts, us, dus, npts, t, u, f0)
            need_jac = True
            if adaptive:
                fac = _controller(err, errold, 3.0, first, last_rejected)
                errold = max(err, 1e-4)
                first = False
                h *= fac
            last_rejected = False
        else:
            nreject += 1
            h *= max(0.2, 0.9 * err ** (-1.0 / 3.0))
            last_rejected = True
    return status, ts[:npts].copy(), us[:npts].copy(), dus[:npts].copy(), nf, naccept, nreject, njac, nlu


# -- drivers: typed (compiled once for every right-hand side, cached) or specialised --------
from numba import types  # noqa: E402

ARR = types.float64[::1]
CARR = types.complex128[::1]
ARR2 = types.float64[:, ::1]
F_SIG = ARR(types.float64, ARR, ARR)
FC_SIG = CARR(types.float64, CARR, ARR)
J_SIG = ARR2(types.float64, ARR, ARR)
_COMMON = (types.FunctionType(F_SIG), types.FunctionType(FC_SIG), types.FunctionType(J_SIG), types.int64,
           types.float64, types.float64, ARR, ARR, types.float64, types.float64, types.float64,
           types.boolean, types.int64)
_RODAS_ARGS = _COMMON + (ARR2, ARR2, types.float64, ARR, ARR, ARR, ARR, types.float64)

_DRIVERS: dict = {}


def specialized_driver(name: str, f, fc, jac):
    """The loop ``name`` specialised on ``(f, fc, jac)`` and cached on disk, or None when they are not
    importable module-level functions (see :mod:`sciml_lib._specialize`)."""
    from sciml_lib._specialize import generated_driver

    py = rodas_solve if name == "rodas" else ros23_solve
    return generated_driver(py, {"f": f, "fc": fc, "jac": jac}, name)


def driver(name: str, typed: bool):
    """The compiled loop ``name`` ("rodas" or "ros23"), typed (cached) or specialised."""
    key = (name, typed)
    if key not in _DRIVERS:
        py = rodas_solve if name == "rodas" else ros23_solve
        if typed:
            sig = _RODAS_ARGS if name == "rodas" else _COMMON
            _DRIVERS[key] = njit(sig, cache=True)(py)
        else:
            _DRIVERS[key] = njit(cache=True)(py)
    return _DRIVERS[key]
