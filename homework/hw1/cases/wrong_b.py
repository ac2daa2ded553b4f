# A known-wrong submission: forbidden library call and fake parallelism.
# base: reference
# expect: q2a=0 q2b=0 q2c=0 q2d=0 q2e=0 q3d=0 q3e=0
#
# q2:  my_quantile returns dist.ppf(y): the values are right, but the static rule
#      "no library quantile" (FORBID ppf) fails every Problem 2 test.
# q3d: parallel=True with range instead of prange: bitwise equal, but the required
#      prange is not used (REQUIRE prange).
# q3e: the chunked version drops the last chunk (shape 150 x 550 instead of 1101).

# %% q2-answer
def my_quantile(y, dist, x0=None):
    return float(dist.ppf(y))

# %% q3d-answer
@njit(parallel=True)
def _fill_threads(M, rs):
    for j in range(rs.size):
        col = np.empty(M.shape[0])
        calc_attractor(col, rs[j])
        M[:, j] = col


def bifurcation_threads(rs):
    M = np.empty((150, rs.size))
    _fill_threads(M, rs)
    return M

# %% q3e-answer
def _column(r):
    col = np.empty(150)
    calc_attractor(col, r)
    return col


def bifurcation_pool(rs, nworkers):
    with multiprocessing.get_context("fork").Pool(nworkers) as pool:
        return np.column_stack(pool.map(_column, rs, chunksize=16))


def bifurcation_chunked(rs, nworkers):
    chunks = np.array_split(rs, nworkers)
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(nworkers, mp_context=ctx) as ex:
        blocks = list(ex.map(bifurcation_serial, chunks))
    return np.hstack(blocks[:-1])
