
import json
import numpy as np
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
other = 1 - rank
nbytes, times = [], []
for n in range(1, 26):
    buf = np.zeros(2 ** n, dtype=np.int8)
    reps = max(3, min(200, 2 ** 24 // 2 ** n))

    def bounce(k):
        for _ in range(k):
            if rank == 0:
                comm.Send(buf, dest=other)
                comm.Recv(buf, source=other)
            else:
                comm.Recv(buf, source=other)
                comm.Send(buf, dest=other)

    bounce(2)  # warm-up
    comm.Barrier()
    t0 = MPI.Wtime()
    bounce(reps)
    times.append((MPI.Wtime() - t0) / (2 * reps))
    nbytes.append(2 ** n)
if rank == 0:
    print(json.dumps({"nbytes": nbytes, "seconds": times}))
