# Hostile: infinite loops, one of which swallows the interrupt.
# base: reference
# expect: q1e=0 q1f=0 q3d=0
#
# q1e-answer loops forever before defining anything: the grader interrupts it at
# the cell time limit (KeyboardInterrupt), so q1e and q1f fail.
# q3d-answer catches KeyboardInterrupt and keeps looping: the interrupt does not
# stop it, so the grader kills the kernel, replays without that cell, and q3d fails.
# Everything else keeps its points.

# %% q1e-answer
while True:
    pass

# %% q3d-answer
import time

while True:
    try:
        time.sleep(0.05)
    except KeyboardInterrupt:
        pass
