# A known-wrong submission: the adjoint adds the data jump only at the final time.
# base: reference
# expect: q1d=0
#
# With one datum at T (q1c) this is right; with many data (q1d) the jumps
# 2 (u(t_i) - d_i) at the earlier data times are missing, so the gradient is that of
# the last datum only. The loss value itself is right.

# %% q1c-answer
def node_loss_grad(theta, u0, t_data, data):
    params = unflatten(theta)
    t_data = np.asarray(t_data, dtype=float)
    fwd = solve_ivp(lambda t, u: nn(u, params), (0.0, t_data[-1]), u0, method="DOP853",
                    dense_output=True, rtol=1e-10, atol=1e-12)
    resid = fwd.sol(t_data).T - data

    def backward(t, z):
        pb = nn_pullback(fwd.sol(t), params, z[:2])
        return -np.concatenate([pb[0], np.concatenate([np.ravel(x) for x in pb[1:]])])

    z = np.zeros(254)
    z[:2] = 2 * resid[-1]
    z = solve_ivp(backward, (t_data[-1], 0.0), z, method="DOP853", rtol=1e-8, atol=1e-10).y[:, -1]
    return float(np.sum(resid**2)), z[2:]
