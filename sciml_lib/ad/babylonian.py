r"""The Babylonian square root, differentiated four ways (lecture 11).

The iteration :math:`a_{k+1} = \tfrac12 (a_k + x / a_k)`, :math:`a_0 = x`, converges
to :math:`\sqrt x`, so after enough iterations its derivative with respect to
:math:`x` is :math:`1/(2\sqrt x)` (:math:`\approx 0.353553` at :math:`x = 2`).
One step is lowered to three primitives, :math:`t_1 = x / a`,
:math:`t_2 = a + t_1`, :math:`a = 0.5\,t_2`, and differentiated by

1. :func:`babylonian_forward`: forward tangents carried along
   (:math:`\dot t_1 = (\dot x a - \dot a x)/a^2`, :math:`\dot t_2 = \dot a + \dot t_1`,
   :math:`\dot a = 0.5\dot t_2`); :math:`O(1)` memory.
2. :func:`babylonian_tape`: a tracing tape of ``(op, inputs, output)`` records
   replayed backwards with the pullbacks of ``/``, ``+`` and ``*`` and adjoints
   accumulated in a dictionary; :math:`O(N)` memory plus per-operation overhead.
3. :func:`babylonian_memory`: a hand-written reverse loop that stores the
   :math:`N+1` iterates (what a source-to-source tool generates); :math:`O(N)` memory.
4. :func:`babylonian_memoryless`: the reverse loop *recomputes* each previous
   iterate by inverting the step, :math:`a_{k} = a_{k+1} + \sqrt{a_{k+1}^2 - x}`
   (the root with :math:`a_k \ge \sqrt x`), so memory is :math:`O(1)`
   (the idea of invertible/reversible AD).

Every function returns a :class:`BabylonianResult` with the value, the
derivative and the number of floats the differentiation had to store.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "BabylonianResult",
    "babylonian_forward",
    "babylonian_tape",
    "babylonian_memory",
    "babylonian_memoryless",
    "babylonian_while",
]


@dataclass(frozen=True)
class BabylonianResult:
    """Value :math:`\\approx\\sqrt x`, derivative :math:`\\approx 1/(2\\sqrt x)`, memory used.

    Attributes
    ----------
    value, derivative : float
        :math:`a_N` and :math:`da_N/dx`.
    stored : int
        Number of floats kept for the reverse pass (tape values, adjoints or iterates).
    iterations : int
        Iterations of the loop.
    """

    value: float
    derivative: float
    stored: int
    iterations: int


def _check(x: float, n: int) -> tuple[float, int]:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    x = float(x)
    if not x > 0:
        raise ValueError(f"x must be positive, got {x!r}")
    return x, n


def babylonian_forward(x: float, n: int = 300) -> BabylonianResult:
    """Forward-mode tangents propagated through ``n`` iterations (seed :math:`\\dot x = 1`)."""
    x, n = _check(x, n)
    a, da = x, 1.0
    dx = 1.0
    for _ in range(n):
        t1 = x / a
        dt1 = (dx * a - da * x) / (a * a)
        t2 = a + t1
        dt2 = da + dt1
        a, da = 0.5 * t2, 0.5 * dt2
    return BabylonianResult(a, da, 2, n)


def babylonian_tape(x: float, n: int = 300) -> BabylonianResult:
    """Reverse mode with a tracing tape and a dictionary of adjoints.

    The forward pass records ``(op, in1, in2, out)`` with integer ids for the
    values (constants get ids too); the reverse pass walks the records
    backwards: ``/`` gives :math:`(\\bar o/b, -\\bar o a/b^2)`, ``+`` gives
    :math:`(\\bar o, \\bar o)` and ``*`` gives :math:`(\\bar o b, \\bar o a)`.
    """
    x, n = _check(x, n)
    vals: list[float] = [x, 0.5]  # id 0: x, id 1: the constant 0.5
    consts = {1}
    tape: list[tuple[str, int, int, int]] = []

    def emit(op: str, i: int, j: int) -> int:
        a, b = vals[i], vals[j]
        out = a / b if op == "/" else (a + b if op == "+" else a * b)
        vals.append(out)
        tape.append((op, i, j, len(vals) - 1))
        return len(vals) - 1

    a = 0
    for _ in range(n):
        t1 = emit("/", 0, a)
        t2 = emit("+", a, t1)
        a = emit("*", 1, t2)
    adj: dict[int, float] = {a: 1.0}
    for op, i, j, o in reversed(tape):
        ob = adj.get(o, 0.0)
        av, bv = vals[i], vals[j]
        if op == "/":
            gi, gj = ob / bv, -ob * av / (bv * bv)
        elif op == "+":
            gi, gj = ob, ob
        else:
            gi, gj = ob * bv, ob * av
        if i not in consts:
            adj[i] = adj.get(i, 0.0) + gi
        if j not in consts:
            adj[j] = adj.get(j, 0.0) + gj
    stored = len(vals) + 4 * len(tape) + len(adj)
    return BabylonianResult(vals[a], adj.get(0, 0.0), stored, n)


def babylonian_memory(x: float, n: int = 300) -> BabylonianResult:
    """Reverse loop over the stored iterates :math:`a_0, \\dots, a_N`.

    Reverse of one step with iterate :math:`a_i`: :math:`\\bar t_2 = 0.5\\bar a`,
    :math:`\\bar x \\mathrel{+}= \\bar t_2 / a_i`,
    :math:`\\bar a = \\bar t_2 - \\bar t_2 x / a_i^2`; finally
    :math:`\\bar x \\mathrel{+}= \\bar a` because :math:`a_0 = x` (fan-out sums).
    """
    x, n = _check(x, n)
    iterates = [x]
    for _ in range(n):
        a = iterates[-1]
        iterates.append(0.5 * (a + x / a))
    abar, xbar = 1.0, 0.0
    for i in range(n - 1, -1, -1):
        ai = iterates[i]
        t2bar = 0.5 * abar
        xbar += t2bar / ai
        abar = t2bar - t2bar * x / (ai * ai)
    xbar += abar
    return BabylonianResult(iterates[-1], xbar, len(iterates), n)


def babylonian_memoryless(x: float, n: int = 300) -> BabylonianResult:
    """Reverse loop that recomputes each iterate by inverting the step (:math:`O(1)` memory).

    From :math:`a_{new} = (a + x/a)/2`: :math:`a^2 - 2a_{new}a + x = 0`, so
    :math:`a = a_{new} + \\sqrt{a_{new}^2 - x}` since the iterates approach
    :math:`\\sqrt x` from above. Once the iteration has converged the inverse
    returns :math:`\\sqrt x` again (the early iterates cannot be recovered), but
    the reverse sweep then only needs the fixed point, and the derivative is
    still exact to rounding.
    """
    x, n = _check(x, n)
    a = x
    for _ in range(n):
        a = 0.5 * (a + x / a)
    value = a
    abar, xbar = 1.0, 0.0
    for _ in range(n):
        a = a + math.sqrt(max(a * a - x, 0.0))  # a_i from a_{i+1}
        t2bar = 0.5 * abar
        xbar += t2bar / a
        abar = t2bar - t2bar * x / (a * a)
    xbar += abar
    return BabylonianResult(value, xbar, 3, n)


def babylonian_while(x: float, tol: float = 1e-14, max_iter: int = 10_000) -> BabylonianResult:
    """The while-loop version (stop when :math:`|a - x/a| \\le` ``tol``), reverse mode.

    The tape is a growable store.

    The number of iterations depends on the value of ``x``: dynamic control
    flow is no problem for a reverse pass that records what actually ran.
    """
    x, _ = _check(x, 1)
    if not tol > 0:
        raise ValueError(f"tol must be positive, got {tol!r}")
    iterates = [x]
    while abs(iterates[-1] - x / iterates[-1]) > tol:
        a = iterates[-1]
        iterates.append(0.5 * (a + x / a))
        if len(iterates) > max_iter:
            raise RuntimeError(
                f"babylonian_while did not converge in max_iter={max_iter} iterations"
            )
    n = len(iterates) - 1
    abar, xbar = 1.0, 0.0
    for i in range(n - 1, -1, -1):
        ai = iterates[i]
        t2bar = 0.5 * abar
        xbar += t2bar / ai
        abar = t2bar - t2bar * x / (ai * ai)
    xbar += abar
    return BabylonianResult(iterates[-1], xbar, len(iterates), n)
