# Hostile: the pullback taken from the library, reached by routes a name check misses.
# base: reference
# expect: q1b=0 q1c=0 q1d=0 q1e=0
#
# nn_pullback calls sciml_lib.nn.two_layer_pullback (Lecture 10), found through
# __import__ and getattr on an assembled string. The grader's kernel has replaced it
# by a stub before the submission runs: the call is blocked and recorded, and all of
# Problem 1 scores 0, with the reason in the report.

# %% q1b-answer
_pullback = getattr(__import__("sciml_lib.nn", fromlist=["x"]), "two_layer_" + "pullback")


def nn_pullback(u, params, ybar):
    return _pullback(u, params, ybar)
