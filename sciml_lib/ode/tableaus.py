r"""Butcher tableaus of the explicit Runge-Kutta methods, stored as data.

An explicit :math:`s`-stage Runge-Kutta method advances :math:`u' = f(t, u)`
by

.. math::

    k_i = f\Big(t_n + c_i \Delta t,\; u_n + \Delta t \sum_{j<i} a_{ij} k_j\Big),
    \qquad u_{n+1} = u_n + \Delta t \sum_i b_i k_i .

An *embedded pair* carries a second weight vector :math:`\hat b` of lower
order; :math:`\Delta t \sum_i (b_i - \hat b_i) k_i` estimates the local error
and drives the step-size controller :cite:p:`hairer1993solving`. A *dense
output* (continuous extension) replaces :math:`b_i` by polynomials
:math:`b_i(\theta)`, :math:`\theta \in [0, 1]`, stored here as the matrix
``dense`` with :math:`b_i(\theta) = \sum_j \mathrm{dense}_{ij}\,\theta^{j+1}`.

Every tableau is defined exactly once, in this module, and the rest of the
library (the Numba solver :func:`sciml_lib.ode.solve`, the JAX solvers, the
notebooks) reads it from :data:`~sciml_lib.ode.tableaus.TABLEAUS`. The tests check each one against
the order conditions (rooted trees) and against measured convergence rates.

Sources: classical methods :cite:p:`hairer1993solving`; Bogacki-Shampine 3(2)
:cite:p:`bogacki1989pair`; Dormand-Prince 5(4) :cite:p:`dormand1980family` with the
dense output of :cite:p:`hairer1993solving`; Tsitouras 5(4)
:cite:p:`tsitouras2011runge`; Verner's "most efficient" 7(6) pair
:cite:p:`verner2010numerically` (coefficients from Verner's published tables).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction as Fr

import numpy as np

__all__ = ["ButcherTableau", "TABLEAUS", "get_tableau", "EXPLICIT_METHODS"]


@dataclass(frozen=True, eq=False)
class ButcherTableau:
    """An explicit Runge-Kutta method as data.

    Parameters
    ----------
    name : str
        Method name (key of :data:`~sciml_lib.ode.tableaus.TABLEAUS`).
    A : numpy.ndarray, shape (s, s)
        Strictly lower-triangular stage coefficients :math:`a_{ij}`.
    b : numpy.ndarray, shape (s,)
        Weights of the propagated solution.
    c : numpy.ndarray, shape (s,)
        Nodes :math:`c_i = \\sum_j a_{ij}`.
    order : int
        Order of the propagated solution.
    b_hat : numpy.ndarray, shape (s,), optional
        Weights of the embedded solution; the local error estimate is
        ``dt * (b - b_hat) @ k``.
    embedded_order : int, optional
        Order of the embedded solution.
    fsal : bool
        First same as last: the last stage is :math:`f(t_{n+1}, u_{n+1})` and
        serves as the first stage of the next step.
    dense : numpy.ndarray, shape (s, degree), optional
        Interpolation coefficients: :math:`b_i(\\theta) = \\sum_j
        \\mathrm{dense}_{ij} \\theta^{j+1}`, so that :math:`b_i(1) = b_i`.
        ``None`` means the solver falls back to cubic Hermite interpolation.
    dense_order : int, optional
        Order of the dense output.
    reference : str
        Bibliography key of the source.
    """

    name: str
    A: np.ndarray
    b: np.ndarray
    c: np.ndarray
    order: int
    b_hat: np.ndarray | None = None
    embedded_order: int | None = None
    fsal: bool = False
    dense: np.ndarray | None = None
    dense_order: int | None = None
    reference: str = field(default="hairer1993solving")

    def __post_init__(self) -> None:
        for key in ("A", "b", "c", "b_hat", "dense"):
            val = getattr(self, key)
            if val is not None:
                arr = np.array(val, dtype=float)
                arr.setflags(write=False)
                object.__setattr__(self, key, arr)
        s = self.b.size
        if self.A.shape != (s, s) or self.c.shape != (s,):
            raise ValueError(f"{self.name}: A must be (s, s) and c (s,) with s = len(b) = {s}")
        if np.any(np.triu(self.A) != 0):
            raise ValueError(f"{self.name}: A must be strictly lower triangular (explicit method)")
        if self.b_hat is not None and self.b_hat.shape != (s,):
            raise ValueError(f"{self.name}: b_hat must have shape ({s},)")
        if self.dense is not None and (self.dense.ndim != 2 or self.dense.shape[0] != s):
            raise ValueError(f"{self.name}: dense must have shape ({s}, degree)")

    @property
    def stages(self) -> int:
        """Number of stages :math:`s`."""
        return self.b.size

    @property
    def adaptive(self) -> bool:
        """Whether the tableau has an embedded error estimator."""
        return self.b_hat is not None

    @property
    def error_weights(self) -> np.ndarray:
        """:math:`b - \\hat b` (zeros when there is no embedded method)."""
        if self.b_hat is None:
            return np.zeros_like(self.b)
        return self.b - self.b_hat

    def dense_weights(self, theta: float) -> np.ndarray:
        """The interpolation weights :math:`b_i(\\theta)` (requires ``dense``)."""
        if self.dense is None:
            raise ValueError(f"theta: {self.name} has no dense-output coefficients")
        powers = theta ** np.arange(1, self.dense.shape[1] + 1)
        return self.dense @ powers

    def __repr__(self) -> str:
        emb = f", embedded_order={self.embedded_order}" if self.b_hat is not None else ""
        return f"ButcherTableau({self.name!r}, stages={self.stages}, order={self.order}{emb}, fsal={self.fsal})"


def _lower(rows: list[list], s: int) -> np.ndarray:
    """Build the (s, s) strictly lower matrix from ragged rows 2..s."""
    A = np.zeros((s, s))
    for i, row in enumerate(rows, start=1):
        A[i, : len(row)] = [float(x) for x in row]
    return A


def _poly_matrix(polys: list[np.polynomial.Polynomial], degree: int) -> np.ndarray:
    """Coefficients of theta**1..theta**degree of each polynomial (constant term must vanish)."""
    out = np.zeros((len(polys), degree))
    for i, P in enumerate(polys):
        coef = np.zeros(degree + 1)
        coef[: P.coef.size] = P.coef
        if abs(coef[0]) > 1e-14:
            raise ValueError("dense-output polynomial must vanish at theta = 0")
        out[i] = coef[1:]
    return out


# --------------------------------------------------------------------------- classical
_EULER = ButcherTableau("Euler", A=[[0.0]], b=[1.0], c=[0.0], order=1)

_MIDPOINT = ButcherTableau("Midpoint", A=[[0, 0], [0.5, 0]], b=[0, 1], c=[0, 0.5], order=2)

# Heun's method (explicit trapezoidal rule), with Euler embedded: the simplest adaptive pair.
_HEUN = ButcherTableau(
    "Heun", A=[[0, 0], [1, 0]], b=[0.5, 0.5], c=[0, 1], order=2, b_hat=[1.0, 0.0], embedded_order=1
)

_RK4 = ButcherTableau(
    "RK4",
    A=_lower([[0.5], [0, 0.5], [0, 0, 1]], 4),
    b=[1 / 6, 1 / 3, 1 / 3, 1 / 6],
    c=[0, 0.5, 0.5, 1],
    order=4,
)

# --------------------------------------------------------------------------- Bogacki-Shampine 3(2)
_BS3 = ButcherTableau(
    "BS3",
    A=_lower([[Fr(1, 2)], [0, Fr(3, 4)], [Fr(2, 9), Fr(1, 3), Fr(4, 9)]], 4),
    b=[2 / 9, 1 / 3, 4 / 9, 0],
    c=[0, 0.5, 0.75, 1],
    order=3,
    b_hat=[7 / 24, 1 / 4, 1 / 3, 1 / 8],
    embedded_order=2,
    fsal=True,
    reference="bogacki1989pair",
)

# --------------------------------------------------------------------------- Dormand-Prince 5(4)
_DP5_b = [Fr(35, 384), Fr(0), Fr(500, 1113), Fr(125, 192), Fr(-2187, 6784), Fr(11, 84), Fr(0)]
_DP5_bhat = [Fr(5179, 57600), Fr(0), Fr(7571, 16695), Fr(393, 640), Fr(-92097, 339200), Fr(187, 2100), Fr(1, 40)]
_DP5_A = _lower(
    [
        [Fr(1, 5)],
        [Fr(3, 40), Fr(9, 40)],
        [Fr(44, 45), Fr(-56, 15), Fr(32, 9)],
        [Fr(19372, 6561), Fr(-25360, 2187), Fr(64448, 6561), Fr(-212, 729)],
        [Fr(9017, 3168), Fr(-355, 33), Fr(46732, 5247), Fr(49, 176), Fr(-5103, 18656)],
        _DP5_b[:6],
    ],
    7,
)


def _dp5_dense() -> np.ndarray:
    r"""Quartic continuous extension of DOPRI5 (Hairer, Norsett & Wanner, II.6).

    :math:`u(\theta) - u_n = h\sum_i b_i(\theta) k_i` with
    :math:`b_i(\theta) = \theta b_i + \theta(1-\theta)(\delta_{i1} - b_i)
    + \theta^2(1-\theta)(2 b_i - \delta_{i1} - \delta_{i7})
    + \theta^2(1-\theta)^2 d_i`.
    """
    d = [
        Fr(-12715105075, 11282082432),
        Fr(0),
        Fr(87487479700, 32700410799),
        Fr(-10690763975, 1880347072),
        Fr(701980252875, 199316789632),
        Fr(-1453857185, 822651844),
        Fr(69997945, 29380423),
    ]
    P = np.polynomial.Polynomial
    th = P([0, 1])
    polys = []
    for i in range(7):
        bi = float(_DP5_b[i])
        e1 = 1.0 if i == 0 else 0.0
        e7 = 1.0 if i == 6 else 0.0
        polys.append(th * bi + th * (1 - th) * (e1 - bi) + th**2 * (1 - th) * (2 * bi - e1 - e7) + th**2 * (1 - th) ** 2 * float(d[i]))
    return _poly_matrix(polys, 4)


_DP5 = ButcherTableau(
    "DP5",
    A=_DP5_A,
    b=[float(x) for x in _DP5_b],
    c=[0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1],
    order=5,
    b_hat=[float(x) for x in _DP5_bhat],
    embedded_order=4,
    fsal=True,
    dense=_dp5_dense(),
    dense_order=4,
    reference="dormand1980family",
)

# --------------------------------------------------------------------------- Tsitouras 5(4)
_TS_b = [
    0.09646076681806522951816731316512876333712,
    0.01,
    0.4798896504144995747752495322905965199130,
    1.379008574103741893192274821856872770756,
    -3.290069515436080679901047585711363850116,
    2.324710524099773982415355918398765796109,
    0.0,
]
_TS_bhat = [
    0.09468075576583945807478876255758922856118,
    0.009183565540343253096776363936645313759814,
    0.4877705284247615707855642599631228241517,
    1.234297566930478985655109673884237654036,
    -2.707712349983525454881109975059321670690,
    1.866628418170587035753719399566211498666,
    1 / 66,
]
_TS_A = _lower(
    [
        [0.161],
        [-0.008480655492356988544426874250230774675121, 0.3354806554923569885444268742502307746751],
        [2.897153057105493432130432594192938764925, -6.359448489975074843148159912383825625953, 4.362295432869581411017727318190886861028],
        [
            5.325864828439256604428877920840511317836,
            -11.74888356406282787774717033978577296189,
            7.495539342889836208304604784564358155659,
            -0.09249506636175524925650207933207191611350,
        ],
        [
            5.861455442946420028659251486982647890394,
            -12.92096931784710929170611868178335939542,
            8.159367898576158643180400794539253485182,
            -0.07158497328140099722453054252582973869127,
            -0.02826905039406838290900305721271224146718,
        ],
        _TS_b[:6],
    ],
    7,
)


def _tsit5_dense() -> np.ndarray:
    """Tsitouras' free quartic interpolant, from the factored polynomials of the paper."""
    P = np.polynomial.Polynomial
    t = P([0, 1])
    polys = [
        -1.0530884977290216 * t * (t - 1.3299890189751412) * (t**2 - 1.4364028541716351 * t + 0.7139816917074209),
        0.1017 * t**2 * (t**2 - 2.1966568338249754 * t + 1.2949852507374631),
        2.490627285651252793 * t**2 * (t**2 - 2.38535645472061657 * t + 1.57803468208092486),
        -16.54810288924490272 * (t - 1.21712927295533244) * (t - 0.61620406037800089) * t**2,
        47.37952196281928122 * (t - 1.203071208372362603) * (t - 0.658047292653547382) * t**2,
        -34.87065786149660974 * (t - 1.2) * (t - 0.666666666666666667) * t**2,
        2.5 * (t - 1) * (t - 0.6) * t**2,
    ]
    return _poly_matrix(polys, 4)


_TSIT5 = ButcherTableau(
    "Tsit5",
    A=_TS_A,
    b=_TS_b,
    c=[0, 0.161, 0.327, 0.9, 0.9800255409045096857298102862870245954942, 1, 1],
    order=5,
    b_hat=_TS_bhat,
    embedded_order=4,
    fsal=True,
    dense=_tsit5_dense(),
    dense_order=4,
    reference="tsitouras2011runge",
)

# --------------------------------------------------------------------------- Verner 7(6)
_V7_A = _lower(
    [
        [0.005],
        [-1.076790123456790123456790123456790123457, 1.185679012345679012345679012345679012346],
        [0.04083333333333333333333333333333333333333, 0.0, 0.1225],
        [0.6389139236255726780508121615993336109954, 0.0, -2.455672638223656809662640566430653894211, 2.272258714598084131611828404831320283215],
        [
            -2.661577375018757131119259297861818119279, 0.0, 10.80451388645613769565396655365532838482,
            -8.353914657396199411968048547819291691541, 0.8204875949566569791420417341743839209619,
        ],
        [
            6.067741434696770992718360183877276714679, 0.0, -24.71127363591108579734203485290746001803,
            20.42751793078889394045773111748346612697, -1.906157978816647150624096784352757010879,
            1.006172249242068014790040335899474187268,
        ],
        [
            12.05467007625320299509109452892778311648, 0.0, -49.75478495046898932807257615331444758322,
            41.14288863860467663259698416710157354209, -4.461760149974004185641911603484815375051,
            2.042334822239174959821717077708608543738, -0.09834843665406107379530801693870224403537,
        ],
        [
            10.13814652288180787641845141981689030769, 0.0, -42.64113603171750214622846006736635730625,
            35.76384003992257007135021178023160054034, -4.348022840392907653340370296908245943710,
            2.009862268377035895441943593011827554771, 0.3487490460338272405953822853053145879140,
            -0.2714390051048312842371587140910297407572,
        ],
        [
            -45.03007203429867712435322405073769635151, 0.0, 187.3272437654588840752418206154201997384,
            -154.0288236935018690596728621034510402582, 18.56465306347536233859492332958439136765,
            -7.141809679295078854925420496823551192821, 1.308808578161378625114762706007696696508,
            0.0, 0.0,
        ],
    ],
    10,
)

_VERN7 = ButcherTableau(
    "Vern7",
    A=_V7_A,
    b=[
        0.04715561848627222170431765108838175679569, 0.0, 0.0, 0.2575056429843415189596436101037687580986,
        0.2621665397741262047713863095764527711129, 0.1521609265673855740323133199165117535523,
        0.4939969170032484246907175893227876844296, -0.2943031171403250441557244744092703429139,
        0.08131747232495109999734599440136761892478, 0.0,
    ],
    c=[
        0.0, 0.005, 0.1088888888888888888888888888888888888889, 0.1633333333333333333333333333333333333333,
        0.4555, 0.6095094489978381317087004421486024949638, 0.884, 0.925, 1.0, 1.0,
    ],
    order=7,
    b_hat=[
        0.04460860660634117628731817597479197781432, 0.0, 0.0, 0.2671640378571372680509102260943837899738,
        0.2201018300177293019979715776650753096323, 0.2188431703143156830983120833512893824578,
        0.2289871705411202883378173889763552365362, 0.0, 0.0, 0.02029518466335628222767054793810430358554,
    ],
    embedded_order=6,
    reference="verner2010numerically",
)

TABLEAUS: dict[str, ButcherTableau] = {
    tab.name: tab for tab in (_EULER, _MIDPOINT, _HEUN, _RK4, _BS3, _DP5, _TSIT5, _VERN7)
}
"""All explicit tableaus by name (Euler, Midpoint, Heun, RK4, BS3, DP5, Tsit5, Vern7)."""

EXPLICIT_METHODS: tuple[str, ...] = tuple(TABLEAUS)
"""Names accepted by :func:`~sciml_lib.ode.tableaus.get_tableau` (and as explicit methods by ``solve``)."""


def get_tableau(name: str) -> ButcherTableau:
    """Look up a tableau by name (case-insensitive).

    Parameters
    ----------
    name : str
        One of :data:`~sciml_lib.ode.tableaus.EXPLICIT_METHODS`.

    Returns
    -------
    sciml_lib.ode.tableaus.ButcherTableau

    Raises
    ------
    ValueError
        If ``name`` is not a known method.
    """
    if isinstance(name, ButcherTableau):
        return name
    if not isinstance(name, str):
        raise TypeError(f"name: expected a method name (str), got {type(name).__name__}")
    for key, tab in TABLEAUS.items():
        if key.lower() == name.lower():
            return tab
    raise ValueError(f"name: unknown explicit method {name!r}; valid: {', '.join(TABLEAUS)}")
