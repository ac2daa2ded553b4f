"""GPU computing: ensembles of ODEs as per-thread kernels, and the lecture's small kernels.

* :func:`~sciml_lib.gpu.ensemble.ensemble_solve`: many trajectories of one small
  ODE, one thread each (``numba.cuda`` on the GPU, ``numba.prange`` on the CPU)
  or ``jax.vmap`` over a solver; the Runge-Kutta loop is generated from
  :data:`sciml_lib.ode.tableaus.TABLEAUS` by :mod:`sciml_lib.gpu.codegen`.
* :mod:`sciml_lib.gpu.kernels`: grid-stride vector addition, masked select,
  instruction-level parallelism, transfer timing, roofline estimate.

Every kernel also runs without a GPU: on the CPU, or under numba's CUDA
simulator (``NUMBA_ENABLE_CUDASIM=1``).
"""

from .codegen import controller_constants, generate_trajectory_source
from .ensemble import (
    BACKENDS,
    STATUS_MESSAGES,
    EnsembleResult,
    cuda_available,
    ensemble_solve,
    lorenz_scalar,
)
from .kernels import (
    VECTOR_ADD_SOURCE,
    Roofline,
    branchy_select,
    masked_select,
    roofline,
    sum_naive,
    sum_unrolled,
    transfer_time,
    vector_add,
    vector_add_cpu,
)

__all__ = [
    "ensemble_solve",
    "EnsembleResult",
    "cuda_available",
    "lorenz_scalar",
    "BACKENDS",
    "STATUS_MESSAGES",
    "generate_trajectory_source",
    "controller_constants",
    "VECTOR_ADD_SOURCE",
    "vector_add",
    "vector_add_cpu",
    "masked_select",
    "branchy_select",
    "sum_naive",
    "sum_unrolled",
    "transfer_time",
    "Roofline",
    "roofline",
]
