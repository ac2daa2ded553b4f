# A known-wrong submission: the forward solve saves only the data times (saveat) and
# the backward pass interpolates linearly between them.
# base: reference
# expect: q1c=0 q1d=0
#
# The loss is right (the data times are solved exactly), but u(t) in the adjoint
# equations comes from straight lines between the saved points, not from the
# solver's dense interpolant: with one datum (two saved points) the gradient is far
# off, with eleven it is still off by more than the tolerance.

# %% q1c-answer
def node_loss_grad(theta, u0, t_data, data):
    params = unflatten(theta)
    t_data = np.asarray(t_data, dtype=float)
    ts = np.unique(np.concatenate([[0.0], t_data]))
    fwd = solve_ivp(lambda t, u: nn(u, params), (0.0, t_data[-1]), u0, method="DOP853",
                    t_eval=ts, rtol=1e-10, atol=1e-12)
    U = np.array([np.interp(t_data, fwd.t, fwd.y[i]) for i in range(2)]).T
    resid = U - data

    def u_lin(t):
        return np.array([np.interp(t, fwd.t, fwd.y[i]) for i in range(2)])

    def backward(t, z):
        pb = nn_pullback(u_lin(t), params, z[:2])
        return -np.concatenate([pb[0], np.concatenate([np.ravel(x) for x in pb[1:]])])

    z = np.zeros(254)
    z[:2] = 2 * resid[-1]
    for i in range(len(t_data) - 1, 0, -1):
        if t_data[i] > t_data[i - 1]:
            z = solve_ivp(backward, (t_data[i], t_data[i - 1]), z, method="DOP853",
                          rtol=1e-8, atol=1e-10).y[:, -1].copy()
        z[:2] += 2 * resid[i - 1]
    if t_data[0] > 0:
        z = solve_ivp(backward, (t_data[0], 0.0), z, method="DOP853", rtol=1e-8, atol=1e-10).y[:, -1]
    return float(np.sum(resid**2)), z[2:]
