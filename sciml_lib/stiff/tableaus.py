"""Coefficients of the stiff methods: moved to :mod:`sciml_lib.ode.tableaus` (re-exported here)."""

from sciml_lib.ode.tableaus import RODAS4, RODAS5, RODAS5P, TRBDF2_COEFFS, RosenbrockTableau

__all__ = ["RosenbrockTableau", "RODAS4", "RODAS5", "RODAS5P", "TRBDF2_COEFFS"]
