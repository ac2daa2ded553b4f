"""Partial differential equations as stencils (Lecture 14).

* :mod:`sciml_lib.pde.operators`: finite-difference matrices
  (:func:`~sciml_lib.pde.operators.diff_matrix`, ``laplacian_1d``, ``laplacian_2d``,
  ``laplacian_3d``) and Fornberg's weights :func:`~sciml_lib.pde.operators.fd_weights`.
* :mod:`sciml_lib.pde.stencils`: one stencil applied five ways (sparse matrix,
  ``scipy.ndimage``, JAX, NumPy slices, Numba serial and parallel).
* :mod:`sciml_lib.pde.mol`: method-of-lines right-hand sides ``mol_heat`` and
  ``mol_reaction_diffusion``.
* :mod:`sciml_lib.pde.stability`: von Neumann ``amplification_factor`` and ``ftcs_heat``.
* :mod:`sciml_lib.pde.convolution`: ``lax.conv`` stencils, pooling and a small ``CNN`` in
  JAX (imported on first use: ``import sciml_lib.pde`` does not start JAX).
"""

from __future__ import annotations

import importlib
from typing import Any

from .mol import mol_heat, mol_reaction_diffusion, mol_reaction_diffusion_jax
from .operators import (
    BOUNDARY_CONDITIONS,
    SCHEMES,
    diff_matrix,
    fd_weights,
    laplacian_1d,
    laplacian_2d,
    laplacian_3d,
)
from .stability import AMPLIFICATION_SCHEMES, amplification_factor, ftcs_heat
from .stencils import (
    LAPLACIAN_5PT,
    STENCIL_METHODS,
    apply_stencil,
    laplacian_stencil,
    stencil_matrix,
    stencil_ndimage,
    stencil_numba,
    stencil_slices,
)

_LAZY = {name: "convolution" for name in ("CNN", "as_jax_array", "conv2d", "max_pool", "mean_pool",
                                           "stencil_jax")}

__all__: list[str] = [
    "AMPLIFICATION_SCHEMES",
    "BOUNDARY_CONDITIONS",
    "LAPLACIAN_5PT",
    "SCHEMES",
    "STENCIL_METHODS",
    "amplification_factor",
    "apply_stencil",
    "diff_matrix",
    "fd_weights",
    "ftcs_heat",
    "laplacian_1d",
    "laplacian_2d",
    "laplacian_3d",
    "laplacian_stencil",
    "mol_heat",
    "mol_reaction_diffusion",
    "mol_reaction_diffusion_jax",
    "stencil_matrix",
    "stencil_ndimage",
    "stencil_numba",
    "stencil_slices",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# battery model (lecture 18)
from .battery import (  # noqa: E402
    SPM_BATTERY,
    SPM_NCELLS,
    SPM_PARAMS,
    SPM_SAVEAT,
    SPM_TSPAN,
    SPM_U0,
    SPMOperators,
    make_spm_battery_closure,
    spm_battery_exact,
    spm_battery_jac,
    spm_battery_jac_dense,
    spm_battery_linear,
    spm_battery_rhs,
    spm_battery_rhs_naive,
    spm_battery_solve_blocks,
    spm_battery_sparsity,
    spm_operators,
    spm_particle_jac,
    spm_particle_rhs,
)

__all__ += [
    "SPM_BATTERY",
    "SPM_NCELLS",
    "SPM_PARAMS",
    "SPM_SAVEAT",
    "SPM_TSPAN",
    "SPM_U0",
    "SPMOperators",
    "make_spm_battery_closure",
    "spm_battery_exact",
    "spm_battery_jac",
    "spm_battery_jac_dense",
    "spm_battery_linear",
    "spm_battery_rhs",
    "spm_battery_rhs_naive",
    "spm_battery_solve_blocks",
    "spm_battery_sparsity",
    "spm_operators",
    "spm_particle_jac",
    "spm_particle_rhs",
]
