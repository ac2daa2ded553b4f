r"""Generate the per-trajectory Runge-Kutta loop of an ensemble kernel from a tableau.

A GPU thread has no heap and no NumPy arrays worth the name: the fast way to
integrate one small ODE per thread is straight-line scalar code in which every
stage :math:`k_i` of every state component is a local variable (a register).
This module writes that code as Python source from a
:class:`~sciml_lib.ode.tableaus.ButcherTableau`: the coefficients are read from
:data:`~sciml_lib.ode.tableaus.TABLEAUS` (never retyped), the stage sums are
unrolled, zero coefficients are dropped, and the fixed-step or adaptive branch,
the dense output for ``saveat`` and the state dimension are fixed at generation
time. The same source is compiled by ``numba.njit`` (CPU) and by
``numba.cuda.jit(device=True)`` (GPU or the CUDA simulator).

The loop reproduces :func:`sciml_lib.ode.explicit_rk.solve` operation by operation (the same
sums in the same order, Hairer's initial step, the PI controller with the
constants of :mod:`sciml_lib.ode.explicit_rk`), so on the CPU a trajectory of
the ensemble takes the same accepted steps and ends at the same state
:cite:p:`hairer1993solving,utkarsh2024automated`.
"""

from __future__ import annotations

import numpy as np

from sciml_lib.ode import explicit_rk as _rk
from sciml_lib.ode.tableaus import ButcherTableau

__all__ = ["generate_trajectory_source", "controller_constants"]


def controller_constants(tab: ButcherTableau) -> tuple[float, float, float]:
    """``(q, beta1, beta2)`` of the PI controller, as
    :func:`sciml_lib.ode.explicit_rk.solve` sets them."""
    q = float(min(tab.order, tab.embedded_order or tab.order))
    return q, 1.2 / (q + 1.0), 0.2 / (q + 1.0)


def _sum(terms: list[tuple[float, str]]) -> str:
    """``c0*x0 + c1*x1 + ...`` over the nonzero coefficients (constants as names)."""
    parts = [f"{c} * {x}" for c, x in terms]
    return " + ".join(parts) if parts else "ZERO"


class _Consts:
    """Names for the floating-point constants of the generated code (bound as typed globals)."""

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = np.dtype(dtype)
        self.values: dict[str, np.floating] = {}

    def __call__(self, value: float) -> str:
        v = self.dtype.type(value)
        for name, w in self.values.items():
            if w == v and np.signbit(w) == np.signbit(v):
                return name
        name = f"C{len(self.values)}"
        self.values[name] = v
        return name


def _emit_save(w, ind: str, tab: ButcherTableau, K: _Consts, n: int, h: str) -> None:
    """Dense output at the ``saveat`` times inside the step ``[t, tnew]`` of size ``h``
    (the tableau's interpolant as in ``explicit_rk._interp_dense``, else cubic Hermite)."""
    s = tab.stages
    ONE = K(1.0)
    w(f"{ind}while isave < nsave_total and (saveat[isave] - tnew) * direction <= ZERO:")
    w(f"{ind}    theta = (saveat[isave] - t) / {h}")
    if tab.dense is not None:
        D = tab.dense
        rows = [i for i in range(s) if np.any(D[i] != 0.0)]
        for i in rows:
            # w_i = sum_j D[i, j] theta**(j+1), powers by repeated products as in _interp_dense
            w(f"{ind}    wi = ZERO")
            w(f"{ind}    pw = theta")
            for j in range(D.shape[1]):
                w(f"{ind}    wi += {K(D[i, j])} * pw")
                w(f"{ind}    pw *= theta")
            w(f"{ind}    o{i} = wi != ZERO")
            w(f"{ind}    hw{i} = {h} * wi")
        for m in range(n):
            w(f"{ind}    x = u{m}")
            for i in rows:
                w(f"{ind}    if o{i}:")
                w(f"{ind}        x += hw{i} * k{i}_{m}")
            w(f"{ind}    out_save[i, isave, {m}] = x")
    else:
        for m in range(n):
            w(f"{ind}    d = v{m} - u{m}")
            w(
                f"{ind}    out_save[i, isave, {m}] = ({ONE} - theta) * u{m} + theta * v{m} + "
                f"theta * (theta - {ONE}) * (({ONE} - {K(2.0)} * theta) * d + "
                f"(theta - {ONE}) * {h} * fu{m} + theta * {h} * fn{m})"
            )
    w(f"{ind}    isave += 1")


def _generate_fixed(tab: ButcherTableau, n: int, npar: int, nsave: bool, K: _Consts) -> str:
    """The fixed-step loop: a counted loop with the products ``h a_ij``, ``h b_i``, ``h c_i``
    computed once (one fused multiply-add per stage term), and a last step landing on ``t1``."""
    s = tab.stages
    A, b, c = tab.A, tab.b, tab.c
    ms = range(n)
    L: list[str] = []
    w = L.append

    def tup(names: list[str]) -> str:
        return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"

    def coefficients(ind: str, h: str) -> None:
        for i in range(1, s):
            w(f"{ind}hc{i} = {h} * {K(c[i])}")
            for j in range(i):
                if A[i, j] != 0.0:
                    w(f"{ind}ha{i}_{j} = {h} * {K(A[i, j])}")
        if not tab.fsal:
            for i in range(s):
                if b[i] != 0.0:
                    w(f"{ind}hb{i} = {h} * {K(b[i])}")

    def step(ind: str, last: bool) -> None:
        w(f"{ind}t = t0 + kf * h_fixed")
        for m in ms:
            w(f"{ind}k0_{m} = fu{m}")
        last_in: list[str] = []
        for i in range(1, s):
            ins = []
            for m in ms:
                terms = "".join(f" + ha{i}_{j} * k{j}_{m}" for j in range(i) if A[i, j] != 0.0)
                ins.append(f"u{m}{terms}")
            w(f"{ind}{tup([f'y{m}' for m in ms])} = {tup(ins)}")
            w(
                f"{ind}{tup([f'k{i}_{m}' for m in ms])} = "
                f"f(t + hc{i}, {tup([f'y{m}' for m in ms])}, p)"
            )
            last_in = [f"y{m}" for m in ms]
        if tab.fsal:
            for m in ms:
                w(f"{ind}v{m} = {last_in[m]}")
                w(f"{ind}fn{m} = k{s - 1}_{m}")
        else:
            for m in ms:
                terms = "".join(f" + hb{i} * k{i}_{m}" for i in range(s) if b[i] != 0.0)
                w(f"{ind}v{m} = u{m}{terms}")
        if not tab.fsal or nsave:
            w(f"{ind}tnew = t1" if last else f"{ind}tnew = t0 + (kf + {K(1.0)}) * h_fixed")
        if not tab.fsal:
            w(f"{ind}{tup([f'fn{m}' for m in ms])} = f(tnew, {tup([f'v{m}' for m in ms])}, p)")
        if nsave:
            _emit_save(w, ind, tab, K, n, "hs")
        for m in ms:
            w(f"{ind}u{m} = v{m}")
            w(f"{ind}fu{m} = fn{m}")
        w(f"{ind}kf += {K(1.0)}")

    w("def traj(i, u0s, ps, t0, t1, h_in, nfixed, rtol, atol, max_steps, saveat, out_u, out_save,")
    w("         out_stats):")
    for m in ms:
        w(f"    u{m} = u0s[i, {m}]")
    w(f"    p = {tup([f'ps[i, {j}]' for j in range(npar)])}")
    w(f"    direction = {K(1.0)} if t1 > t0 else -{K(1.0)}")
    w("    t = t0")
    w(f"    {tup([f'fu{m}' for m in ms])} = f(t, {tup([f'u{m}' for m in ms])}, p)")
    w("    h_fixed = direction * min(abs(h_in), abs(t1 - t0))")
    w("    hs = h_fixed")
    coefficients("    ", "h_fixed")
    w("    nmain = min(nfixed - 1, max_steps)")
    w("    kf = ZERO")
    if nsave:
        w("    nsave_total = saveat.shape[0]")
        w("    isave = 0")
        w("    while isave < nsave_total and (saveat[isave] - t) * direction <= ZERO:")
        for m in ms:
            w(f"        out_save[i, isave, {m}] = u{m}")
        w("        isave += 1")
    w("    for _ in range(nmain):")
    step("        ", False)
    w("    status = 0")
    w("    naccept = nmain")
    w("    if nfixed >= 1 and nfixed <= max_steps:")
    w("        tl = t0 + kf * h_fixed")
    w("        hs = t1 - tl")
    coefficients("        ", "hs")
    step("        ", True)
    w("        naccept += 1")
    w("    elif nfixed >= 1:")
    w(f"        status = {_rk._MAXSTEPS}")
    fin = " and ".join(f"math.isfinite(u{m})" for m in ms)
    w(f"    if not ({fin}):")
    w(f"        status = {_rk._NONFINITE}")
    for m in ms:
        w(f"    out_u[i, {m}] = u{m}")
    w("    out_stats[i, 0] = status")
    w("    out_stats[i, 1] = naccept")
    w("    out_stats[i, 2] = 0")
    w(f"    out_stats[i, 3] = 1 + naccept * {s - 1 + (0 if tab.fsal else 1)}")
    return "\n".join(L) + "\n"


def generate_trajectory_source(
    tab: ButcherTableau, n: int, npar: int, *, adaptive: bool, nsave: bool, dtype: type = np.float64
) -> tuple[str, dict[str, np.floating]]:
    """Source of ``traj(i, u0s, ps, ...)``: integrate trajectory ``i`` of an ensemble.

    Parameters
    ----------
    tab : ButcherTableau
        The explicit method.
    n, npar : int
        Length of the state and of the parameter tuple.
    adaptive : bool
        Emit the adaptive loop (embedded error estimate, PI controller); else fixed steps.
    nsave : bool
        Emit the ``saveat`` output (dense output of the tableau, else cubic Hermite).
    dtype : type
        ``numpy.float64`` or ``numpy.float32``: the type of every constant.

    Returns
    -------
    source, constants
        The source of a function ``traj`` that calls a global ``f(t, u, p)``
        (tuple in, tuple out), and the typed constants it reads as globals.
    """
    K = _Consts(dtype)
    if not adaptive:
        src = _generate_fixed(tab, n, npar, nsave, K)
        consts = dict(K.values)
        consts["ZERO"] = K.dtype.type(0.0)
        return src, consts
    s = tab.stages
    A, b, c, e = tab.A, tab.b, tab.c, tab.error_weights
    fsal = bool(tab.fsal)
    q, beta1, beta2 = controller_constants(tab)
    eps = float(np.finfo(dtype).eps)
    tiny = 1e-300 if np.dtype(dtype) == np.float64 else float(np.finfo(dtype).tiny)
    ms = range(n)
    U = [f"u{m}" for m in ms]
    ZERO, ONE = K(0.0), K(1.0)
    L: list[str] = []
    w = L.append

    def tup(names: list[str]) -> str:
        return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"

    def kname(i: int, m: int) -> str:
        return f"k{i}_{m}"

    w("def traj(i, u0s, ps, t0, t1, h_in, nfixed, rtol, atol, max_steps, saveat, out_u, out_save,")
    w("         out_stats):")
    for m in ms:
        w(f"    u{m} = u0s[i, {m}]")
    w(f"    p = {tup([f'ps[i, {j}]' for j in range(npar)])}")
    w(f"    direction = {ONE} if t1 > t0 else -{ONE}")
    w("    span = abs(t1 - t0)")
    w("    t = t0")
    w(f"    {tup([f'fu{m}' for m in ms])} = f(t, {tup(U)}, p)")
    w("    nf = 1")
    # Hairer's initial step (explicit_rk._integrate), unless h_in > 0 is given
    w(f"    if h_in <= {ZERO}:")
    for name, num in (("d0", "u"), ("d1", "fu")):
        w(f"        acc = {ZERO}")
        for m in ms:
            w(f"        r = {num}{m} / (atol + rtol * abs(u{m}))")
            w("        acc += r * r")
        w(f"        {name} = math.sqrt(acc / {K(n)})")
    w(f"        if d0 < {K(1e-5)} or d1 < {K(1e-5)}:")
    w(f"            h0 = {K(1e-6)}")
    w("        else:")
    w(f"            h0 = {K(0.01)} * d0 / d1")
    w("        h0 = min(h0, span)")
    w(
        f"        {tup([f'g{m}' for m in ms])} = f(t + direction * h0, "
        f"{tup([f'u{m} + direction * h0 * fu{m}' for m in ms])}, p)"
    )
    w("        nf += 1")
    w(f"        acc = {ZERO}")
    for m in ms:
        w(f"        r = (g{m} - fu{m}) / (atol + rtol * abs(u{m}))")
        w("        acc += r * r")
    w(f"        d2 = math.sqrt(acc / {K(n)}) / h0")
    w(f"        if d1 <= {K(1e-15)} and d2 <= {K(1e-15)}:")
    w(f"            h1 = max({K(1e-6)}, h0 * {K(1e-3)})")
    w("        else:")
    w(f"            h1 = ({K(0.01)} / max(d1, d2)) ** {K(1.0 / (q + 1.0))}")
    w(f"        h = direction * min({K(100.0)} * h0, h1, span)")
    w("    else:")
    w("        h = direction * min(abs(h_in), span)")
    if nsave:
        w("    nsave_total = saveat.shape[0]")
        w("    isave = 0")
        w("    while isave < nsave_total and (saveat[isave] - t) * direction <= ZERO:")
        for m in ms:
            w(f"        out_save[i, isave, {m}] = u{m}")
        w("        isave += 1")
    w("    naccept = 0")
    w("    nreject = 0")
    w("    status = 0")
    w(f"    err_old = {K(1e-4)}")
    w("    last_rejected = False")
    w(f"    factor = {ONE}")
    w(f"    done = span == {ZERO}")
    w("    while not done:")
    w("        if naccept + nreject >= max_steps:")
    w(f"            status = {_rk._MAXSTEPS}")
    w("            break")
    w(f"        if (t + {K(1.01)} * h - t1) * direction >= ZERO:")
    w("            h = t1 - t")
    w(f"        if abs(h) <= {K(16.0 * eps)} * max(abs(t), {K(tiny)}) or h == ZERO:")
    w(f"            status = {_rk._DTMIN}")
    w("            break")
    w("        tnew = t + h")
    w("        if (tnew - t1) * direction >= ZERO:")
    w("            tnew = t1")
    # -- stages, unrolled
    for m in ms:
        w(f"        {kname(0, m)} = fu{m}")
    last_inputs: list[str] = []
    for i in range(1, s):
        ins = []
        for m in ms:
            terms = [(K(A[i, j]), kname(j, m)) for j in range(i) if A[i, j] != 0.0]
            ins.append(f"u{m} + h * ({_sum(terms)})")
        w(f"        {tup([f'y{m}' for m in ms])} = {tup(ins)}")
        w(
            f"        {tup([kname(i, m) for m in ms])} = "
            f"f(t + {K(c[i])} * h, {tup([f'y{m}' for m in ms])}, p)"
        )
        last_inputs = [f"y{m}" for m in ms]
    w(f"        nf += {s - 1}")
    if fsal:
        for m in ms:
            w(f"        v{m} = {last_inputs[m]}")
    else:
        for m in ms:
            terms = [(K(b[i]), kname(i, m)) for i in range(s) if b[i] != 0.0]
            w(f"        v{m} = u{m} + h * ({_sum(terms)})")
    w(f"        acc = {ZERO}")
    for m in ms:
        terms = [(K(e[i]), kname(i, m)) for i in range(s) if e[i] != 0.0]
        w(f"        sc = atol + rtol * max(abs(u{m}), abs(v{m}))")
        w(f"        r = h * ({_sum(terms)}) / sc")
        w("        acc += r * r")
    w(f"        err = math.sqrt(acc / {K(n)})")
    w("        if not math.isfinite(err):")
    w("            nreject += 1")
    w(f"            h *= {K(_rk._FACMIN)}")
    w("            last_rejected = True")
    w("            continue")
    w(f"        if err > {ONE}:")
    w("            nreject += 1")
    w(f"            h *= max({K(_rk._FACMIN)}, {K(_rk._SAFETY)} * err ** {K(-beta1)})")
    w("            last_rejected = True")
    w("            continue")
    w("        if err == ZERO:")
    w(f"            factor = {K(_rk._FACMAX)}")
    w("        else:")
    w(f"            factor = {K(_rk._SAFETY)} * err ** {K(-beta1)} * err_old ** {K(beta2)}")
    w(f"            factor = min({K(_rk._FACMAX)}, max({K(_rk._FACMIN)}, factor))")
    w("        if last_rejected:")
    w(f"            factor = min({ONE}, factor)")
    w(f"        err_old = max(err, {K(1e-4)})")
    w("        last_rejected = False")
    # -- accept
    if fsal:
        for m in ms:
            w(f"        fn{m} = {kname(s - 1, m)}")
    else:
        w(f"        {tup([f'fn{m}' for m in ms])} = f(tnew, {tup([f'v{m}' for m in ms])}, p)")
        w("        nf += 1")
    if nsave:
        _emit_save(w, "        ", tab, K, n, "h")
    w("        naccept += 1")
    w("        t = tnew")
    for m in ms:
        w(f"        u{m} = v{m}")
        w(f"        fu{m} = fn{m}")
    w("        if (t - t1) * direction >= ZERO:")
    w("            done = True")
    w("        else:")
    w("            h = h * factor")
    for m in ms:
        w(f"    out_u[i, {m}] = u{m}")
    w("    out_stats[i, 0] = status")
    w("    out_stats[i, 1] = naccept")
    w("    out_stats[i, 2] = nreject")
    w("    out_stats[i, 3] = nf")
    K(0.0)
    consts = dict(K.values)
    consts["ZERO"] = K.dtype.type(0.0)
    return "\n".join(L) + "\n", consts
