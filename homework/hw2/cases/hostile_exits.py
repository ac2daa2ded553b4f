# Hostile: the submission exits the kernel twice.
# base: reference
# expect: q1c=0 q1d=0 q2a=0 q2b=0
#
# q1c-answer raises SystemExit before defining anything: IPython turns it into an
# error, lv_sensitivities stays undefined, q1c fails and so does the fit built on
# it (q1d). q2a-answer measures correctly, then os._exit(0) kills the kernel: the
# grader starts a fresh kernel and replays the notebook without that cell, so
# nbytes, T and B do not exist and Problem 2 fails. q1a and q1b keep their points.

# %% q1c-answer
import sys
sys.exit(0)

# %% q2a-answer
import os

nbytes = 2 ** np.arange(1, 26)
T = 1e-6 + nbytes / 5e9
B = nbytes / T
os._exit(0)
