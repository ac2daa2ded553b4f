# Hostile: infinite loops, one of which swallows the interrupt.
# base: reference
# expect: q1a=0 q1b=0 q1c=0 q1d=0 q2b=0
#
# q1a-answer loops forever before defining dp5_solve: the grader interrupts it at the
# cell time limit, and every Problem 1 test fails (they all need the solver).
# q2b-answer catches KeyboardInterrupt and keeps looping: the grader kills the
# kernel, replays without that cell, and q2b fails; q2a keeps its points.

# %% q1a-answer
while True:
    pass

# %% q2b-answer
import time

while True:
    try:
        time.sleep(0.05)
    except KeyboardInterrupt:
        pass
