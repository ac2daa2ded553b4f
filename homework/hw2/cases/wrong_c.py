# A known-wrong submission: gradient descent with a constant step.
# base: reference
# expect: q1d=0
#
# With a step of 1e-4 the descent is stable, so the loss decreases, but it crawls
# along the flat directions of the badly conditioned loss: after 300 steps the
# parameters are still far from (1.5, 1, 3, 1) (the explanation the reference gives
# in q1f). Everything else is correct.

# %% q1d-answer
def lv_loss_grad(p, data):
    U, S = lv_sensitivities(p, dt, nsteps)
    r = U - data
    return float(np.sum(r * r)), 2.0 * np.einsum("tik,ti->k", S, r)


def fit_lv(data, p0, iters=300):
    p = np.array(p0, dtype=float)
    losses = []
    for _ in range(iters):
        loss, g = lv_loss_grad(p, data)
        losses.append(loss)
        p = p - 1e-4 * g
    return p, np.array(losses)
