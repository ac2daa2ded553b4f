# A correct submission whose cells lost their ids (e.g. pasted into a new notebook
# in an old editor): the grader matches the answer cells by order, warns, and gives
# full marks.
# base: reference
# expect:

# %% strip-ids
