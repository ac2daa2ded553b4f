r"""Sparse Jacobians: sparsity detection, greedy colouring, compressed evaluation (lecture 09).

If two columns :math:`j, k` of a Jacobian :math:`J` have no row in which both
are nonzero (they are *structurally orthogonal*), one evaluation of
:math:`J (e_j + e_k)` recovers both columns: each row's entry belongs to the
one column that is nonzero there. Partitioning the columns into such groups is
a distance-1 colouring of the *column-intersection graph* (vertices are
columns, edges join columns sharing a row) :cite:p:`curtis1974estimation,gebremedhin2005color`.
Finding the fewest colours is NP-hard, but greedy colouring with a good
vertex ordering is close to optimal on the banded and stencil patterns of
discretised PDEs, and its count is independent of the problem size.

The pipeline: :func:`detect_sparsity` (a tracer type or probing) →
:func:`color_columns` → :func:`seed_matrix` (compressed seeding, one dual
partial or one complex step per colour) → :func:`decompress` into a
``scipy.sparse`` matrix. :class:`SparseJacobianPlan` bundles the steps for
repeated evaluation at compiled speed.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
from numba import njit
from numpy.typing import ArrayLike

from . import _numba_jac as nj

__all__ = [
    "SparsityWarning",
    "SparsityTracer",
    "detect_sparsity",
    "column_intersection_graph",
    "color_columns",
    "is_valid_coloring",
    "seed_matrix",
    "decompress",
    "SparseJacobianPlan",
    "sparse_jacobian",
]


class SparsityWarning(UserWarning):
    """Sparsity detection fell back to probing, whose pattern may be incomplete."""


class _BranchError(TypeError):
    """The traced function branched on the value of the state."""


# --------------------------------------------------------------------------
# Sparsity detection by tracing
# --------------------------------------------------------------------------
class SparsityTracer:
    """A number that records which inputs it depends on.

    Every arithmetic operation or elementary function returns a tracer whose
    dependency set is the union of its operands'. Running a generic NumPy
    function on an object array of tracers therefore reveals the Jacobian's
    nonzero pattern (a superset: cancellations are not seen). Comparisons raise
    ``TypeError`` because a branch on the value cannot be traced without one.
    """

    __slots__ = ("deps",)
    __array_priority__ = 100

    def __init__(self, deps: frozenset[int] | set[int] = frozenset()) -> None:
        self.deps = frozenset(deps)

    def __repr__(self) -> str:
        return f"SparsityTracer({sorted(self.deps)})"

    def _join(self, other: Any) -> "SparsityTracer":
        if isinstance(other, SparsityTracer):
            return SparsityTracer(self.deps | other.deps)
        if isinstance(other, np.ndarray):
            return NotImplemented  # type: ignore[return-value]
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _join
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = _join

    def __neg__(self) -> "SparsityTracer":
        return self

    __pos__ = __abs__ = __neg__

    def _unary(self) -> "SparsityTracer":
        return self

    exp = log = log1p = expm1 = sqrt = sin = cos = tan = arctan = arcsin = arccos = _unary
    sinh = cosh = tanh = absolute = square = reciprocal = conjugate = _unary

    def _cmp(self, other: Any) -> bool:
        raise _BranchError(
            "SparsityTracer: cannot trace a comparison on the state (a value-dependent branch)"
        )

    __lt__ = __le__ = __gt__ = __ge__ = _cmp  # type: ignore[assignment]

    def __bool__(self) -> bool:
        raise _BranchError("SparsityTracer: cannot trace a value-dependent branch")

    def __float__(self) -> float:
        raise TypeError(
            "SparsityTracer: cannot convert a tracer to float (math.* functions, float(), or a "
            "float buffer such as np.empty(n)); use np.* functions and allocate with "
            "np.empty_like(u)"
        )

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs.get("out") is not None:
            return NotImplemented
        if any(isinstance(x, np.ndarray) for x in inputs):
            arrs = [np.asarray(x, dtype=object) if isinstance(x, np.ndarray) else x for x in inputs]
            shape = np.broadcast_shapes(*[np.shape(a) for a in arrs])
            out = np.empty(shape, dtype=object)
            for idx in np.ndindex(shape):
                args = [
                    np.broadcast_to(a, shape)[idx] if isinstance(a, np.ndarray) else a for a in arrs
                ]
                out[idx] = ufunc(*args)
            return out
        deps: frozenset[int] = frozenset()
        for x in inputs:
            if isinstance(x, SparsityTracer):
                deps = deps | x.deps
        cmps = ("less", "less_equal", "greater", "greater_equal", "equal", "not_equal")
        if ufunc.__name__ in cmps or ufunc.__name__ in ("maximum", "minimum", "fmax", "fmin"):
            raise _BranchError(f"SparsityTracer: cannot trace np.{ufunc.__name__} (a branch)")
        if ufunc.nout != 1:
            raise TypeError(f"SparsityTracer: cannot trace np.{ufunc.__name__}")
        return SparsityTracer(deps)


def _pattern_from_deps(outs: Any, n: int) -> sp.csc_matrix:
    rows, cols = [], []
    for i, y in enumerate(outs):
        if isinstance(y, SparsityTracer):
            for j in y.deps:
                rows.append(i)
                cols.append(j)
    m = len(outs)
    data = np.ones(len(rows), dtype=bool)
    return sp.csc_matrix(
        (data, (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))), shape=(m, n)
    )


def detect_sparsity(
    f: Callable,
    u: ArrayLike,
    p: Any = (),
    t: float = 0.0,
    *,
    method: str = "auto",
    nprobe: int = 6,
    seed: int = 0,
) -> sp.csc_matrix:
    r"""Nonzero pattern of :math:`\partial f/\partial u` for a right-hand side ``f(t, u, p)``.

    Parameters
    ----------
    f : callable
        The right-hand side; a Numba dispatcher is traced through ``py_func``.
    u : array_like
        A typical state (shape and dtype of the input).
    p : object
        The parameters.
    t : float
        The time.
    method : {"auto", "tracer", "probe"}
        ``"tracer"`` runs ``f`` on :class:`SparsityTracer` inputs (exact
        structural pattern; ``f`` must be generic and branch-free in ``u``).
        ``"probe"`` evaluates the Jacobian at ``nprobe`` random points and
        keeps the union of the nonzeros of the complex-step (where ``f``
        accepts complex input) and the finite-difference Jacobians. Half of the
        points are near ``u``, half far from it with random signs, so that
        branches on the sign of a component are likely to be taken both ways;
        a pattern found by probing can still miss entries of branches that no
        point takes. ``"auto"`` tries the tracer and, when it cannot run ``f``,
        probes and emits a :class:`SparsityWarning` naming the reason.
    nprobe : int
        Number of probe points (at least 1).
    seed : int
        Seed of the probe points.

    Returns
    -------
    scipy.sparse.csc_matrix of bool, shape (n, n)

    Raises
    ------
    ValueError
        If ``method``, ``u`` or ``nprobe`` is invalid, or ``f`` returns an
        output whose length differs from ``len(u)``.
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if method not in ("auto", "tracer", "probe"):
        raise ValueError(f"method must be 'auto', 'tracer' or 'probe', got {method!r}")
    try:
        ua = np.asarray(u, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise TypeError(f"u must be an array of real numbers, got {type(u).__name__}") from None
    if ua.size == 0 or not np.all(np.isfinite(ua)):
        raise ValueError("u must be a non-empty array of finite numbers")
    if isinstance(nprobe, bool) or not isinstance(nprobe, (int, np.integer)) or nprobe < 1:
        raise ValueError(f"nprobe must be an int >= 1, got {nprobe!r}")
    n = ua.size
    if method in ("auto", "tracer"):
        x = np.empty(n, dtype=object)
        for j in range(n):
            x[j] = SparsityTracer({j})
        try:
            y = getattr(f, "py_func", f)(t, x, p)
            outs = list(np.asarray(y, dtype=object).reshape(-1))
        except Exception as e:
            if method == "tracer":
                raise
            reason = str(e) or type(e).__name__
        else:
            if len(outs) != n:
                raise ValueError(f"f must return {n} values (the length of u), got {len(outs)}")
            return _pattern_from_deps(outs, n)
        warnings.warn(
            f"detect_sparsity: the tracer could not run f ({reason}); fell back to probing "
            f"the Jacobian at {nprobe} random points, which can miss entries that appear only "
            "on branches no point takes (an incomplete pattern makes a stiff solver slow or "
            "its Newton iterations fail). Give the pattern explicitly, or pass "
            "method='probe' to accept probing without this warning.",
            SparsityWarning,
            stacklevel=2,
        )
    return _probe_pattern(f, float(t), ua, p, int(nprobe), seed)


def _probe_pattern(
    f: Callable, t: float, ua: np.ndarray, p: Any, nprobe: int, seed: int
) -> sp.csc_matrix:
    """Union of the nonzeros of Jacobians at ``nprobe`` random points (complex step and FD)."""
    n = ua.size
    rng = np.random.default_rng(seed)
    scale = np.maximum(np.abs(ua), 1e-3)
    acc = np.zeros((n, n), dtype=bool)
    use_cs = True
    for k in range(nprobe):
        if k % 2 == 0:  # near u
            up = ua + 0.1 * scale * rng.standard_normal(n)
        else:  # far from u, random signs: takes sign branches both ways
            sign = rng.choice([-1.0, 1.0], n)
            up = sign * np.maximum(np.abs(ua), 1.0) * rng.uniform(0.5, 2.0, n)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            if use_cs:
                try:
                    J = nj.jac_cs_dense(f, t, up, p)
                    acc |= np.isfinite(J) & (J != 0)
                except Exception:
                    use_cs = False  # f does not accept complex input
            f0 = np.asarray(f(t, up, p), dtype=float).reshape(-1)
            if f0.size != n:
                raise ValueError(f"f must return {n} values (the length of u), got {f0.size}")
            J = nj.jac_fd_dense(f, t, up, p, f0)
        acc |= np.isfinite(J) & (J != 0)
    return sp.csc_matrix(acc)


# --------------------------------------------------------------------------
# Colouring
# --------------------------------------------------------------------------
def _as_pattern(S: Any, name: str = "sparsity") -> sp.csc_matrix:
    if sp.issparse(S):
        P = sp.csc_matrix(S, dtype=bool)
    else:
        try:
            a = np.asarray(S)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a matrix, got {type(S).__name__}") from None
        if a.ndim != 2:
            raise ValueError(f"{name} must be a 2-D matrix, got shape {a.shape}")
        if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
            raise TypeError(f"{name} must be a numeric or boolean matrix, got dtype {a.dtype}")
        P = sp.csc_matrix(a != 0)
    P.eliminate_zeros()
    P.sort_indices()
    return P


def _as_colors(colors: Any, n: int, name: str = "colors") -> np.ndarray:
    """``colors`` as int64 of shape ``(n,)`` with non-negative entries, or a ``ValueError``."""
    c = np.asarray(colors)
    if c.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) (one colour per column), got {c.shape}")
    if c.size and not (
        np.issubdtype(c.dtype, np.integer)
        or (np.issubdtype(c.dtype, np.floating) and np.all(c == np.round(c)))
    ):
        raise ValueError(f"{name} must hold integers, got dtype {c.dtype}")
    c = c.astype(np.int64)
    if c.size and c.min() < 0:
        raise ValueError(f"{name} must be non-negative, got {int(c.min())}")
    return c


def _coloring_conflict(P: sp.csc_matrix, c: np.ndarray) -> tuple[int, int, int] | None:
    """A row ``i`` and two columns ``j < k`` of one colour that share it, or ``None``."""
    coo = P.tocoo()
    if coo.nnz == 0:
        return None
    key = coo.row.astype(np.int64) * (int(c.max()) + 1) + c[coo.col]
    order = np.argsort(key, kind="stable")
    dup = np.flatnonzero(key[order][1:] == key[order][:-1])
    if dup.size == 0:
        return None
    a, b = order[dup[0]], order[dup[0] + 1]
    j, k = sorted((int(coo.col[a]), int(coo.col[b])))
    return int(coo.row[a]), j, k


def column_intersection_graph(S: Any) -> sp.csr_matrix:
    """Adjacency of the column-intersection graph: columns ``j != k`` sharing a row.

    Computed as the off-diagonal nonzeros of :math:`S^T S`.
    """
    P = _as_pattern(S).astype(np.int32)
    G = (P.T @ P).tocsr()
    G.setdiag(0)
    G.eliminate_zeros()
    G.data[:] = 1
    return G


def color_columns(S: Any, order: str = "largest_first") -> np.ndarray:
    """Greedy distance-1 colouring of the column-intersection graph.

    Each column, in the chosen order, gets the smallest colour not used by an
    already-coloured neighbour.

    Parameters
    ----------
    S : sparse matrix or array_like
        Nonzero pattern of the Jacobian (shape m x n).
    order : {"natural", "largest_first", "smallest_last"}
        Vertex ordering heuristic: column index order; decreasing degree
        (Welsh–Powell); or repeatedly removing a vertex of minimum remaining
        degree and colouring in reverse removal order (Matula–Beck).

    Returns
    -------
    ndarray of int64, shape (n,)
        Colour of each column, ``0 .. ncolors-1``.
    """
    G = column_intersection_graph(S)
    n = G.shape[0]
    indptr, indices = G.indptr, G.indices
    deg = np.diff(indptr)
    if order == "natural":
        seq = np.arange(n)
    elif order == "largest_first":
        seq = np.argsort(-deg, kind="stable")
    elif order == "smallest_last":
        seq = _smallest_last(indptr, indices, deg)
    else:
        raise ValueError(
            f"order must be 'natural', 'largest_first' or 'smallest_last', got {order!r}"
        )
    return _greedy_colors(
        np.ascontiguousarray(seq, dtype=np.int64), indptr.astype(np.int64), indices.astype(np.int64)
    )


@njit(cache=True)
def _greedy_colors(seq: np.ndarray, indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    n = seq.size
    colors = np.full(n, -1, dtype=np.int64)
    mark = np.full(n + 1, -1, dtype=np.int64)  # mark[c] == v: colour c is forbidden for v
    for v in seq:
        for m in range(indptr[v], indptr[v + 1]):
            c = colors[indices[m]]
            if c >= 0:
                mark[c] = v
        c = 0
        while mark[c] == v:
            c += 1
        colors[v] = c
    return colors


def _smallest_last(indptr: np.ndarray, indices: np.ndarray, deg: np.ndarray) -> np.ndarray:
    n = deg.size
    d = deg.astype(np.int64).copy()
    removed = np.zeros(n, dtype=bool)
    order = []
    import heapq

    heap = [(int(d[v]), int(v)) for v in range(n)]
    heapq.heapify(heap)
    while heap:
        dv, v = heapq.heappop(heap)
        if removed[v] or dv != d[v]:
            continue
        removed[v] = True
        order.append(v)
        for w in indices[indptr[v] : indptr[v + 1]]:
            if not removed[w]:
                d[w] -= 1
                heapq.heappush(heap, (int(d[w]), int(w)))
    return np.array(order[::-1], dtype=np.int64)


def is_valid_coloring(S: Any, colors: ArrayLike) -> bool:
    """True when no two columns of the same colour share a nonzero row.

    Raises ``ValueError`` when ``colors`` is not one non-negative integer per
    column.
    """
    P = _as_pattern(S)
    return _coloring_conflict(P, _as_colors(colors, P.shape[1])) is None


def seed_matrix(colors: ArrayLike) -> np.ndarray:
    """The n x ncolors 0/1 seed matrix :math:`S_{jc} = [\\mathrm{color}(j) = c]`.

    Its columns are the directions of the compressed evaluation :math:`B = J S`.
    """
    c = np.asarray(colors, dtype=np.int64)
    if c.ndim != 1 or (c.size and c.min() < 0):
        raise ValueError("colors must be a 1-D array of non-negative ints")
    k = int(c.max()) + 1 if c.size else 0
    Sd = np.zeros((c.size, k))
    Sd[np.arange(c.size), c] = 1.0
    return Sd


def decompress(S: Any, colors: ArrayLike, B: ArrayLike) -> sp.csc_matrix:
    """Recover :math:`J` from the compressed product :math:`B = J\\,\\mathrm{seed}`.

    Entry :math:`(i, j)` of the pattern is :math:`B_{i,\\mathrm{color}(j)}`.
    """
    P = _as_pattern(S)
    c = np.asarray(colors, dtype=np.int64)
    B = np.asarray(B, dtype=float)
    if B.shape[0] != P.shape[0]:
        raise ValueError(f"B must have {P.shape[0]} rows, got {B.shape[0]}")
    coo = P.tocoo()
    data = B[coo.row, c[coo.col]]
    return sp.csc_matrix((data, (coo.row, coo.col)), shape=P.shape)


class SparseJacobianPlan:
    """A sparsity pattern with its colouring, ready for repeated compressed evaluation.

    Parameters
    ----------
    sparsity : sparse matrix or array_like
        Nonzero pattern (n x n) with at least one nonzero.
    colors : array_like, optional
        A colouring: one non-negative integer per column, no two columns of
        one colour sharing a row (checked, since an invalid colouring gives a
        silently wrong Jacobian). Computed with ``order`` when omitted.
    order : str
        Ordering heuristic for :func:`color_columns`.
    name : str
        The name of ``sparsity`` in error messages (e.g. ``"jac_sparsity"``
        when a solver builds the plan from its keyword).

    Raises
    ------
    ValueError
        If the pattern is not square or has no nonzero, or ``colors`` is not
        a valid colouring of it.
    """

    def __init__(
        self,
        sparsity: Any,
        colors: ArrayLike | None = None,
        order: str = "largest_first",
        *,
        name: str = "sparsity",
    ) -> None:
        P = _as_pattern(sparsity, name)
        if P.shape[0] != P.shape[1]:
            raise ValueError(f"{name} must be square, got shape {P.shape}")
        if P.nnz == 0:
            raise ValueError(
                f"{name} has no nonzero entry (an all-zero pattern): the Jacobian would be 0. "
                "Check the pattern, or pass none for a dense Jacobian"
            )
        self.pattern = P
        if colors is None:
            self.colors = color_columns(P, order)
        else:
            self.colors = _as_colors(colors, P.shape[1])
            bad = _coloring_conflict(P, self.colors)
            if bad is not None:
                i, j, k = bad
                raise ValueError(
                    f"colors is not a valid colouring of {name}: columns {j} and {k} share row "
                    f"{i} but both have colour {int(self.colors[j])}; use color_columns({name}) "
                    "or omit colors"
                )
        self.ncolors = int(self.colors.max()) + 1 if self.colors.size else 0
        # CSC order: entries column by column, rows sorted
        self.indptr = P.indptr.astype(np.int64)
        self.indices = P.indices.astype(np.int64)
        self.cols = np.repeat(np.arange(P.shape[1], dtype=np.int64), np.diff(self.indptr))
        self.rows = self.indices

    @property
    def n(self) -> int:
        """Number of columns (and rows)."""
        return self.pattern.shape[0]

    def evaluate(
        self,
        f: Callable,
        t: float,
        u: np.ndarray,
        p: Any = (),
        *,
        method: str = "complex",
        f0: np.ndarray | None = None,
    ) -> sp.csc_matrix:
        """Compressed Jacobian of ``f(t, u, p)``: ``ncolors`` evaluations (plus ``f0`` for FD)."""
        if not callable(f):
            raise TypeError(f"f must be callable, got {type(f).__name__}")
        if method not in ("complex", "fd"):
            raise ValueError(f"method must be 'complex' or 'fd', got {method!r}")
        u = np.asarray(u, dtype=float)
        if u.shape != (self.n,):
            raise ValueError(f"u must have shape ({self.n},) to match the pattern, got {u.shape}")
        data = nj.jac_colored(
            f, float(t), u, p, self.colors, self.ncolors, self.rows, self.cols, method, f0
        )
        return sp.csc_matrix((data, self.indices, self.indptr), shape=self.pattern.shape)


def sparse_jacobian(
    f: Callable,
    t: float,
    u: ArrayLike,
    p: Any = (),
    *,
    sparsity: Any = None,
    colors: ArrayLike | None = None,
    method: str = "complex",
) -> sp.csc_matrix:
    """Sparse Jacobian of ``f(t, u, p)`` by detection (if needed), colouring and compression."""
    ua = np.asarray(u, dtype=float).reshape(-1)
    if sparsity is None:
        sparsity = detect_sparsity(f, ua, p, t)
    return SparseJacobianPlan(sparsity, colors).evaluate(f, t, ua, p, method=method)
