"""Variable-order NDF/BDF: moved to :mod:`sciml_lib.ode.bdf` (re-exported here)."""

from sciml_lib.ode.bdf import MAX_ORDER, NDF_KAPPA, bdf, rescale_differences

__all__ = ["MAX_ORDER", "NDF_KAPPA", "bdf", "rescale_differences"]
