"""Invalidate the book's execution cache when sciml_lib changes.

jupyter-cache (used by Jupyter Book 1) keys a notebook's cached outputs on the
hash of its code cells only, so a change inside sciml_lib would otherwise be
published with stale outputs. This script hashes everything the notebooks
import or depend on (sciml_lib sources, pyproject.toml, the constraints) and
removes the cache folder when that hash differs from the one stored beside it.

Usage: python tools/book_cache.py CACHE_DIR
"""

from __future__ import annotations

import hashlib
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
STAMP_NAME = "sciml_lib.sha256"


def source_hash(root: pathlib.Path = ROOT) -> str:
    """SHA-256 over the library sources and the dependency declarations."""
    h = hashlib.sha256()
    files = sorted((root / "sciml_lib").rglob("*.py"))
    files += [root / "pyproject.toml", *sorted((root / "constraints").glob("*.txt"))]
    for f in files:
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(root)).encode())
            h.update(b"\0")
            h.update(f.read_bytes())
            h.update(b"\0")
    return h.hexdigest()


def refresh(cache_dir: pathlib.Path, root: pathlib.Path = ROOT) -> bool:
    """Remove ``cache_dir`` if it was built from other sources; return True if removed."""
    cache_dir = pathlib.Path(cache_dir)
    stamp = cache_dir.parent / (cache_dir.name + "." + STAMP_NAME)
    new = source_hash(root)
    old = stamp.read_text().strip() if stamp.exists() else None
    removed = False
    if old != new and cache_dir.exists():
        shutil.rmtree(cache_dir)
        removed = True
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(new + "\n")
    return removed


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    removed = refresh(pathlib.Path(argv[0]))
    print("book cache: sciml_lib changed, cache cleared" if removed else "book cache: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
