"""posteriordb reference posterior summaries :cite:p:`magnusson2024posteriordb`.

Only the summary numbers are stored. ``mean`` and ``mcse_mean`` are copied from
``posterior_database/reference_posteriors/summary_statistics/mean_value/mean_value/``
``<posterior>.json``
and ``sd`` is the standard deviation of the 10 x 1000 reference draws in
``posterior_database/reference_posteriors/draws/draws/<posterior>.json.zip`` (Stan NUTS,
10 chains, 10 000 warm-up + 10 000 iterations thinned by 10) of
github.com/stan-dev/posteriordb at commit 28f8d3d6e975315f42aa274a8399f21e07a43b30.
"""

from __future__ import annotations

__all__ = ["POSTERIORDB_REFERENCE"]

#: Reference posterior summaries keyed by posteriordb posterior name.
POSTERIORDB_REFERENCE: dict[str, dict[str, tuple]] = {
    "hudson_lynx_hare-lotka_volterra": {
        "names": ("theta[1]", "theta[2]", "theta[3]", "theta[4]", "z_init[1]", "z_init[2]",
                  "sigma[1]", "sigma[2]"),
        "mean": (0.546864499783931, 0.0277472877678081, 0.800095360233122, 0.0240859152534545,
                 34.0352224770469, 5.93589713368062, 0.24805686320252, 0.251016914583618),
        "mcse_mean": (0.00062626907415417, 4.11604266143508e-05, 0.000884603225898987,
                      3.50047668143892e-05, 0.0293082761729642, 0.00533872103038814,
                      0.000439337727695207, 0.000439525598676463),
        "sd": (0.06305163660908072, 0.004154510185223913, 0.08936570859544514,
               0.0035279132813732248, 2.9167530010613048, 0.5305255123408865,
               0.043260513971860606, 0.04358815728409137),
    },
    "eight_schools-eight_schools_noncentered": {
        "names": ("theta[1]", "theta[2]", "theta[3]", "theta[4]", "theta[5]", "theta[6]",
                  "theta[7]", "theta[8]", "mu", "tau"),
        "mean": (6.15050229334425, 4.9395811407422, 3.90590609001582, 4.79601675138494,
                 3.6144363246799, 4.0511475789675, 6.31716975886893, 4.88399694353288,
                 4.41051833695493, 3.60205952364059),
        "mcse_mean": (0.0557375282295219, 0.0462293788624847, 0.0542313705632124,
                      0.0474935816762281, 0.0461450610244603, 0.0485195392528031,
                      0.0498766794075794, 0.0542511606560972, 0.0330374705950917,
                      0.0318615135640706),
        "sd": (5.6155826186981495, 4.645345829227882, 5.280447910017914, 4.770699471227277,
               4.614489950432583, 4.796008582193885, 5.002605246153888, 5.317426164826876,
               3.3091310077656897, 3.198317743094787),
    },
}
