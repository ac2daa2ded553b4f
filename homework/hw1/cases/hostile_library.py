# Hostile: Problem 3 answered with the course library, reached by routes a name check misses.
# base: reference
# expect: q3a=0 q3b=0 q3d=0 q3e=0
#
# The answers keep the words `prange` and `Pool` (the REQUIRE rules pass) but call
# sciml_lib.dynamics.attractor through importlib, getattr and an alias built from
# strings, and bifurcation_diagram through __import__. The grader's kernel has
# replaced those functions by stubs before the submission runs: every call is
# blocked and recorded, and all of Problem 3 scores 0. Problems 1 and 2 keep their points.

# %% q3a-answer
import importlib

_lib = importlib.import_module("sciml_lib." + "dyn" + "amics")
_att = getattr(_lib, "attr" + "actor")


def calc_attractor(out, r, x0=0.25, warmup=400):
    _att(r, x0=x0, warmup=warmup, n=out.shape[0], out=out)

# %% q3b-answer
def bifurcation_serial(rs):
    bd = getattr(__import__("sciml_lib.dynamics", fromlist=["x"]), "bifurcation_" + "diagram")
    return bd(rs)

# %% q3d-answer
def bifurcation_threads(rs):  # prange
    return bifurcation_serial(rs)

# %% q3e-answer
def bifurcation_pool(rs, nworkers):  # Pool
    return bifurcation_serial(rs)


def bifurcation_chunked(rs, nworkers):  # ProcessPoolExecutor
    return bifurcation_serial(rs)
