r"""Ensembles of small ODEs: one thread per trajectory, on the GPU or the CPU.

A parameter sweep, a Monte Carlo uncertainty propagation or a Bayesian
posterior predictive solves the same small ODE :math:`u' = f(t, u, p_j)` for
many :math:`(u_{0,j}, p_j)`. Two ways to put that on a GPU:

* **array model** (``jax.vmap`` over a solver): the ensemble is one batched
  state; every operation acts on all trajectories in lock-step, so the loop
  runs until the slowest trajectory is done and every step materialises
  ensemble-sized intermediates;
* **kernel model** (``backend="cuda"``): each GPU thread integrates its own
  trajectory with its own adaptive step, entirely in registers; a
  trajectory costs only its own steps :cite:p:`utkarsh2024automated`.

:func:`ensemble_solve` offers both, plus the kernel model on the CPU with
``numba.prange`` (``backend="cpu"``), from one scalar right-hand side
``f(t, u, p)`` taking and returning tuples, written once: the same source is
compiled by ``numba.njit`` for the CPU, by ``numba.cuda.jit`` for the GPU and
traced by JAX.
"""

from __future__ import annotations

import hashlib
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numba
import numpy as np
from numba import njit, prange
from numba.core.dispatcher import Dispatcher

from sciml_lib._specialize import importable_name, inlined_modules, load_generated, module_bytes
from sciml_lib.ode.tableaus import TABLEAUS, get_tableau

from .codegen import generate_trajectory_source

__all__ = [
    "EnsembleResult",
    "ensemble_solve",
    "cuda_available",
    "lorenz_scalar",
    "STATUS_MESSAGES",
    "BACKENDS",
]

BACKENDS = ("auto", "cuda", "cpu", "jax")
"""Accepted values of ``backend``."""

STATUS_MESSAGES = {
    0: "success",
    1: "reached max_steps",
    2: "step size underflow",
    3: "non-finite solution",
}
"""Per-trajectory status codes (those of :func:`sciml_lib.ode.explicit_rk.solve`)."""


@njit(cache=True)
def lorenz_scalar(t, u, p):
    r"""The Lorenz field of ``sciml_lib.problems.lorenz`` in ensemble form.

    ``u = (x, y, z)`` and ``p = (sigma, rho, beta)`` are tuples and the result
    is a tuple: self-contained scalar code that ``numba.njit``,
    ``numba.cuda.jit`` and JAX all compile :cite:p:`lorenz1963deterministic`.
    """
    x, y, z = u[0], u[1], u[2]
    sigma, rho, beta = p[0], p[1], p[2]
    return sigma * (y - x), x * (rho - z) - y, x * y - beta * z


@dataclass
class EnsembleResult:
    """Result of :func:`ensemble_solve` (one row per trajectory).

    Attributes
    ----------
    u : numpy.ndarray, shape (N, n)
        Final states.
    saved : numpy.ndarray or None, shape (N, len(saveat), n)
        States at ``saveat`` (dense output of the method).
    naccept, nreject, nf : numpy.ndarray, shape (N,)
        Accepted and rejected steps, right-hand-side evaluations.
    status : numpy.ndarray, shape (N,)
        0 on success, else a code of :data:`STATUS_MESSAGES`.
    backend : str
        The backend that ran.
    timings : dict
        Seconds: ``compile`` (0 when cached), ``transfer`` (host-device
        copies, GPU only) and ``kernel`` (the solve itself, synchronised).
    """

    u: np.ndarray
    saved: np.ndarray | None
    naccept: np.ndarray
    nreject: np.ndarray
    nf: np.ndarray
    status: np.ndarray
    backend: str
    timings: dict = field(default_factory=dict)

    @property
    def success(self) -> bool:
        """Whether every trajectory reached the end of the interval."""
        return bool(np.all(self.status == 0))


# --------------------------------------------------------------------------- devices
def cuda_available() -> bool:
    """Whether ``numba.cuda`` can run kernels here (a GPU, or ``NUMBA_ENABLE_CUDASIM=1``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from numba import cuda

            return bool(cuda.is_available())
    except Exception:  # noqa: BLE001 - no driver, no toolkit, import failure: no GPU
        return False


# --------------------------------------------------------------------------- compilation
_KERNELS: dict[tuple, Callable] = {}


def _py_func(f: Callable) -> Callable:
    return f.py_func if isinstance(f, Dispatcher) else f


def _namespace(consts: dict, f: Any) -> dict:
    ns: dict[str, Any] = {"math": math, "f": f}
    ns.update(consts)
    return ns


_CPU_WRAPPER = """

traj = njit(inline="always"{cache})(traj)


@njit(parallel=True{cache})
def run(u0s, ps, t0, t1, h_in, nfixed, rtol, atol, max_steps, saveat, out_u, out_save, out_stats):
    for i in prange(u0s.shape[0]):
        traj(i, u0s, ps, t0, t1, h_in, nfixed, rtol, atol, max_steps, saveat, out_u, out_save,
             out_stats)
"""


def _constants_source(consts: dict) -> str:
    return "\n".join(f"{k} = np.{v.dtype.name}({float(v)!r})" for k, v in consts.items())


def _cpu_kernel(f: Callable, key: tuple, src: str, consts: dict) -> Callable:
    """The CPU kernel: a module-level ``@njit`` f gets a generated module cached on disk
    (as ``sciml_lib._specialize`` does for ``solve``); any other f is compiled in memory."""
    name = importable_name(f)
    if name is not None:
        h = hashlib.sha1()
        for part in (
            numba.__version__,
            src,
            _constants_source(consts),
            _CPU_WRAPPER,
            name[0],
            name[1],
        ):
            h.update(part.encode())
        for module in inlined_modules(name[0]):  # an edit of what the kernel inlines recompiles
            h.update(module.encode())
            h.update(module_bytes(module))
        h.update(f.py_func.__code__.co_code)
        h.update(repr(f.py_func.__code__.co_consts).encode())
        modname = f"sciml_ensemble_{name[1]}_{h.hexdigest()[:16]}"
        source = (
            f"# Generated by sciml_lib.gpu.ensemble ({key[2]}); delete to recompile.\n"
            "import math\n\nimport numpy as np\nfrom numba import njit, prange\n\n"
            f"from {name[0]} import {name[1]} as f\n\n{_constants_source(consts)}\n\n\n{src}"
            + _CPU_WRAPPER.format(cache=", cache=True")
        )
        # the one safe loader: per-user folder, planted or truncated files rewritten, failed
        # imports removed from sys.modules; None (one warning) when the folder is unusable
        gen = load_generated(modname, source)
        if gen is not None:
            return gen.run
    fj = f if isinstance(f, Dispatcher) else njit(f)
    ns = _namespace(consts, fj)
    ns.update(np=np, njit=njit, prange=prange)
    exec(
        compile(src + _CPU_WRAPPER.format(cache=""), f"<sciml_lib.gpu kernel {key[1:]}>", "exec"),
        ns,
    )  # noqa: S102
    return ns["run"]


_CUDA_WRAPPER = """
@cuda.jit
def kernel(u0s, ps, t0, t1, h_in, nfixed, rtol, atol, max_steps, saveat, out_u, out_save,
           out_stats):
    i = cuda.grid(1)
    if i < u0s.shape[0]:
        traj(i, u0s, ps, t0, t1, h_in, nfixed, rtol, atol, max_steps, saveat, out_u, out_save,
             out_stats)
"""


def _cuda_kernel(f: Callable, key: tuple, src: str, consts: dict) -> Callable:
    # numba's CUDA simulator swaps the *global* name ``cuda`` of a kernel for its fake module,
    # so the kernel is defined in a namespace where ``cuda`` is a global
    from numba import cuda

    ns = _namespace(consts, cuda.jit(device=True)(_py_func(f)))
    ns["cuda"] = cuda
    exec(compile(src, f"<sciml_lib.gpu kernel {key[1:]}>", "exec"), ns)  # noqa: S102
    ns["traj"] = cuda.jit(device=True)(ns["traj"])
    exec(compile(_CUDA_WRAPPER, "<sciml_lib.gpu launcher>", "exec"), ns)  # noqa: S102
    return ns["kernel"]


def _kernel(
    backend: str, f: Callable, tab, n: int, npar: int, adaptive: bool, nsave: bool, dtype: np.dtype
) -> tuple[Callable, bool]:
    key = (backend, _py_func(f), tab.name, n, npar, adaptive, nsave, np.dtype(dtype).name)
    if key in _KERNELS:
        return _KERNELS[key], False
    src, consts = generate_trajectory_source(
        tab, n, npar, adaptive=adaptive, nsave=nsave, dtype=dtype
    )
    build = _cuda_kernel if backend == "cuda" else _cpu_kernel
    _KERNELS[key] = build(f, key, src, consts)
    return _KERNELS[key], True


# --------------------------------------------------------------------------- validation
def _as_2d(x: Any, name: str, dtype: np.dtype) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name}: expected a float array of shape (N, k), got {type(x).__name__}"
        ) from exc
    if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(f"{name}: expected shape (N, k) with N, k >= 1, got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: must be finite")
    return np.ascontiguousarray(a)


def _check_f(f: Any, u0: np.ndarray, p: np.ndarray) -> None:
    if not callable(f):
        raise TypeError(f"f: expected a callable f(t, u, p), got {type(f).__name__}")
    try:
        du = _py_func(f)(0.0, tuple(float(x) for x in u0), tuple(float(x) for x in p))
    except Exception as exc:  # noqa: BLE001 - re-raised naming the argument
        raise TypeError(
            f"f: calling f(t, u, p) with tuples failed: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(du, tuple) or len(du) != u0.size:
        raise TypeError(f"f: must return a tuple of {u0.size} floats (the length of a row of u0s)")


def ensemble_solve(
    f: Callable,
    u0s: Any,
    ps: Any,
    tspan: Sequence[float],
    *,
    method: str = "Tsit5",
    dt: float | None = None,
    adaptive: bool = True,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    backend: str = "auto",
    dtype: type = np.float64,
    saveat: Any = None,
    max_steps: int = 10**6,
    block: int = 128,
) -> EnsembleResult:
    r"""Solve :math:`u_j' = f(t, u_j, p_j)` for every trajectory :math:`j` of an ensemble.

    Parameters
    ----------
    f : callable
        Scalar right-hand side ``f(t, u, p) -> du`` where ``u`` and ``p`` are
        tuples and ``du`` is a tuple of ``len(u)`` numbers (see
        :func:`lorenz_scalar`). It must be self-contained (arithmetic and
        ``math`` functions) so that Numba compiles it for the CPU and the GPU;
        ``backend="jax"`` traces it with JAX (arithmetic only).
    u0s : array_like, shape (N, n)
        Initial states, one row per trajectory.
    ps : array_like, shape (N, m)
        Parameters, one row per trajectory.
    tspan : (float, float)
        Start and end time.
    method : str
        An explicit method of :data:`sciml_lib.ode.tableaus.TABLEAUS`.
    dt : float, optional
        Fixed step (``adaptive=False`` or a method without error estimate),
        or the initial step of an adaptive solve (default: Hairer's choice).
    adaptive : bool
        Per-trajectory adaptive steps (embedded pair, PI controller).
    rtol, atol : float
        Tolerances of the error control.
    backend : str
        ``"cuda"`` (one GPU thread per trajectory), ``"cpu"`` (the same kernel
        over ``numba.prange``), ``"jax"`` (``jax.vmap`` over
        :func:`sciml_lib.ode.jax_solver.integrate`, the array model) or
        ``"auto"`` (cuda when a GPU is present, else cpu).
    dtype : type
        ``numpy.float64`` or ``numpy.float32`` (the arithmetic of the kernel).
    saveat : array_like, optional
        Increasing output times inside ``tspan`` (dense output; not with ``"jax"``).
    max_steps : int
        Attempted steps per trajectory before status 1.
    block : int
        Threads per block of the CUDA launch.

    Returns
    -------
    EnsembleResult

    Raises
    ------
    ValueError, TypeError
        For invalid input; the message names the argument. ``backend="cuda"``
        without a usable GPU raises ``ValueError``.
    """
    # ---------------------------------------------------------------- validate
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise ValueError(f"backend: expected one of {BACKENDS}, got {backend!r}")
    if dtype not in (np.float64, np.float32):
        raise TypeError(f"dtype: expected numpy.float64 or numpy.float32, got {dtype!r}")
    if not isinstance(method, str):
        raise TypeError(f"method: expected a method name (str), got {type(method).__name__}")
    try:
        tab = get_tableau(method)
    except ValueError:
        raise ValueError(
            f"method: {method!r} is not an explicit Runge-Kutta method of sciml_lib.ode "
            f"(valid: {', '.join(TABLEAUS)})"
        ) from None
    try:
        t0, t1 = (float(x) for x in tspan)
    except (TypeError, ValueError):
        raise TypeError(f"tspan: expected two numbers (t0, t1), got {tspan!r}") from None
    if not (math.isfinite(t0) and math.isfinite(t1)):
        raise ValueError(f"tspan: must be finite, got {tspan!r}")
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if not np.isscalar(tol) or not np.isfinite(tol) or tol <= 0:
            raise ValueError(f"{name}: must be a positive finite number, got {tol!r}")
    if not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise ValueError(f"max_steps: must be a positive int, got {max_steps!r}")
    u0a = _as_2d(u0s, "u0s", dtype)
    pa = _as_2d(ps, "ps", dtype)
    if pa.shape[0] != u0a.shape[0]:
        raise ValueError(
            f"ps: has {pa.shape[0]} rows but u0s has {u0a.shape[0]}; one row each per trajectory"
        )
    use_adaptive = bool(adaptive) and tab.adaptive
    if dt is not None and (not np.isscalar(dt) or not np.isfinite(dt) or dt == 0):
        raise ValueError(f"dt: must be a nonzero finite number, got {dt!r}")
    if not use_adaptive and dt is None:
        why = (
            f"method {tab.name!r} has no error estimator" if not tab.adaptive else "adaptive=False"
        )
        raise ValueError(f"dt: a fixed step is required ({why})")
    if saveat is not None:
        sa = np.asarray(saveat, dtype=float).ravel()
        lo, hi = min(t0, t1), max(t0, t1)
        if sa.size == 0 or np.any(~np.isfinite(sa)) or np.any(sa < lo) or np.any(sa > hi):
            raise ValueError(f"saveat: times must lie in tspan {tspan!r}")
        sa = np.sort(sa) if t1 >= t0 else np.sort(sa)[::-1]
        sa = np.ascontiguousarray(sa, dtype=dtype)
    else:
        sa = np.zeros(1, dtype=dtype)
    _check_f(f, u0a[0], pa[0])
    if backend == "auto":
        backend = "cuda" if cuda_available() else "cpu"
    if backend == "cuda" and not cuda_available():
        raise ValueError(
            "backend: 'cuda' needs an NVIDIA GPU visible to numba.cuda; none is present "
            "(use backend='cpu', or NUMBA_ENABLE_CUDASIM=1 for the simulator)"
        )
    if backend == "jax":
        if saveat is not None:
            raise ValueError("saveat: not supported with backend='jax' (final states only)")
        from .jax_backend import jax_ensemble

        return jax_ensemble(f, u0a, pa, t0, t1, tab, use_adaptive, dt, rtol, atol, max_steps, dtype)

    # ---------------------------------------------------------------- launch the kernel
    N, n = u0a.shape
    nsave = saveat is not None
    span = abs(t1 - t0)
    h_in = float(abs(dt)) if dt is not None else 0.0
    nfixed = (
        0 if use_adaptive else int(math.ceil(span / min(h_in, span) - 1e-10)) if span > 0 else 0
    )
    typ = np.dtype(dtype).type
    scal = (typ(t0), typ(t1), typ(h_in), nfixed, typ(rtol), typ(atol), int(max_steps))
    timings: dict[str, float] = {}
    tic = time.perf_counter()
    kern, fresh = _kernel(backend, f, tab, n, pa.shape[1], use_adaptive, nsave, np.dtype(dtype))
    out_u = np.empty((N, n), dtype=dtype)
    out_save = np.empty((N, sa.size if nsave else 1, n), dtype=dtype)
    out_stats = np.zeros((N, 4), dtype=np.int64)
    if backend == "cpu":
        if fresh:  # compile on a one-trajectory problem so the timing below is the solve alone
            kern(u0a[:1], pa[:1], *scal, sa, out_u[:1], out_save[:1], out_stats[:1])
        timings["compile"] = time.perf_counter() - tic
        tic = time.perf_counter()
        kern(u0a, pa, *scal, sa, out_u, out_save, out_stats)
        timings["kernel"] = time.perf_counter() - tic
        timings["transfer"] = 0.0
    else:
        from numba import cuda

        d_in = [cuda.to_device(a) for a in (u0a, pa, sa)]
        d_out = [cuda.device_array_like(a) for a in (out_u, out_save, out_stats)]
        if fresh:
            kern[1, 1](d_in[0], d_in[1], *scal, d_in[2], d_out[0], d_out[1], d_out[2])
            cuda.synchronize()
        timings["compile"] = time.perf_counter() - tic
        tic = time.perf_counter()
        d_in = [cuda.to_device(a) for a in (u0a, pa, sa)]
        cuda.synchronize()
        t_h2d = time.perf_counter() - tic
        tic = time.perf_counter()
        grid = (N + block - 1) // block
        kern[grid, block](d_in[0], d_in[1], *scal, d_in[2], d_out[0], d_out[1], d_out[2])
        cuda.synchronize()
        timings["kernel"] = time.perf_counter() - tic
        tic = time.perf_counter()
        out_u, out_save, out_stats = (d.copy_to_host() for d in d_out)
        timings["transfer"] = t_h2d + time.perf_counter() - tic
    return EnsembleResult(
        u=out_u,
        saved=out_save if nsave else None,
        naccept=out_stats[:, 1].copy(),
        nreject=out_stats[:, 2].copy(),
        nf=out_stats[:, 3].copy(),
        status=out_stats[:, 0].copy(),
        backend=backend,
        timings=timings,
    )
