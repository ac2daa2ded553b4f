r"""Coefficients of the stiff methods, as data.

Rosenbrock methods are written in the form of :cite:t:`hairer1996solving`
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

from dataclasses import dataclass

import numpy as np

__all__ = ["RosenbrockTableau", "RODAS4", "RODAS5", "RODAS5P", "TRBDF2_COEFFS"]


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
