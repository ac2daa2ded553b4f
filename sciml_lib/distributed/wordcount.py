r"""The normalized word count of Lecture 12: serial, point-to-point and collective.

Per document: keep the text between the ``*** START`` and ``*** END`` lines (the
Project Gutenberg markers), drop punctuation and digits, lower-case, drop
stop words and count the words. The overall counts :math:`C(w)` are the sum of
the document counts :math:`c_d(w)`. The *frequent* words are those whose overall
count exceeds the 98th percentile of all overall counts; for each of them a
document's normalized score is :math:`c_d(w)/C(w)`, the share of the word's
uses that falls in document :math:`d`, and each document reports its top five.

The distributed versions split the documents round-robin (rank :math:`r` takes
documents :math:`r, r+n, r+2n, \dots`) and differ in how the overall counts are
formed :cite:p:`dalcin2021mpi4py`:

* point-to-point: every rank :math:`>0` sends each of its document counts to
  rank 0 (tag ``rank + size``); rank 0 merges and sends the overall counts back
  to each rank (tag ``rank + 2 size``);
* collective: every rank merges its own documents first, serializes the merged
  dictionary, the byte lengths are ``Allgather``-ed, the bytes ``Gatherv``-ed to
  rank 0, which merges and ``bcast``-s the overall counts.

Both count the bytes they send; local merging is why the collective version
moves less. The corpus is generated deterministically (:func:`generate_document`):
the machine running the book may be offline, and a generated corpus has no
licence or provenance questions.
"""

from __future__ import annotations

import pickle
import re
from collections import Counter
from typing import Any

import numpy as np

__all__ = [
    "STOPWORDS",
    "generate_document",
    "generate_corpus",
    "strip_gutenberg",
    "clean_words",
    "count_words",
    "merge_counts",
    "frequent_words",
    "normalized_scores",
    "top_words",
    "word_count_serial",
    "word_count_p2p",
    "word_count_collective",
    "compare_results",
]

STOPWORDS = frozenset(
    "a an and are as at be but by for from had has have he her his i in is it its not of on or "
    "she that the their there they this to was were which with you".split()
)

_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "qua", "bri", "dor", "fen",
              "gal", "hus", "jor", "mel", "nix", "pra", "tor")
_PUNCT = np.array([" ", " ", " ", " ", " ", " ", ", ", ". ", "; ", "! ", "? ", " -- "])
_START = "*** START OF THE PROJECT GUTENBERG EBOOK {} ***"
_END = "*** END OF THE PROJECT GUTENBERG EBOOK {} ***"
_WORD_RE = re.compile(r"[a-z]+")


def _vocabulary(n_vocab: int) -> list[str]:
    """``n_vocab`` distinct pseudo-words (2 to 4 syllables), the same on every call."""
    rng = np.random.default_rng(12)
    words: list[str] = []
    seen: set[str] = set(STOPWORDS)
    while len(words) < n_vocab:
        k = int(rng.integers(2, 5))
        w = "".join(_SYLLABLES[i] for i in rng.integers(0, len(_SYLLABLES), k))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def generate_document(index: int, n_words: int = 20000, *, n_vocab: int = 4000,
                      seed: int = 0) -> str:
    """A deterministic Gutenberg-like document (header, marked body, footer).

    Word ranks follow Zipf's law :math:`p(k) \\propto 1/k` over a shared
    vocabulary, with the document's own permutation of the first 200 ranks (so
    each document has its characteristic frequent words); a quarter of the
    words are stop words; some are capitalised or followed by punctuation, and
    numbers are sprinkled in. The header and footer, outside the ``***``
    markers, contain the word ``boilerplate`` which a correct strip removes.

    Parameters
    ----------
    index : int
        Document number (>= 0); the text depends only on ``index``, ``n_words``,
        ``n_vocab`` and ``seed``.
    n_words : int
        Number of words in the body (>= 1).
    n_vocab : int
        Vocabulary size (>= 200).
    seed : int
        Seed of the corpus.
    """
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
        raise ValueError(f"index: must be an int >= 0, got {index!r}")
    if not isinstance(n_words, (int, np.integer)) or n_words < 1:
        raise ValueError(f"n_words: must be an int >= 1, got {n_words!r}")
    if not isinstance(n_vocab, (int, np.integer)) or n_vocab < 200:
        raise ValueError(f"n_vocab: must be an int >= 200, got {n_vocab!r}")
    vocab = np.array(_vocabulary(int(n_vocab)))
    rng = np.random.default_rng([int(seed), int(index)])
    order = np.arange(n_vocab)
    order[:200] = rng.permutation(200)
    pk = 1.0 / np.arange(1, n_vocab + 1)
    words = vocab[order[rng.choice(n_vocab, size=n_words, p=pk / pk.sum())]].astype(object)
    stop = rng.random(n_words) < 0.25
    words[stop] = np.array(sorted(STOPWORDS))[rng.integers(0, len(STOPWORDS), int(stop.sum()))]
    cap = rng.random(n_words) < 0.1
    words[cap] = [w.capitalize() for w in words[cap]]
    num = rng.random(n_words) < 0.02
    words[num] = [f"{w}{k}" for w, k in zip(words[num], rng.integers(0, 2000, int(num.sum())))]
    seps = _PUNCT[rng.integers(0, len(_PUNCT), n_words)]
    body = "".join(np.char.add(words.astype(str), seps))
    title = f"document {index}"
    header = f"The Project Gutenberg eBook of {title}. Boilerplate licence text, 1 2 3.\n"
    footer = "\nEnd of the boilerplate. Boilerplate again.\n"
    return f"{header}{_START.format(title)}\n{body}\n{_END.format(title)}{footer}"


def generate_corpus(n_docs: int = 13, n_words: int = 20000, *, seed: int = 0) -> list[str]:
    """``n_docs`` documents from :func:`generate_document` (13, like the lecture's texts)."""
    if isinstance(n_docs, bool) or not isinstance(n_docs, (int, np.integer)) or n_docs < 1:
        raise ValueError(f"n_docs: must be an int >= 1, got {n_docs!r}")
    return [generate_document(i, n_words, seed=seed) for i in range(n_docs)]


def strip_gutenberg(text: str) -> str:
    """The text between the ``*** START`` and ``*** END`` marker lines (all of it if absent)."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected str, got {type(text).__name__}")
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("*** START")), -1)
    end = next((i for i, ln in enumerate(lines) if ln.startswith("*** END")), len(lines))
    return "\n".join(lines[start + 1:end])


def clean_words(text: str) -> list[str]:
    """Lower-cased words of the stripped text without punctuation, digits and stop words."""
    body = strip_gutenberg(text).lower()
    body = re.sub(r"[0-9]", "", body)  # 'word12' becomes 'word'
    return [w for w in _WORD_RE.findall(body) if w not in STOPWORDS]


def count_words(text: str) -> dict[str, int]:
    """Word counts of one document (after :func:`clean_words`)."""
    return dict(Counter(clean_words(text)))


def merge_counts(counts: Any) -> dict[str, int]:
    """Sum of several count dictionaries (the merge of the map-reduce)."""
    total: Counter[str] = Counter()
    for c in counts:
        if not isinstance(c, dict):
            raise TypeError(f"counts: expected dictionaries, got {type(c).__name__}")
        total.update(c)
    return dict(total)


def frequent_words(overall: dict[str, int], q: float = 98.0) -> set[str]:
    """Words whose overall count is above the ``q``-th percentile of all counts."""
    if not 0 <= q <= 100:
        raise ValueError(f"q: percentile must lie in [0, 100], got {q!r}")
    if not overall:
        return set()
    cut = float(np.percentile(np.fromiter(overall.values(), float), q))
    return {w for w, c in overall.items() if c > cut}


def normalized_scores(doc: dict[str, int], overall: dict[str, int],
                      words: set[str]) -> dict[str, float]:
    """:math:`c_d(w)/C(w)` for the ``words`` that occur in the document."""
    return {w: doc[w] / overall[w] for w in words if w in doc}


def top_words(scores: dict[str, float], k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` highest scores (ties broken alphabetically)."""
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k: must be a positive int, got {k!r}")
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


def _finish(doc_counts: dict[int, dict[str, int]], overall: dict[str, int],
            q: float, k: int) -> dict[int, list[tuple[str, float]]]:
    words = frequent_words(overall, q)
    return {i: top_words(normalized_scores(c, overall, words), k) for i, c in doc_counts.items()}


def word_count_serial(docs: list[str], q: float = 98.0, k: int = 5) -> dict[str, Any]:
    """The whole word count on one process.

    Returns
    -------
    dict
        ``overall`` (the merged counts), ``top`` (document index -> top ``k``
        ``(word, score)`` pairs) and ``bytes_sent`` (0).
    """
    counts = {i: count_words(d) for i, d in enumerate(docs)}
    overall = merge_counts(counts.values())
    return {"overall": overall, "top": _finish(counts, overall, q, k), "bytes_sent": 0}


def _gather_top(comm: Any, top: dict[int, Any]) -> tuple[dict[int, Any], int]:
    parts = comm.gather(top, root=0)
    sent = 0 if comm.Get_rank() == 0 else len(pickle.dumps(top, pickle.HIGHEST_PROTOCOL))
    merged: dict[int, Any] = {}
    if parts is not None:
        for p in parts:
            merged.update(p)
    return dict(sorted(merged.items())), sent


def word_count_p2p(comm: Any, docs: Any, q: float = 98.0, k: int = 5) -> dict[str, Any] | None:
    """Round-robin documents, point-to-point merge at rank 0 (see the module text).

    ``docs`` is the list of all documents or a callable ``docs(i)`` with the
    number of documents as ``docs.n_docs``; each rank only touches its own.
    Returns the same dictionary as :func:`word_count_serial` on rank 0 (with
    ``bytes_sent`` summed over ranks) and ``None`` elsewhere.
    """
    rank, size = comm.Get_rank(), comm.Get_size()
    n_docs, get = _docs_access(docs)
    mine = {i: count_words(get(i)) for i in range(rank, n_docs, size)}
    sent = 0
    if rank == 0:
        allc = dict(mine)
        for src in range(1, size):
            n_src = len(range(src, n_docs, size))
            for _ in range(n_src):
                i, c = comm.recv(source=src, tag=src + size)
                allc[i] = c
        overall = merge_counts(allc.values())
        for dst in range(1, size):
            comm.send(overall, dest=dst, tag=dst + 2 * size)
            sent += len(pickle.dumps(overall, pickle.HIGHEST_PROTOCOL))
    else:
        for i, c in mine.items():
            comm.send((i, c), dest=0, tag=rank + size)
            sent += len(pickle.dumps((i, c), pickle.HIGHEST_PROTOCOL))
        overall = comm.recv(source=0, tag=rank + 2 * size)
    top, sent_top = _gather_top(comm, _finish(mine, overall, q, k))
    total = comm.reduce(sent + sent_top, root=0)
    return {"overall": overall, "top": top, "bytes_sent": total} if rank == 0 else None


def word_count_collective(comm: Any, docs: Any, q: float = 98.0,
                          k: int = 5) -> dict[str, Any] | None:
    """Round-robin documents, local merge, ``Allgather`` + ``Gatherv`` + ``bcast``.

    Same arguments and result as :func:`word_count_p2p`.
    """
    from mpi4py import MPI

    rank, size = comm.Get_rank(), comm.Get_size()
    n_docs, get = _docs_access(docs)
    mine = {i: count_words(get(i)) for i in range(rank, n_docs, size)}
    local = merge_counts(mine.values())
    payload = np.frombuffer(pickle.dumps(local, pickle.HIGHEST_PROTOCOL), dtype=np.uint8)
    lengths = np.zeros(size, dtype=np.int64)
    comm.Allgather(np.array([payload.size], dtype=np.int64), lengths)
    sent = 8 * (size - 1)  # this rank's length, to every other rank
    if rank == 0:
        recvbuf = np.empty(int(lengths.sum()), dtype=np.uint8)
        displs = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        comm.Gatherv(payload, [recvbuf, lengths, displs, MPI.BYTE], root=0)
        overall = merge_counts(
            pickle.loads(recvbuf[d:d + n].tobytes()) for d, n in zip(displs, lengths)
        )
        sent += (size - 1) * len(pickle.dumps(overall, pickle.HIGHEST_PROTOCOL))
    else:
        comm.Gatherv(payload, None, root=0)
        sent += payload.size
        overall = None
    overall = comm.bcast(overall, root=0)
    top, sent_top = _gather_top(comm, _finish(mine, overall, q, k))
    total = comm.reduce(sent + sent_top, root=0)
    return {"overall": overall, "top": top, "bytes_sent": total} if rank == 0 else None


def _docs_access(docs: Any) -> tuple[int, Any]:
    if callable(docs):
        n = getattr(docs, "n_docs", None)
        if not isinstance(n, int) or n < 1:
            raise ValueError("docs: a callable docs(i) needs an int attribute n_docs >= 1")
        return n, docs
    if not isinstance(docs, (list, tuple)) or not all(isinstance(d, str) for d in docs):
        raise TypeError("docs: expected a list of strings or a callable docs(i)")
    return len(docs), docs.__getitem__


def compare_results(a: dict[str, Any], b: dict[str, Any], rtol: float = 1e-12) -> bool:
    """Whether two word-count results have identical counts and the same top words and scores."""
    if a["overall"] != b["overall"] or list(a["top"]) != list(b["top"]):
        return False
    for i in a["top"]:
        ta, tb = a["top"][i], b["top"][i]
        if [w for w, _ in ta] != [w for w, _ in tb]:
            return False
        if not np.allclose([s for _, s in ta], [s for _, s in tb], rtol=rtol, atol=0):
            return False
    return True
