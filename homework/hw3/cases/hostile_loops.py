# Hostile: infinite loops, one of which swallows the interrupt.
# base: reference
# expect: q1e=0
#
# q1b-answer defines a correct pullback, then loops forever: the grader interrupts
# it at the cell time limit and the pullback (defined before the loop) still counts.
# q1e-answer catches KeyboardInterrupt and keeps looping: the grader kills the
# kernel, replays without that cell, and q1e fails.

# %% q1b-answer
def nn_pullback(u, params, ybar):
    W1, b1, W2, b2 = params
    h = np.tanh(W1 @ u + b1)
    zbar = (W2.T @ ybar) * (1.0 - h * h)
    return W1.T @ zbar, np.outer(zbar, u), zbar, np.outer(ybar, h), ybar


while True:
    pass

# %% q1e-answer
import time

while True:
    try:
        time.sleep(0.05)
    except KeyboardInterrupt:
        pass
