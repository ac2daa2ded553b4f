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

**Stiff methods.** Rosenbrock methods are written in the form of :cite:t:`hairer1996solving`
(Section IV.7, the form used by their code RODAS): with
:math:`W = I/(\gamma h) - J`,

.. math::

    u_i = u_n + \sum_{j<i} a_{ij} k_j, \qquad
    W k_i = f(t_n + c_i h, u_i) + d_i h\, \partial_t f + \sum_{j<i} \frac{c_{ij}}{h} k_j,

    u_{n+1} = u_n + \sum_i m_i k_i, \qquad \text{error} = \sum_i e_i k_i .

``Rodas4`` is the 6-stage, order-4, stiffly accurate and L-stable method of
:cite:t:`hairer1996solving` with an embedded order-3 solution.
``Rodas5`` is the 8-stage, order-5(4) stiffly accurate method of
:cite:t:`dimarzo1993rodas54` in the same form (:math:`\gamma = 0.19`).
``Rodas5P`` :cite:p:`steinebach2023rodas5p` has the same structure (the last
three stages are those of a stiffly accurate method with the embedded
solution at stage 7) with new coefficients (:math:`\gamma \approx 0.2119`),
chosen for a more reliable error estimate and better order for the
Prothero-Robinson test equation.
``Rosenbrock23`` (Shampine and Reichelt's ``ode23s`` pair
:cite:p:`shampine1997matlab`) and ``TRBDF2`` :cite:p:`hosea1996analysis`
have their own small formulas in the steppers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction as Fr

import numpy as np

__all__ = [
    "ButcherTableau", "TABLEAUS", "get_tableau", "EXPLICIT_METHODS",
    "RosenbrockTableau", "RODAS4", "RODAS5", "RODAS5P", "TRBDF2_COEFFS",
]


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


# ------------------------------------------------------------------ stiff methods
@dataclass(frozen=True)
class RosenbrockTableau:
    """A Rosenbrock method in Hairer-Wanner form (see the module docstring).

    Attributes
    ----------
    name : str
    A, C : ndarray (s, s)
        Strictly lower-triangular stage coefficients :math:`a_{ij}`, :math:`c_{ij}`.
    gamma : float
        Diagonal :math:`\\gamma`.
    c, d : ndarray (s,)
        Stage times and :math:`\\partial_t f` weights.
    m, e : ndarray (s,)
        Solution and error weights.
    order : int
        Order of the propagated solution.
    error_order : int
        :math:`k` such that the error estimate is :math:`O(h^k)` (the exponent of the step-size controller).
    """

    name: str
    A: np.ndarray
    C: np.ndarray
    gamma: float
    c: np.ndarray
    d: np.ndarray
    m: np.ndarray
    e: np.ndarray
    order: int
    error_order: int

    @property
    def stages(self) -> int:
        return self.c.size


def _rodas4() -> RosenbrockTableau:
    a21 = 1.544
    a31, a32 = 0.9466785280815826, 0.2557011698983284
    a41, a42, a43 = 3.314825187068521, 2.896124015972201, 0.9986419139977817
    a51, a52, a53, a54 = 1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950
    c21 = -5.6688
    c31, c32 = -2.430093356833875, -0.2063599157091915
    c41, c42, c43 = -0.1073529058151375, -9.594562251023355, -20.47028614809616
    c51, c52, c53, c54 = 7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160
    c61, c62, c63, c64, c65 = 8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136, -6.058818238834054
    A = np.zeros((6, 6))
    A[1, 0] = a21
    A[2, :2] = a31, a32
    A[3, :3] = a41, a42, a43
    A[4, :4] = a51, a52, a53, a54
    A[5, :5] = a51, a52, a53, a54, 1.0
    C = np.zeros((6, 6))
    C[1, 0] = c21
    C[2, :2] = c31, c32
    C[3, :3] = c41, c42, c43
    C[4, :4] = c51, c52, c53, c54
    C[5, :5] = c61, c62, c63, c64, c65
    c = np.array([0.0, 0.386, 0.21, 0.63, 1.0, 1.0])
    d = np.array([0.25, -0.1043, 0.1035, -0.3620000000000023e-01, 0.0, 0.0])
    m = np.array([a51, a52, a53, a54, 1.0, 1.0])
    e = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0])
    return RosenbrockTableau("Rodas4", A, C, 0.25, c, d, m, e, order=4, error_order=4)


RODAS4 = _rodas4()


def _rodas8(name: str, a: list, C: np.ndarray, gamma: float, c5: list, d5: list) -> RosenbrockTableau:
    """An 8-stage Rodas5-type method from its first five stage rows ``a`` (row i holds a_{i+1, 1..i}),
    the full ``C``, and the first five ``c``, ``d``. Stages 6-8 repeat stage 5 plus one more ``k``
    (stiff accuracy): the solution is stage 8's, and the error estimate is :math:`k_8`."""
    A = np.zeros((8, 8))
    for i, row in enumerate(a, start=1):
        A[i, :i] = row
    A[6, :5] = A[5, :5]
    A[6, 5] = 1.0
    A[7, :6] = A[6, :6]
    A[7, 6] = 1.0
    c = np.array([*c5, 1.0, 1.0, 1.0])
    d = np.array([*d5, 0.0, 0.0, 0.0])
    m = np.concatenate([A[5, :5], [1.0, 1.0, 1.0]])
    e = np.zeros(8)
    e[7] = 1.0
    return RosenbrockTableau(name, A, C, gamma, c, d, m, e, order=5, error_order=5)


def _rodas5() -> RosenbrockTableau:
    a = [
        [2.0],
        [3.040894194418781, 1.041747909077569],
        [2.576417536461461, 1.622083060776640, -0.9089668560264532],
        [2.760842080225597, 1.446624659844071, -0.3036980084553738, 0.2877498600325443],
        [-14.09640773051259, 6.925207756232704, -41.47510893210728, 2.343771018586405, 24.13215229196062],
    ]
    C = np.zeros((8, 8))
    C[1, 0] = -10.31323885133993
    C[2, :2] = -21.04823117650003, -7.234992135176716
    C[3, :3] = 32.22751541853323, -4.943732386540191, 19.44922031041879
    C[4, :4] = -20.69865579590063, -8.816374604402768, 1.260436877740897, -0.7495647613787146
    C[5, :5] = -46.22004352711257, -17.49534862857472, -289.6389582892057, 93.60855400400906, 318.3822534212147
    C[6, :6] = 34.20013733472935, -14.15535402717690, 57.82335640988400, 25.83362985412365, 1.408950972071624, -6.551835421242162
    C[7, :7] = (42.57076742291101, -13.80770672017997, 93.98938432427124, 18.77919633714503, -31.58359187223370,
                -6.685968952921985, -5.810979938412932)
    c5 = [0.0, 0.38, 0.3878509998321533, 0.4839718937873840, 0.4570477008819580]
    d5 = [0.19, -0.1823079225333714636, -0.319231832186874912, 0.3449828624725343, -0.377417564392089818]
    return _rodas8("Rodas5", a, C, 0.19, c5, d5)


RODAS5 = _rodas5()


def _rodas5p() -> RosenbrockTableau:
    a = [
        [3.0],
        [2.849394379747939, 0.45842242204463923],
        [-6.954028509809101, 2.489845061869568, -10.358996098473584],
        [2.8029986275628964, 0.5072464736228206, -0.3988312541770524, -0.04721187230404641],
        [-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256, 0.030198172008377946],
    ]
    C = np.zeros((8, 8))
    C[1, 0] = -14.155112264123755
    C[2, :2] = -17.97296035885952, -2.859693295451294
    C[3, :3] = 147.12150275711716, -1.41221402718213, 71.68940251302358
    C[4, :4] = 165.43517024871676, -0.4592823456491126, 42.90938336958603, -5.961986721573306
    C[5, :5] = 24.854864614690072, -3.0009227002832186, 47.4931110020768, 5.5814197821558125, -0.6610691825249471
    C[6, :6] = 30.91273214028599, -3.1208243349937974, 77.79954646070892, 34.28646028294783, -19.097331116725623, -28.087943162872662
    C[7, :7] = (37.80277123390563, -3.2571969029072276, 112.26918849496327, 66.9347231244047, -40.06618937091002,
                -54.66780262877968, -9.48861652309627)
    gamma = 0.21193756319429014
    c5 = [0.0, 0.6358126895828704, 0.4095798393397535, 0.9769306725060716, 0.4288403609558664]
    d5 = [gamma, -0.42387512638858027, -0.3384627126235924, 1.8046452872882734, 2.325825639765069]
    return _rodas8("Rodas5P", a, C, gamma, c5, d5)


RODAS5P = _rodas5p()

_G = 2.0 - np.sqrt(2.0)
#: TR-BDF2 as an ESDIRK: ``gamma``, diagonal ``d``, ``w``, weights ``b`` and embedded ``bhat`` (order 3).
TRBDF2_COEFFS = {
    "gamma": _G,
    "d": _G / 2.0,
    "w": np.sqrt(2.0) / 4.0,
    "b": np.array([np.sqrt(2.0) / 4.0, np.sqrt(2.0) / 4.0, _G / 2.0]),
    "bhat": np.array([(1 - np.sqrt(2.0) / 4.0) / 3.0, (3 * np.sqrt(2.0) / 4.0 + 1) / 3.0, _G / 6.0]),
}
