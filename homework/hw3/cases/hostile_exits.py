# Hostile: the submission exits the kernel twice.
# base: reference
# expect: q1c=0 q1d=0 q1e=0
#
# q1c-answer raises SystemExit before defining the adjoint: IPython turns it into an
# error, node_loss_grad stays undefined, and both adjoint tests fail, as does the
# training built on it. q1e-answer calls os._exit(0), which kills the kernel: the
# grader replays the notebook in a fresh kernel without that cell and q1e fails.
# The pullback (q1b) keeps its points.

# %% q1c-answer
import sys
sys.exit(0)

# %% q1e-answer
import os

os._exit(0)
