"""The normalized word count: ``mpiexec -n 2 python -m sciml_lib.distributed.programs.word_count``.

Options: ``--docs D`` (default 13) and ``--words W`` (words per document,
default 20000) of the generated corpus
(:func:`sciml_lib.distributed.wordcount.generate_document`), ``--repeat R``
(timed repetitions, default 3; the minimum is reported). Each rank generates
only its own documents (round-robin). Rank 0 runs the serial version on all
documents too (as the reference, timed on one rank while the others wait), then
all ranks run the point-to-point and the collective versions. Rank 0 prints
one JSON line::

    {"size": n, "docs": D, "words": W, "corpus_bytes": B, "identical": true,
     "serial": {"seconds": ..., "bytes_sent": 0, "top": {...}},
     "p2p": {...}, "collective": {...}, "n_words_overall": ...}

``identical`` says whether the three versions produced the same overall counts
and the same top-5 words and scores for every document.
"""

from __future__ import annotations

import argparse
import json
import sys


class _Docs:
    """Lazily generated documents, each made at most once, by the rank that needs it."""

    def __init__(self, n_docs: int, n_words: int) -> None:
        self.n_docs, self.n_words, self._cache = n_docs, n_words, {}

    def __call__(self, i: int) -> str:
        from sciml_lib.distributed.wordcount import generate_document

        if i not in self._cache:
            self._cache[i] = generate_document(i, self.n_words)
        return self._cache[i]


def main(argv: list[str] | None = None) -> None:
    """Run the three versions and print rank 0's comparison."""
    from mpi4py import MPI

    from sciml_lib.distributed.wordcount import (
        compare_results,
        word_count_collective,
        word_count_p2p,
        word_count_serial,
    )

    ap = argparse.ArgumentParser(prog="word_count")
    ap.add_argument("--docs", type=int, default=13)
    ap.add_argument("--words", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(sys.argv[1:] if argv is None else argv)
    if a.docs < 1 or a.words < 1 or a.repeat < 1:
        raise SystemExit("--docs, --words and --repeat must be >= 1")
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    docs = _Docs(a.docs, a.words)
    mine = sum(len(docs(i).encode()) for i in range(rank, a.docs, size))  # untimed
    report: dict = {"size": size, "docs": a.docs, "words": a.words,
                    "corpus_bytes": comm.allreduce(mine)}
    results = {}
    if rank == 0:
        alldocs = [docs(i) for i in range(a.docs)]
        best = float("inf")
        for _ in range(a.repeat):
            t0 = MPI.Wtime()
            results["serial"] = word_count_serial(alldocs)
            best = min(best, MPI.Wtime() - t0)
        report["serial"] = {"seconds": best}
    for name, fn in (("p2p", word_count_p2p), ("collective", word_count_collective)):
        best = float("inf")
        for _ in range(a.repeat):
            comm.Barrier()
            t0 = MPI.Wtime()
            res = fn(comm, docs)
            best = min(best, comm.allreduce(MPI.Wtime() - t0, op=MPI.MAX))
        if rank == 0:
            results[name] = res
            report[name] = {"seconds": best}
    if rank == 0:
        ref = results["serial"]
        for name, res in results.items():
            report[name]["bytes_sent"] = res["bytes_sent"]
            report[name]["top"] = {str(i): t for i, t in res["top"].items()}
        report["identical"] = all(compare_results(ref, results[k], rtol=0.0)
                                  for k in ("p2p", "collective"))
        report["n_words_overall"] = len(ref["overall"])
        print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
