# Hostile: a memory bomb before the training loop is defined.
# base: reference
# expect: q1e=0
#
# q1e-answer grows a list of 128 MB blocks before defining train_node; under the
# kernel's memory cap it ends in MemoryError (or the kernel dies and the cell is
# skipped), so train_node does not exist and q1e fails. The grader and the machine
# are unaffected, and the earlier problems keep their points.

# %% q1e-answer
def _bomb():
    blocks = []
    while True:
        blocks.append(np.ones(2**24))


_bomb()
