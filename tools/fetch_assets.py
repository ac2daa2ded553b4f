"""Fetch the book's JavaScript assets so the built HTML works with no network.

The rendered book needs MathJax 3 (equations) and, on pages with ipywidgets
explorers, require.js and the ipywidgets HTML embed manager. By default Sphinx
and myst-nb load these from CDNs; a reader on an offline cluster or laptop then
sees raw LaTeX. This script takes pinned versions from the npm registry
(``npm pack``), checks each tarball against its pinned SHA-512 integrity, and
copies the files the book needs into ``book/vendor`` (ignored by git), which
``_config.yml`` serves as a static folder.

Usage::

    python tools/fetch_assets.py            # fetch if missing, then verify
    python tools/fetch_assets.py --check    # only verify; exit 1 if anything is missing

The tarballs are cached in ``_build/.assets`` so a rebuild needs no network.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import pathlib
import shutil
import subprocess
import sys
import tarfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENDOR = ROOT / "book" / "vendor"
CACHE = ROOT / "_build" / ".assets"

# name, version, npm integrity (sha512, base64), {member prefix in the tarball: destination}
ASSETS: list[tuple[str, str, str, dict[str, str]]] = [
    (
        "mathjax",
        "3.2.2",
        "Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        {
            "package/es5/tex-chtml.js": "mathjax/tex-chtml.js",
            "package/es5/output/chtml/fonts/woff-v2/": "mathjax/output/chtml/fonts/woff-v2/",
            "package/es5/input/tex/extensions/": "mathjax/input/tex/extensions/",
            "package/es5/ui/": "mathjax/ui/",
            "package/es5/a11y/": "mathjax/a11y/",
            "package/es5/adaptors/": "mathjax/adaptors/",
            "package/LICENSE": "mathjax/LICENSE",
        },
    ),
    (
        "requirejs",
        "2.3.7",
        "DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw==",
        {"package/require.js": "requirejs/require.js", "package/README.md": "requirejs/README.md"},
    ),
    (
        "@jupyter-widgets/html-manager",
        "1.0.15",
        "5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        {"package/dist/": "html-manager/", "package/LICENSE": "html-manager/LICENSE"},
    ),
]

# Bundles of the embed manager the book does not load (it uses embed-amd.js).
SKIP = {"embed.js", "libembed-amd.js"}

# The files the book's configuration points at; the build fails without them.
REQUIRED = [
    "mathjax/tex-chtml.js",
    "mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",
    "requirejs/require.js",
    "html-manager/embed-amd.js",
]


def _tarball_name(name: str, version: str) -> str:
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def _integrity(data: bytes) -> str:
    return base64.b64encode(hashlib.sha512(data).digest()).decode()


def _fetch(name: str, version: str) -> pathlib.Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / _tarball_name(name, version)
    if path.exists():
        return path
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            f"fetch_assets: {name}@{version} is not cached in {CACHE} and `npm` is not on PATH; "
            "install Node.js/npm (Debian package `npm`) so the book can bundle its scripts"
        )
    r = subprocess.run(
        [npm, "pack", f"{name}@{version}", "--pack-destination", str(CACHE), "--silent"],
        capture_output=True, text=True, timeout=600,
    )
    if r.returncode != 0 or not path.exists():
        sys.exit(f"fetch_assets: `npm pack {name}@{version}` failed:\n{r.stdout}\n{r.stderr}")
    return path


def _install(name: str, version: str, integrity: str, members: dict[str, str]) -> int:
    path = _fetch(name, version)
    data = path.read_bytes()
    if _integrity(data) != integrity:
        path.unlink()
        sys.exit(f"fetch_assets: {path.name} does not match its pinned sha512 integrity")
    n = 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for m in tar.getmembers():
            if not m.isfile():
                continue
            for src, dst in members.items():
                if m.name == src or (src.endswith("/") and m.name.startswith(src)):
                    rel = dst + m.name[len(src):] if src.endswith("/") else dst
                    if rel.endswith(".map") or rel.rsplit("/", 1)[-1] in SKIP:
                        continue
                    out = VENDOR / rel
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(tar.extractfile(m).read())  # type: ignore[union-attr]
                    n += 1
    return n


def missing() -> list[str]:
    """The required asset files that are not in ``book/vendor``."""
    return [r for r in REQUIRED if not (VENDOR / r).is_file()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only verify that the assets are present")
    args = ap.parse_args(argv)
    if not args.check and missing():
        for name, version, integrity, members in ASSETS:
            n = _install(name, version, integrity, members)
            print(f"fetch_assets: {name}@{version}: {n} files into {VENDOR.relative_to(ROOT)}")
    gone = missing()
    if gone:
        print("fetch_assets: missing " + ", ".join(gone), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
