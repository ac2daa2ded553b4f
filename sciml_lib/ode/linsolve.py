r"""Linear solvers for the shifted Jacobian :math:`W = \alpha I - J` of implicit steps.

Every implicit step solves systems with :math:`W = \alpha I - J`
(:math:`\alpha = 1/(\gamma h)`). Three ways, one interface
(``update(alpha, J, jvp)`` then ``solve(b)``):

* :class:`DenseLU`: LAPACK LU, :math:`O(n^3)` to factor, :math:`O(n^2)` per solve.
* :class:`SparseLU`: SuperLU (``scipy.sparse.linalg.splu``) on a sparse
  :math:`J`; its cost follows the fill-in, not :math:`n^3`.
* :class:`GMRESSolver`: Newton-Krylov. :math:`W v` is one Jacobian-vector
  product (complex step or finite difference of :math:`f`, or a sparse
  :math:`J` when one was formed), never a factorisation; :func:`gmres`
  minimises the residual over the Krylov space
  :math:`\mathcal K_k = \mathrm{span}\{b, Wb, \dots, W^{k-1}b\}`
  :cite:p:`saad1986gmres,knoll2004jacobian`, right-preconditioned by an
  incomplete LU, algebraic multigrid, the exact LU of an earlier :math:`W`, or
  the user's own preconditioner, each built rarely and reused over many steps.

Small SuperLU-preconditioned Krylov solves run compiled end to end
(:mod:`sciml_lib.ode._krylov_nb`). The compiled Rosenbrock loops factor a dense
:math:`W` in place with :func:`lu_factor` and :func:`lu_solve` (partial pivoting, no Python call).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numba import njit, types
from numba.core.errors import TypingError
from numba.extending import intrinsic

from sciml_lib.ad._numba_jac import CS_H, is_numba

from ._jacobian import ComplexStepJVP
from ._krylov_nb import (
    TriangularFactors,
    arnoldi_givens,
    gmres_combine,
    gmres_cs_loop,
)

__all__ = [
    "DenseLU", "SparseLU", "GMRESSolver", "gmres", "make_linsolve", "LINSOLVERS",
    "PRECONDITIONERS", "KERNEL_MAX_NNZ", "compiled_gmres", "part_lu", "lu_factor", "lu_solve",
    "lu_solve_refined", "shifted_residual", "two_product", "two_sum",
]

LINSOLVERS = ("dense", "splu", "gmres")


class DenseLU:
    """Dense LU factorisation of :math:`\\alpha I - J` (``scipy.linalg.lu_factor``)."""

    needs_matrix = True

    def __init__(self) -> None:
        self.nfact = 0
        self.nsolve = 0

    def update(self, alpha: float, J: Any, jvp: Callable | None = None) -> bool:
        Jd = J.toarray() if sp.issparse(J) else np.asarray(J)
        W = -Jd.copy()
        W[np.diag_indices_from(W)] += alpha
        self.J, self.alpha = Jd, alpha
        self.nfact += 1
        if not np.all(np.isfinite(W)):
            return False
        try:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("error", sla.LinAlgWarning)
                self.lu = sla.lu_factor(W, check_finite=False)
        except (sla.LinAlgError, sla.LinAlgWarning, ValueError):
            return False
        return bool(np.all(np.diag(self.lu[0]) != 0))

    def solve(self, b: np.ndarray) -> np.ndarray:
        self.nsolve += 1
        return sla.lu_solve(self.lu, b, check_finite=False)

    def solve_refined(self, b: np.ndarray) -> np.ndarray:
        """``solve`` and one step of iterative refinement with the residual in doubled
        precision (:func:`shifted_residual`), as the compiled loops' :func:`lu_solve_refined`."""
        x = self.solve(b)
        r = np.array(b, dtype=float)
        shifted_residual(np.ascontiguousarray(self.J, dtype=float), float(self.alpha), x, r)
        self.nsolve += 1
        return x + sla.lu_solve(self.lu, r, check_finite=False)


class SparseLU:
    """Sparse LU (SuperLU) of :math:`\\alpha I - J` for a ``scipy.sparse`` :math:`J`.

    The column ordering ``permc_spec`` defaults to minimum degree on
    :math:`W^T + W` (``"MMD_AT_PLUS_A"``), which suits the structurally symmetric
    patterns of discretised PDEs (about half the fill-in of COLAMD on the
    Brusselator).
    """

    needs_matrix = True

    def __init__(self, permc_spec: str = "MMD_AT_PLUS_A") -> None:
        self.permc_spec = permc_spec
        self.nfact = 0
        self.nsolve = 0

    def update(self, alpha: float, J: Any, jvp: Callable | None = None) -> bool:
        Js = sp.csc_matrix(J)
        n = Js.shape[0]
        W = (sp.identity(n, format="csc") * alpha - Js).tocsc()
        self.nfact += 1
        if not np.all(np.isfinite(W.data)):
            return False
        try:
            self.lu = spla.splu(W, permc_spec=self.permc_spec)
        except RuntimeError:  # exactly singular
            return False
        return True

    def solve(self, b: np.ndarray) -> np.ndarray:
        self.nsolve += 1
        return self.lu.solve(b)


def gmres(matvec: Callable[[np.ndarray], np.ndarray], b: np.ndarray, *,
          M: Callable[[np.ndarray], np.ndarray] | None = None, rtol: float = 1e-8,
          atol: float = 0.0, restart: int = 30, maxiter: int = 200,
          weights: np.ndarray | None = None,
          history: list | None = None) -> tuple[np.ndarray, bool, int]:
    r"""Restarted, right-preconditioned GMRES for :math:`A x = b` in a weighted 2-norm.

    Builds an orthonormal basis :math:`V_k` of the Krylov space
    :math:`\mathcal K_k(\hat A, \hat b)` by Arnoldi (classical Gram-Schmidt, applied twice
    for stability; the compiled step :func:`~sciml_lib.ode._krylov_nb.arnoldi_givens`),
    keeps the preconditioned vectors :math:`Z_k = M^{-1} D^{-1} V_k` (so that forming
    :math:`x` costs no further preconditioner solve) and picks
    :math:`x = Z_k y` with
    :math:`y = \arg\min \|\,\|\hat b\| e_1 - \bar H_k y\|_2`, solved by Givens rotations
    as the basis grows :cite:p:`saad1986gmres`. Here :math:`\hat A = D A M^{-1} D^{-1}`,
    :math:`\hat b = D b` and :math:`D = \mathrm{diag}(\texttt{weights})`, so the residual
    that is minimised is :math:`\|D (b - A x)\|_2` (the ODE solvers pass the inverse error
    scales, as CVODE's scaled GMRES does :cite:p:`hindmarsh2005sundials`).

    Parameters
    ----------
    matvec : callable
        :math:`v \mapsto A v`.
    b : ndarray
        Right-hand side.
    M : callable, optional
        :math:`v \mapsto M^{-1} v`, the preconditioner (right preconditioning, so the
        residual is that of the original system).
    rtol, atol : float
        Stop when :math:`\|D r\|_2 \le \max(\mathrm{rtol}\,\|D b\|_2, \mathrm{atol})`.
    restart : int
        Basis size before a restart.
    maxiter : int
        Total Krylov iterations (matrix-vector products) allowed.
    weights : ndarray, optional
        The diagonal of :math:`D` (ones when omitted).
    history : list, optional
        When given, :math:`\|D r_k\|_2` is appended for ``k = 0, 1, ...`` (the least-squares
        residual within a cycle, the true residual at each restart). A cycle that meets the
        tolerance ends the solve without forming the true residual: with right
        preconditioning the least-squares residual is the residual of :math:`b - A x`
        (up to rounding), as in CVODE's SPGMR :cite:p:`hindmarsh2005sundials`.

    Returns
    -------
    (x, converged, iterations)
    """
    b = np.asarray(b, dtype=float)
    n = b.size
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    prec = M if M is not None else (lambda v: v)
    x = np.zeros(n)
    r = w * b
    beta = float(np.linalg.norm(r))
    target = max(rtol * beta, atol)
    its = 0
    if history is not None:
        history.append(beta)
    if not np.isfinite(beta):
        return x, False, 0
    m = max(1, min(restart, n))
    while beta > target and its < maxiter:
        V = np.empty((m + 1, n))
        Z = np.empty((m, n))  # the preconditioned basis, so that x needs no extra M solve
        H = np.zeros((m + 1, m))
        cs, sn = np.zeros(m), np.zeros(m)
        g = np.zeros(m + 1)
        g[0] = beta
        V[0] = r / beta
        k = 0
        for j in range(m):
            Z[j] = prec(V[j] / w)
            v = np.ascontiguousarray(w * matvec(Z[j]), dtype=np.float64)
            its += 1
            hn, ok = arnoldi_givens(V, H, cs, sn, g, j, v)
            if not ok:
                return x, False, its
            k = j + 1
            if history is not None:
                history.append(abs(g[j + 1]))
            if abs(g[j + 1]) <= target or its >= maxiter or hn == 0.0:
                break
            V[j + 1] = v / hn
        gmres_combine(H, g, Z, k, x)
        if abs(g[k]) <= target:  # converged: the least-squares residual is the true one (right
            break  # preconditioning), so no further product is spent on checking it
        r = w * (b - matvec(x))
        beta = float(np.linalg.norm(r))
        if history is not None:
            history[-1] = beta
        if not math.isfinite(beta):
            return x, False, its
    else:
        return x, beta <= target, its
    return x, True, its


#: Options of :func:`pyamg.ruge_stuben_solver` for ``precond="amg"``: one forward Gauss-Seidel
#: sweep before and one backward sweep after each coarse-grid correction (half the default
#: symmetric sweeps: the Krylov method makes up the difference), coarsest level by sparse LU.
AMG_OPTIONS = dict(
    presmoother=("gauss_seidel", {"sweep": "forward"}),
    postsmoother=("gauss_seidel", {"sweep": "backward"}),
    max_coarse=400,
    coarse_solver="splu",
)

#: Largest SuperLU factorisation (``lu.nnz`` stored entries) for which :class:`GMRESSolver` runs
#: the compiled GMRES solve: there the Python work around each Krylov iteration is what costs,
#: beyond it SuperLU's supernodal triangular solve matches or beats the compiled column sweeps.
#: Measured on the 2-D Brusselator's diffusion factor with two right-hand sides (BDF + GMRES,
#: rtol 1e-6): N = 32 (57 496 entries) 0.152 s compiled vs 0.179 s from Python; N = 64
#: (271 004) 0.67 vs 0.63 s; N = 128 (1 301 724) one sweep pair 2.08 vs 1.98 ms.
KERNEL_MAX_NNZ = 200_000

#: The preconditioners of :class:`GMRESSolver` by name (or pass a callable).
PRECONDITIONERS = (None, "ilu", "amg", "lu")


class GMRESSolver:
    r"""Newton-Krylov linear solves: GMRES on :math:`W = \alpha I - J` with a reused preconditioner.

    :math:`W v` is :math:`\alpha v - J v` with the sparse :math:`J` when one was formed
    (for the preconditioner), else one Jacobian-vector product by complex step or finite
    differences of :math:`f` (Jacobian-free: no matrix at all).

    **Preconditioners** (right preconditioning; each approximates :math:`W_p^{-1}` for the
    :math:`\alpha_p` at which it was built):

    * ``"ilu"``: incomplete LU of :math:`W_p` (``scipy.sparse.linalg.spilu``, drop
      tolerance ``drop_tol``);
    * ``"amg"``: one V-cycle of classical (Ruge-Stüben) algebraic multigrid on :math:`W_p`
      (PyAMG :cite:p:`pyamg2023`), whose cost grows linearly with the unknowns;
    * ``"lu"``: the exact sparse LU of :math:`W_p`, kept while :math:`\alpha` drifts;
    * a callable ``precond(J, gamma)`` returning :math:`v \mapsto M^{-1}v \approx
      (I - \gamma J)^{-1} v` (``J`` is ``None`` when no matrix was formed); the solver scales
      it to :math:`W`. :func:`part_lu` builds one from a fixed part of :math:`J` (e.g. the
      diffusion operator of a reaction-diffusion system).

    **Reuse.** A preconditioner is rebuilt only when :math:`\alpha` has moved by more than the
    factor ``band`` from :math:`\alpha_p`, when it has served ``max_age`` updates, or when the
    last solve needed more than ``slow`` Krylov iterations and more than twice as many as the
    first solve after the build (a preconditioner that was never better is not rebuilt over and
    over; :meth:`due` tells the caller, which then evaluates a fresh Jacobian for it); otherwise GMRES absorbs the mismatch in a few extra
    iterations (the policy of CVODE's preconditioned Krylov solvers
    :cite:p:`hindmarsh2005sundials`). A new Jacobian alone changes the operator, not the
    preconditioner. ``why`` counts the setups by reason.
    Counters: ``nprec`` setups, ``niter`` Krylov iterations, ``nsolve`` solves, ``nfail``
    solves that did not converge (``ok`` is False after one).

    **Compiled solves.** When the preconditioner is a SuperLU factorisation (``"lu"`` or a
    :func:`part_lu`) of at most :data:`KERNEL_MAX_NNZ` entries and the products are complex
    steps of a Numba ``f``, the whole GMRES solve is one compiled call
    (:func:`compiled_gmres`): the same iteration with no Python per Krylov iteration.
    """

    krylov = True

    def __init__(self, precond: Any = None, rtol: float = 1e-8, restart: int = 20,
                 maxiter: int = 60, band: float = 10.0, max_age: int = 100, slow: int = 8,
                 drop_tol: float = 1e-3, amg_options: dict | None = None) -> None:
        if not (precond in PRECONDITIONERS or callable(precond)):
            raise ValueError(f"precond must be one of {PRECONDITIONERS} or a callable, "
                             f"got {precond!r}")
        self.precond = precond
        self.rtol, self.restart, self.maxiter = rtol, restart, maxiter
        self.band, self.max_age, self.slow, self.drop_tol = band, max_age, slow, drop_tol
        self.amg_options = dict(amg_options or {})
        self.needs_matrix = isinstance(precond, str)
        self.nfact = self.nprec = self.nsolve = self.niter = self.nfail = 0
        self.ok = True
        self.M = self.factors = None
        self._kernel_of = self._kernel_fn = None
        self.alpha_p = None
        self._J = self._Jcsr = None
        self._age = 0
        self._stale = False
        self._fresh_its: int | None = None
        self.why: dict[str, int] = {}  # preconditioner setups by reason

    def update(self, alpha: float, J: Any, jvp: Callable | None = None) -> bool:
        if jvp is None and J is None:
            raise ValueError("jvp: GMRES needs a Jacobian-vector product")
        fresh_J = J is not self._J
        self._J = J
        self.alpha = alpha
        if J is not None:
            if self._Jcsr is None or fresh_J:
                self._Jcsr = sp.csr_matrix(J)
            Jc = self._Jcsr
            self.jvp = lambda v: Jc @ v
        else:
            self.jvp = jvp
        why = self.due(alpha)
        self._age += 1
        if why:
            self.why[why] = self.why.get(why, 0) + 1
            return self._build(alpha, J)
        return True

    def due(self, alpha: float) -> str:
        """Why an ``update`` at ``alpha`` would rebuild the preconditioner ("" when it would
        not): "none" (no preconditioner yet), "drift", "slow" or "age". A caller with a stale
        Jacobian matrix evaluates a fresh one first."""
        if self.precond is None:
            return ""
        if self.M is None:
            return "none"
        if not 1.0 / self.band <= alpha / self.alpha_p <= self.band:
            return "drift"
        if self._stale:
            return "slow"
        return "age" if self._age >= self.max_age else ""

    def set_jvp(self, jvp: Callable[[np.ndarray], np.ndarray]) -> None:
        """Use ``jvp`` (e.g. the Jacobian at the current Newton iterate) for :math:`W v` until
        the next ``update``."""
        self.jvp = jvp

    def _build(self, alpha: float, J: Any) -> bool:
        self.nprec += 1
        self._age, self._stale, self._fresh_its = 0, False, None
        self.alpha_p = alpha
        self.factors = None
        if callable(self.precond):
            m = self.precond(J, 1.0 / alpha)
            if isinstance(m, TriangularFactors):  # compiled sweeps; (I - J/alpha)^-1 / alpha
                self.factors = m.scaled(alpha)
                self.M = self.factors
                return True
            solve = getattr(m, "solve", m)
            self.M = lambda v: solve(v) / alpha  # (I - J/alpha)^-1 v / alpha = W_p^-1 v
            return True
        Js = sp.csc_matrix(J)
        W = (sp.identity(Js.shape[0], format="csc") * alpha - Js).tocsc()
        if not np.all(np.isfinite(W.data)):
            self.M = None
            return False
        try:
            if self.precond == "lu":
                self.nfact += 1
                self.factors = TriangularFactors(spla.splu(W, permc_spec="MMD_AT_PLUS_A"))
                self.M = self.factors
            elif self.precond == "ilu":
                self.nfact += 1
                self.M = spla.spilu(W, drop_tol=self.drop_tol, fill_factor=10,
                                    permc_spec="MMD_AT_PLUS_A").solve
            else:
                import pyamg

                ml = pyamg.ruge_stuben_solver(W.tocsr(), **{**AMG_OPTIONS, **self.amg_options})
                self.M = ml.aspreconditioner(cycle="V").matvec
        except RuntimeError:  # exactly singular
            self.M = None
            return False
        return True

    def _kernel(self, jvp: Any) -> Callable | None:
        """The compiled GMRES solve for this product and preconditioner, or None: it needs
        SuperLU factors (``"lu"`` or a :func:`part_lu`) and a complex-step product of a
        Numba ``f``."""
        if (self.factors is None or self.factors.nnz > KERNEL_MAX_NNZ
                or not isinstance(jvp, ComplexStepJVP)):
            return None
        if self._kernel_of is not jvp.f:  # looked up once per right-hand side
            self._kernel_of = jvp.f
            self._kernel_fn = compiled_gmres(jvp.f) if is_numba(jvp.f) else None
        return self._kernel_fn

    def solve(self, b: np.ndarray, atol: float = 0.0, weights: np.ndarray | None = None,
              rtol: float | None = None) -> np.ndarray:
        r"""Solve :math:`W x = b`; ``atol``/``weights`` give the inexact-Newton stopping rule
        :math:`\|D r\|_2 \le` ``atol`` (``rtol`` defaults to the solver's own)."""
        alpha, jvp = self.alpha, self.jvp
        rtol = self.rtol if rtol is None else rtol
        kernel = self._kernel(jvp)
        out = None
        if kernel is not None:  # the whole solve compiled: complex-step products, LU sweeps
            w = np.ones(b.size) if weights is None else np.ascontiguousarray(weights, dtype=float)
            try:
                out = kernel(float(jvp.t), jvp.u, jvp.p, np.ascontiguousarray(b, dtype=float),
                             float(alpha), w, float(rtol), float(atol), int(self.restart),
                             int(self.maxiter), CS_H, *self.factors.arrays())
            except TypingError:  # p of a type the compiled loop cannot take: the Python path
                self._kernel_fn = None
        if out is not None:
            x, ok, its, nf = out
            jvp.counter.n += nf
        else:
            x, ok, its = gmres(lambda v: alpha * v - jvp(v), b, M=self.M, rtol=rtol, atol=atol,
                               restart=self.restart, maxiter=self.maxiter, weights=weights)
        self.nsolve += 1
        self.niter += its
        self.ok = ok
        if not ok:
            self.nfail += 1
        if self._fresh_its is None:  # the first solve with a new preconditioner: its baseline
            self._fresh_its = its
        elif its > max(self.slow, 2 * self._fresh_its):
            self._stale = True  # a rebuild would help: it did better when it was new
        return x


def part_lu(A: Any, copies: int = 1) -> Callable[[Any, float], Callable[[np.ndarray], np.ndarray]]:
    r"""A preconditioner from the exact sparse LU of one fixed *part* of the Jacobian.

    For :math:`J = \mathrm{diag}(A, \dots, A) + R(u)` (``copies`` blocks), where :math:`A` is a
    constant linear operator, typically the diffusion matrix of a reaction-diffusion system,
    and :math:`R` the rest, the returned ``precond(J, gamma)`` factors
    :math:`P = I - \gamma A` once (SuperLU, minimum-degree ordering on :math:`P^T + P`) and
    gives :math:`v \mapsto \mathrm{diag}(P, \dots, P)^{-1} v`, the ``copies`` blocks of
    :math:`v` solved together as one multi-column solve. It ignores ``J``: no Jacobian matrix
    is ever formed, and GMRES only has to resolve :math:`W P^{-1}`, a bounded perturbation of
    the identity when :math:`R` is bounded independently of the grid (the reaction couples
    species at one point only), so the iteration count does not grow with the grid
    :cite:p:`knoll2004jacobian`. A smaller matrix than :math:`W` (one species) with the same
    pattern per block: less fill-in and a cheaper factorisation and solve than the LU of
    the whole :math:`W`.

    Parameters
    ----------
    A : sparse matrix (m, m)
        The fixed part, e.g. :func:`sciml_lib.problems.brusselator_2d_diffusion`.
    copies : int
        How many stacked fields share :math:`A` (the state holds ``copies * m`` values,
        field after field).

    Returns
    -------
    callable
        ``precond(J, gamma)`` for ``solve(..., linsolve="gmres", precond=...)``.
    """
    if not sp.issparse(A) or A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise TypeError(f"A must be a square scipy.sparse matrix, got {type(A).__name__}"
                        + (f" of shape {A.shape}" if hasattr(A, "shape") else ""))
    if isinstance(copies, bool) or not isinstance(copies, (int, np.integer)) or copies < 1:
        raise ValueError(f"copies must be a positive int, got {copies!r}")
    m = A.shape[0]
    A = sp.csc_matrix(A, dtype=float)
    eye = sp.identity(m, format="csc")

    def precond(J: Any, gamma: float) -> TriangularFactors:
        lu = spla.splu((eye - gamma * A).tocsc(), permc_spec="MMD_AT_PLUS_A")
        return TriangularFactors(lu, copies)

    precond.uses_jacobian = False  # the solvers then form no Jacobian matrix for it
    return precond


def compiled_gmres(f: Callable) -> Callable:
    """:func:`~sciml_lib.ode._krylov_nb.gmres_cs_loop` specialised on the Numba function ``f``:
    cached on disk when ``f`` is importable by name, else compiled in this process."""
    from sciml_lib._specialize import generated_driver, specialized_in_memory

    return generated_driver(gmres_cs_loop, {"f": f}, "gmres") or specialized_in_memory(
        gmres_cs_loop, {"f": f})


def make_linsolve(linsolve: str, precond: Any = None, gmres_rtol: float = 1e-8) -> Any:
    """Build the linear solver named ``linsolve`` (one of :data:`LINSOLVERS`)."""
    if linsolve == "dense":
        return DenseLU()
    if linsolve == "splu":
        return SparseLU()
    if linsolve == "gmres":
        return GMRESSolver(precond=precond, rtol=gmres_rtol)
    raise ValueError(f"linsolve must be one of {LINSOLVERS}, got {linsolve!r}")


# -- the compiled dense LU of the Rosenbrock loops -------------------------------------------
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


@intrinsic
def fma(typingctx, a, b, c):
    """``a*b + c`` rounded once (LLVM's ``llvm.fma.f64``: the CPU's fused multiply-add, or a
    correctly rounded library call where there is none)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return sig, codegen


@njit(cache=True, inline="always")
def two_product(a, b):
    """``(p, e)`` with ``p = fl(a b)`` and ``a b = p + e`` exactly unless ``e`` underflows
    (one fused multiply-add) :cite:p:`ogita2005accurate`."""
    p = a * b
    return p, fma(a, b, -p)


@njit(cache=True, inline="always")
def two_sum(a, b):
    """``(s, e)`` with ``s = fl(a + b)`` and ``a + b = s + e`` exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@njit(cache=True, inline="always")
def shifted_residual(J, alpha, x, r):
    r"""``r := r - (alpha I - J) x``, computed in doubled precision (Ogita-Rump-Oishi Dot2: every
    product and sum carries its rounding error, so the result is as accurate as if computed with
    twice the working precision and rounded once) :cite:p:`ogita2005accurate`."""
    n = x.size
    for i in range(n):
        p, e = two_product(-alpha, x[i])
        s, t = two_sum(r[i], p)
        lo = t + e
        for j in range(n):
            p, e = two_product(J[i, j], x[j])
            s, t = two_sum(s, p)
            lo += t + e
        r[i] = s + lo


@njit(cache=True, inline="always")
def lu_solve_refined(LU, piv, J, alpha, b, r):
    r"""Solve :math:`(\alpha I - J)\,x = b` in place of ``b``, given the LU factors of
    :math:`\alpha I - J`, with one step of iterative refinement whose residual is computed in
    doubled precision (:func:`shifted_residual`; ``r`` is work space).

    A solve is accurate to about :math:`\varepsilon\,\mathrm{cond}(W)` relative to
    :math:`\|x\|`, and :math:`\mathrm{cond}(W) \approx \gamma h \|J\|` is large for large
    stiff steps; a residual computed in working precision carries errors of the same size and
    cannot correct it, the doubled one can :cite:p:`higham2002accuracy`. One step leaves an error
    of :math:`(\varepsilon\,\mathrm{cond}(W))^2 \|x\|`.
    """
    n = LU.shape[0]
    for i in range(n):
        r[i] = b[i]
    lu_solve(LU, piv, b)
    shifted_residual(J, alpha, b, r)
    lu_solve(LU, piv, r)
    for i in range(n):
        b[i] += r[i]
