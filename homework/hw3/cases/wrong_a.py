# A known-wrong submission: the pullback forgets the derivative of tanh for W1.
# base: reference
# expect: q1b=0 q1c=0 q1d=0
#
# W1bar = hbar u^T instead of (hbar * (1 - h^2)) u^T: the pullback disagrees with
# forward-mode AD (q1b), and the adjoint gradient built on it is wrong in its first
# 100 components, for one datum (q1c) and for many (q1d).

# %% q1b-answer
def nn_pullback(u, params, ybar):
    W1, b1, W2, b2 = params
    h = np.tanh(W1 @ u + b1)
    hbar = W2.T @ ybar
    zbar = hbar * (1.0 - h * h)
    return W1.T @ zbar, np.outer(hbar, u), zbar, np.outer(ybar, h), ybar
